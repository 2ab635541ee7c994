"""`reference/policies.yaml` as tables: one effective policy per (policy_id, plan_tier).

Plan overrides are merged here, deeply (mappings merge, lists are replaced whole), so that
the SQL sees one flat row per effective policy and never has to know YAML.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

from .holiday_snapshot import keep_holidays
from .statement_labels import STATEMENT_LANGUAGES
from .zones import pinned_zone, zone_periods

REQUIRED = (
    "policy_id",
    "timezone",
    "components",
    "uptime_target_pct",
    "combine",
    "min_downtime_seconds",
    "quorum",
    "stale_after_seconds",
    "maintenance_notice_hours",
    "credit_tiers",
    "credit_cap_pct",
    "claim",
    "termination_after_consecutive_breaches",
    "response_targets",
    "business_calendar",
)
# Optional fields for the SLA's other promises, with the seeds' figures when a policy omits them.
COMMITMENT_DEFAULTS = {
    "backup_max_gap_hours": 24,
    "rto_hours": 8,
    "rpo_hours": 24,
    "breach_notice_hours": 72,
}
# A policy lists the languages its customers' statements are written in; English when silent.
DEFAULT_STATEMENT_LANGUAGES = ("en",)
POLICIES_FILE = "reference/policies.yaml"
POLICY_TABLES = (
    "policies",
    "policy_components",
    "policy_credit_tiers",
    "policy_response_targets",
    "policy_fee_charge_types",
)


class PolicyError(ValueError):
    pass


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _entry_lines(text: str) -> list[int]:
    node = yaml.compose(text)
    if node is None or not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def load_policies(path: Path) -> list[tuple[int, str, dict[str, Any]]]:
    """(line, plan_tier, effective policy) for every policy and every plan override."""
    if not path.exists():
        raise PolicyError(f"cannot read {path}: file not found")
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, list):
        raise PolicyError(f"cannot read {path}: expected a list of policies")
    lines = _entry_lines(text)
    out: list[tuple[int, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, entry in enumerate(data):
        line = lines[index] if index < len(lines) else index + 1
        if not isinstance(entry, dict):
            raise PolicyError(f"{path}:{line}: a policy must be a mapping")
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            raise PolicyError(f"{path}:{line}: policy lacks {', '.join(missing)}")
        if entry["policy_id"] in seen:
            raise PolicyError(f"{path}:{line}: policy_id {entry['policy_id']} appears twice")
        seen.add(entry["policy_id"])
        overrides = entry.get("plan_overrides") or {}
        base = _calendar_times_as_text({k: v for k, v in entry.items() if k != "plan_overrides"})
        _check(base, path, line)
        out.append((line, "", base))
        for tier, fields in overrides.items():
            merged = _calendar_times_as_text(deep_merge(base, fields or {}))
            _check(merged, path, line)
            out.append((line, str(tier), merged))
    return out


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CLOCKS = ("24x7", "business")
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


def _calendar_times_as_text(policy: dict[str, Any]) -> dict[str, Any]:
    """An unquoted opens: 18:00 is what YAML 1.1 reads as the number 1080 (base 60, minutes):
    written back as the "18:00" it was, instead of a calendar that never opens."""
    calendar = policy.get("business_calendar")
    if isinstance(calendar, dict):
        for key in ("opens", "closes"):
            value = calendar.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1440:
                calendar[key] = f"{value // 60:02d}:{value % 60:02d}"
    return policy


def _check_calendar(policy: dict[str, Any], where: str) -> None:
    """A business calendar that cannot be read would measure every ticket as met (it never
    opens) or fail every tenant's month in SQL: refused here, naming the policy."""
    for target in policy.get("response_targets") or []:
        if (target or {}).get("clock") not in CLOCKS:
            raise PolicyError(
                f"{where}: response target clock must be {' or '.join(CLOCKS)}, "
                f"got {(target or {}).get('clock')!r}"
            )
    calendar = policy.get("business_calendar")
    if calendar is None:
        return
    if not isinstance(calendar, dict):
        raise PolicyError(f"{where}: business_calendar must be a mapping")
    zone = calendar.get("timezone", policy["timezone"])
    try:
        pinned_zone(str(zone))
    except Exception as exc:
        raise PolicyError(f"{where}: unknown business_calendar.timezone {zone!r}") from exc
    days = calendar.get("weekdays") or []
    if not isinstance(days, list) or any(str(d).strip().title() not in WEEKDAYS for d in days):
        raise PolicyError(
            f"{where}: business_calendar.weekdays must be a list of {', '.join(WEEKDAYS)}, "
            f"got {days!r}"
        )
    for key in ("opens", "closes"):
        value = calendar.get(key)
        if not isinstance(value, str) or not _HHMM.match(value.strip()):
            raise PolicyError(
                f'{where}: business_calendar.{key} must be a time of day like "09:00", '
                f"got {value!r}"
            )


def _check(policy: dict[str, Any], path: Path, line: int) -> None:
    try:
        pinned_zone(str(policy["timezone"]))
    except Exception as exc:
        raise PolicyError(f"{path}:{line}: unknown timezone {policy['timezone']!r}") from exc
    _check_calendar(policy, f"{path}:{line}")
    if policy["combine"] != "worst":
        raise PolicyError(f"{path}:{line}: combine must be 'worst'")
    quorum = policy["quorum"]
    if quorum != "majority" and not (isinstance(quorum, int) and quorum >= 1):
        raise PolicyError(f"{path}:{line}: quorum must be 'majority' or a positive integer")
    if not policy["components"]:
        raise PolicyError(f"{path}:{line}: a policy needs at least one component")
    claim = policy["claim"] or {}
    if claim.get("required") and claim.get("anchor") not in ("month_end", "breach"):
        raise PolicyError(f"{path}:{line}: claim.anchor must be month_end or breach")
    for tier in policy["credit_tiers"]:
        for key in ("below_pct", "at_or_above_pct", "credit_pct"):
            if key not in tier:
                raise PolicyError(f"{path}:{line}: a credit tier lacks {key}")
    # A claim window anchored on the breach day needs a breach: a credit for uptime at or
    # above the target would have no deadline and could never be claimed or expire.
    if claim.get("required") and claim.get("anchor") == "breach":
        target = _decimal(policy["uptime_target_pct"])
        for tier in policy["credit_tiers"]:
            credit, below = _decimal(tier["credit_pct"]), _decimal(tier["below_pct"])
            if None not in (target, credit, below) and credit > 0 and below > target:
                raise PolicyError(
                    f"{path}:{line}: a credit tier reaches above uptime_target_pct, where no "
                    "breach anchors the claim window (claim.anchor: breach)"
                )
    _check_ranges(policy, claim, f"{path}:{line}")
    # Percentages are stored exactly, never rounded: one with more places than its column
    # keeps would change a credit by cents, so the policy is refused instead.
    places = [("uptime_target_pct", policy["uptime_target_pct"], 6)]
    places.append(("credit_cap_pct", policy["credit_cap_pct"], 6))
    for tier in policy["credit_tiers"]:
        places += [(key, tier[key], 6) for key in ("below_pct", "at_or_above_pct")]
        places.append(("credit_pct", tier["credit_pct"], 6))
    for key, value, most in places:
        if value is not None and _decimal_places(value) > most:
            raise PolicyError(f"{path}:{line}: {key} {value} has more than {most} decimal places")
    languages = policy.get("statement_languages")
    if languages is not None and (
        not isinstance(languages, list)
        or not languages
        or any(lang not in STATEMENT_LANGUAGES for lang in languages)
    ):
        raise PolicyError(
            f"{path}:{line}: statement_languages must be a non-empty list of "
            f"{', '.join(STATEMENT_LANGUAGES)}, got {languages!r}"
        )


def _check_ranges(policy: dict[str, Any], claim: dict[str, Any], where: str) -> None:
    """A negative duration or a percentage past 100 computes without error and pays nonsense
    (a staleness of -180 s made a 100-minute outage one minute): refused, naming the policy."""
    at_least_zero = [
        (key, policy.get(key))
        for key in ("stale_after_seconds", "min_downtime_seconds", "maintenance_notice_hours")
    ]
    at_least_zero.append(("claim.window_days", claim.get("window_days")))
    for target in policy.get("response_targets") or []:
        at_least_zero.append(("response_targets minutes", target.get("minutes")))
    percentages = [(key, policy.get(key)) for key in ("uptime_target_pct", "credit_cap_pct")]
    for tier in policy["credit_tiers"]:
        percentages += [(key, tier[key]) for key in ("below_pct", "at_or_above_pct", "credit_pct")]
    for key, value in at_least_zero + percentages:
        number = _decimal(value) if value is not None else None
        if number is not None and number < 0:
            raise PolicyError(f"{where}: {key} {value} is negative")
    for key, value in percentages:
        number = _decimal(value) if value is not None else None
        if number is not None and number > 100:
            raise PolicyError(f"{where}: {key} {value} is above 100")
    window = claim.get("window_days")
    if window is not None and _decimal(window) is not None and _decimal(window) % 1:
        raise PolicyError(f"{where}: claim.window_days {window} is not a whole number of days")
    runs = policy.get("termination_after_consecutive_breaches")
    whole = isinstance(runs, int) and not isinstance(runs, bool)
    if runs is not None and not (whole and runs >= 1):
        raise PolicyError(
            f"{where}: termination_after_consecutive_breaches must be null or a positive "
            f"integer, got {runs!r}"
        )


def _decimal(value: Any) -> Decimal | None:
    """The number as written (not a number: None, which the staging casts make bad input)."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _decimal_places(value: Any) -> int:
    number = _decimal(value)
    exponent = number.normalize().as_tuple().exponent if number is not None else 0
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def statement_languages(policy: dict[str, Any] | None) -> list[str]:
    """The languages the customers of an effective policy get their statement in, in order."""
    languages = (policy or {}).get("statement_languages") or DEFAULT_STATEMENT_LANGUAGES
    return list(dict.fromkeys(str(lang) for lang in languages))


def _num(value: Any) -> str | None:
    return None if value is None else str(value)


def write_policy_tables(con: duckdb.DuckDBPyConnection, data_dir: Path) -> dict[str, int]:
    path = data_dir / POLICIES_FILE
    policies = load_policies(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    now = datetime.now(UTC)
    rows, components, tiers, targets, fee_types = [], [], [], [], []
    for line, tier_name, p in policies:
        key = {"policy_id": str(p["policy_id"]), "plan_tier": tier_name}
        version = hashlib.sha256(json.dumps(p, sort_keys=True, default=str).encode()).hexdigest()
        claim = p.get("claim") or {}
        cal = p.get("business_calendar") or {}
        rows.append(
            {
                **key,
                "timezone": p["timezone"],
                "uptime_target_pct": _num(p["uptime_target_pct"]),
                "combine": p["combine"],
                "min_downtime_seconds": _num(p["min_downtime_seconds"]),
                "quorum": _num(p["quorum"]),
                "stale_after_seconds": _num(p["stale_after_seconds"]),
                "maintenance_notice_hours": _num(p["maintenance_notice_hours"]),
                "credit_cap_pct": _num(p["credit_cap_pct"]),
                "claim_required": "true" if claim.get("required") else "false",
                "claim_window_days": _num(claim.get("window_days")),
                "claim_anchor": claim.get("anchor"),
                "termination_after_consecutive_breaches": _num(
                    p.get("termination_after_consecutive_breaches")
                ),
                "calendar_timezone": cal.get("timezone", p["timezone"]),
                "calendar_weekdays": ",".join(cal.get("weekdays", [])),
                "calendar_opens": _num(cal.get("opens")),
                "calendar_closes": _num(cal.get("closes")),
                "calendar_holidays": _num(cal.get("holidays")),
                # optional: below this coverage a credit waits for an operator (absent = no gate)
                "coverage_review_below_pct": _num(p.get("coverage_review_below_pct")),
                **{
                    field: _num(default if p.get(field) is None else p[field])
                    for field, default in COMMITMENT_DEFAULTS.items()
                },
                "policy_version": version,
                "definition": json.dumps(p, sort_keys=True, default=str),
                "source_line": line,
            }
        )
        for position, comp in enumerate(p["components"], start=1):
            components.append({**key, "component": str(comp), "position": position})
        for number, t in enumerate(p["credit_tiers"], start=1):
            tiers.append(
                {
                    **key,
                    "tier_number": number,
                    "below_pct": _num(t["below_pct"]),
                    "at_or_above_pct": _num(t["at_or_above_pct"]),
                    "credit_pct": _num(t["credit_pct"]),
                }
            )
        for t in p.get("response_targets") or []:
            targets.append(
                {
                    **key,
                    "severity": str(t["severity"]),
                    "minutes": _num(t["minutes"]),
                    "clock": str(t["clock"]),
                }
            )
        for charge_type in p.get("fee_charge_types") or ["subscription"]:
            fee_types.append({**key, "charge_type": str(charge_type)})
    # every zone a policy or its calendar names, and UTC, which the ticket horizon reads in
    zones = sorted({"UTC"} | {str(r[k]) for r in rows for k in ("timezone", "calendar_timezone")})
    tables = {
        "policy_zones": [period for zone in zones for period in zone_periods(zone)],
        "policies": rows,
        "policy_components": components,
        "policy_credit_tiers": tiers,
        "policy_response_targets": targets,
        "policy_fee_charge_types": fee_types,
    }
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw._ingested_files (source VARCHAR, source_file VARCHAR,"
        " sha256 VARCHAR, row_count BIGINT, ingested_at TIMESTAMPTZ,"
        " PRIMARY KEY (source, source_file))"
    )
    # The same file again is the same landing, as for every other source: its tables come out
    # identical, so a rerun changes nothing and keeps what dbt built from them (build_record).
    landed = con.execute(
        "SELECT ingested_at FROM raw._ingested_files"
        " WHERE source = 'policies' AND source_file = ? AND sha256 = ?",
        [POLICIES_FILE, sha],
    ).fetchone()
    if landed is not None:
        now = landed[0]
    # business calendars need their countries' holidays for any month, not only the snapshot's
    keep_holidays(con, {str(r["calendar_holidays"]) for r in rows if r["calendar_holidays"]})
    key_schema = {"policy_id": pl.String, "plan_tier": pl.String}
    for table, data in tables.items():
        df = (
            pl.DataFrame(data, infer_schema_length=None)
            if data
            else pl.DataFrame(
                schema={
                    **key_schema,
                    "severity": pl.String,
                    "minutes": pl.String,
                    "clock": pl.String,
                }
            )
        )
        df = df.with_columns(
            pl.lit(POLICIES_FILE).alias("source_file"),
            pl.lit(sha).alias("file_sha256"),
            pl.lit(now).alias("ingested_at"),
        )
        arrow = df.to_arrow()  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"CREATE OR REPLACE TABLE raw.{table} AS SELECT * FROM arrow")
    con.execute("DELETE FROM raw._ingested_files WHERE source = 'policies'")
    con.execute(
        "INSERT INTO raw._ingested_files VALUES ('policies', ?, ?, ?, ?)",
        [POLICIES_FILE, sha, len(rows), now],
    )
    return {table: len(data) for table, data in tables.items()}
