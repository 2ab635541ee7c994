"""The monthly SLA statement of one tenant: a self-contained HTML page (and a PDF of it).

Every figure is read from the published marts and the ledger, a month's rows grouped by tenant
and each statement given its tenant's group only, so a statement can never show another
tenant's data and never recomputes the SLA:
percentages are only rounded for display, money is only formatted (Decimal throughout).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache, partial
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import escape

from .evidence import (
    PERIOD_KEYS,
    STAGING,
    Relations,
    latest_publication,
    month_bounds,
    periods_sql,
    policies_sql,
    policy_of,
)
from .ledger import month_marts_hash
from .policies import statement_languages
from .statement_labels import DIRECTION, LABELS, MONTHS, STATEMENT_LANGUAGES

# A rescheduled window is shown as its latest announcement, the one the month was judged by.
STATEMENT_RELATIONS = replace(STAGING, windows="intermediate.int_maintenance_windows_deduplicated")
COMMITMENT_ORDER = ("daily_backup", "rpo", "rto", "breach_notice", "maintenance_notice")
# Chromium refuses to start as root without this; the page is our own, has no script and
# loads nothing, so the sandbox has nothing to contain.
_ROOT_FLAGS = ("--no-sandbox",) if hasattr(os, "geteuid") and os.geteuid() == 0 else ()
CHROMIUM_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    *_ROOT_FLAGS,
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@dataclass(frozen=True)
class MonthScope:
    """What every statement of a month shares: asked once per month, not once per tenant."""

    month: str
    marts: frozenset[str]
    publication: dict[str, Any] | None
    marts_hash: str | None
    # month-wide query results by tenant: read once for all of the month's statements
    rows: dict[tuple[str, tuple], dict[str, list[dict[str, Any]]]] = field(
        default_factory=dict, compare=False, repr=False
    )


def _month_rows(
    con: duckdb.DuckDBPyConnection, scope: MonthScope, sql: str, params: list
) -> dict[str, list[dict[str, Any]]]:
    """A month-wide query's rows by its `statement_tenant` column, asked once per month.

    A month of 1,000 tenants otherwise asks the same small tables 12,000 times; each
    statement still takes only the rows filed under its own tenant.
    """
    key = (sql, tuple(params))
    if key not in scope.rows:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in _rows(con, sql, params):
            grouped.setdefault(row.pop("statement_tenant"), []).append(row)
        scope.rows[key] = grouped
    return scope.rows[key]


def _tenant_rows(
    con: duckdb.DuckDBPyConnection,
    scope: MonthScope,
    mart: str,
    tenant: str,
    order_by: str = "1",
    columns: str = "*",
) -> list[dict[str, Any]]:
    """One tenant's rows of a mart in the scope's month, in `order_by` order."""
    grouped = _month_rows(
        con,
        scope,
        f"select {columns}, tenant_id as statement_tenant from marts.{mart} "
        f"where service_month = ? order by tenant_id, {order_by}",
        [scope.month],
    )
    return [dict(row) for row in grouped.get(tenant, [])]


def _tenant_periods(
    con: duckdb.DuckDBPyConnection,
    scope: MonthScope,
    rel: Relations,
    tenant: str,
    start: datetime,
    end: datetime,
) -> list[dict[str, Any]]:
    """excluded_periods for one tenant, served from one month-wide read (same rows, order)."""
    grouped = _month_rows(
        con,
        scope,
        f"select period_tenant as statement_tenant, * exclude (period_tenant) "
        f"from ({periods_sql(rel)}) order by period_tenant, period_starts_us, period_id",
        [],
    )
    start_us, end_us = _epoch_us(start), _epoch_us(end)
    return [
        {k: v for k, v in row.items() if k not in PERIOD_KEYS}
        for row in grouped.get(tenant, [])
        if row["period_starts_us"] < end_us and row["period_ends_us"] > start_us
    ]


def _epoch_us(at: datetime) -> int:
    delta = at - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def month_scope(con: duckdb.DuckDBPyConnection, month: str) -> MonthScope:
    marts = frozenset(
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    )
    publication = latest_publication(con, month)
    # The hash covers the whole month (every tenant and mart); a statement only shows whether
    # it matches.
    marts_hash = month_marts_hash(con, month) if publication is not None else None
    return MonthScope(month, marts, publication, marts_hash)


def exact_pct(part_us: int, total_us: int) -> Decimal:
    """100 − part ÷ total × 100 from the marts' exact microseconds, as a Decimal."""
    with localcontext() as ctx:
        ctx.prec = 40
        return Decimal(100) - Decimal(part_us) * 100 / Decimal(total_us)


def month_tenants(con: duckdb.DuckDBPyConnection, month: str) -> list[str]:
    rows = con.execute(
        "select tenant_id from marts.service_credits where service_month = ? order by tenant_id",
        [month],
    ).fetchall()
    return [r[0] for r in rows]


def load_statement(
    con: duckdb.DuckDBPyConnection,
    tenant: str,
    month: str,
    scope: MonthScope | None = None,
    rel: Relations = STATEMENT_RELATIONS,
) -> dict[str, Any]:
    """Everything one tenant-month's statement shows, straight from the marts and the ledger.

    `scope` (month_scope) and `rel` (a snapshot: evidence.snapshot_relations) save a month's
    worth of statements from asking the same things once per tenant.
    """
    scope = scope if scope is not None and scope.month == month else month_scope(con, month)
    credits = _tenant_rows(con, scope, "service_credits", tenant)
    if not credits:
        raise LookupError(f"no computed credit for tenant {tenant!r} in {month}")
    credit = credits[0]
    contract = dict(
        _month_rows(
            con,
            scope,
            f"""select tenant_id as statement_tenant, tenant_id, tenant_name, policy_id, plan_tier,
                      currency, minor_unit, starts_on, ends_on, prepaid_from, prepaid_through,
                      prepaid_amount
               from {rel.contracts}""",
            [],
        )[tenant][0]
    )
    policies = _month_rows(
        con, scope, f"select tenant_id as statement_tenant, * from ({policies_sql(rel)})", []
    )
    found = policies.get(tenant)
    policy, tz, policy_version = policy_of(tuple(found[0].values()) if found else None)
    policy = policy or {}
    start, end = month_bounds(month, tz)
    positions = {c: i for i, c in enumerate(policy.get("components") or [])}

    components = sorted(
        _tenant_rows(con, scope, "availability_monthly", tenant),
        key=lambda r: (positions.get(r["component"], len(positions)), r["component"]),
    )
    for c in components:
        c["uptime_exact"] = exact_pct(c["downtime_us"], c["total_us"])
    deciding = next((c for c in components if c["component"] == credit["deciding_component"]), None)

    daily: list[dict[str, Any]] = []
    if "availability_daily" in scope.marts:
        daily = _tenant_rows(con, scope, "availability_daily", tenant, "component, local_on")
    episodes = _tenant_rows(con, scope, "downtime_episodes", tenant, "started_at, component")
    windows = _tenant_periods(con, scope, rel, tenant, start, end)

    # The tier table the credit was chosen from, and the one tier whose [from, below) holds
    # the deciding component's exact uptime, compared like the model does (integers, no float).
    tiers = _month_rows(
        con,
        scope,
        f"""select c.tenant_id as statement_tenant, t.tier_number, t.at_or_above_pct,
                  t.below_pct, t.credit_pct, a.tenant_id is not null as applies
           from {rel.credit_tiers} as t
           join {rel.contracts} as c
             on t.policy_id = c.policy_id and t.plan_tier = c.policy_plan
           left join marts.service_credits as sc
             on sc.tenant_id = c.tenant_id and sc.service_month = ?
           left join marts.availability_monthly as a
             on a.tenant_id = c.tenant_id and a.service_month = ?
            and a.component = sc.deciding_component
            and (a.total_us - a.downtime_us) * 100 >= t.at_or_above_pct * a.total_us
            and (a.total_us - a.downtime_us) * 100 < t.below_pct * a.total_us
           order by c.tenant_id, t.tier_number""",
        [month, month],
    ).get(tenant, [])
    tiers = [dict(t) for t in tiers]
    applied = [t for t in tiers if t["applies"]][:1]
    cap = Decimal(str(policy.get("credit_cap_pct", 0)))
    # A tier table edited since the month was computed would point at the wrong row: only
    # mark a tier when it yields the published credit %.
    for t in tiers:
        t["applies"] = (
            bool(applied)
            and t is applied[0]
            and min(t["credit_pct"], cap) == (credit["credit_pct"])
        )

    response = _tenant_rows(con, scope, "response_compliance_monthly", tenant, "severity")
    targets = {str(t["severity"]): t for t in policy.get("response_targets") or []}
    for r in response:
        r["target"] = targets.get(r["severity"])

    commitments: list[dict[str, Any]] = []
    if "commitments_monthly" in scope.marts:
        commitments = sorted(
            _tenant_rows(con, scope, "commitments_monthly", tenant),
            key=lambda r: (
                COMMITMENT_ORDER.index(r["commitment"])
                if r["commitment"] in COMMITMENT_ORDER
                else len(COMMITMENT_ORDER),
                r["commitment"],
            ),
        )

    claims = _month_rows(
        con,
        scope,
        f"""select tenant_id as statement_tenant, claim_id,
                  make_timestamp(min(received_at_us))::timestamptz as received_at
           from {rel.claims}
           where service_month = ?
           group by tenant_id, claim_id order by tenant_id, received_at, claim_id""",
        [month],
    ).get(tenant, [])
    # the claims the credit was judged by: those received by the run's as-of (Meaning 8)
    as_of = credit.get("as_of")
    claims = [dict(c) for c in claims if as_of is None or c["received_at"] <= as_of]
    invoice_lines: list[dict[str, Any]] = []
    if "invoice_lines_in_force" in scope.marts:
        invoice_lines = _tenant_rows(
            con,
            scope,
            "invoice_lines_in_force",
            tenant,
            "created_at",
            "line_id, invoice_month, credit_amount, currency, publication_id",
        )
    publication = scope.publication
    published = publication is not None and publication.get("marts_hash") == scope.marts_hash

    return {
        "tenant": contract,
        "month": month,
        "month_start": start,
        "month_end": end,
        "timezone": tz,
        "policy": policy,
        "policy_version": policy_version,
        "languages": statement_languages(policy),
        "credit": credit,
        "deciding": deciding,
        "components": components,
        "daily": daily,
        "episodes": episodes,
        "windows": windows,
        "tiers": tiers,
        "response": response,
        "commitments": commitments,
        "claims": claims,
        "invoice_lines": invoice_lines,
        "publication": publication,
        "published": published,
    }


# ---------------------------------------------------------------- formatting for display


def plain(value: Decimal | float | int | None) -> str:
    """A policy figure as written (99.9, 10, 0), without a float's or a DECIMAL's noise."""
    if value is None:
        return ""
    text = format(Decimal(str(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(amount: Decimal | None, minor_unit: int) -> str:
    """An amount to the currency's minor unit, half-up, with thousands separators."""
    if amount is None:
        return ""
    step = Decimal(1).scaleb(-minor_unit)
    return format(Decimal(amount).quantize(step, rounding=ROUND_HALF_UP), ",f")


def pct(value: Decimal | None, places: int = 4) -> str:
    """Truncated, not rounded: 99.89999 must never read as a met 99.9 target."""
    if value is None:
        return ""
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN), "f")


def minutes(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}"
    return f"{value:,.2f}"


def hours(value: float | None) -> str:
    if value is None:
        return ""
    return plain(Decimal(str(round(value, 2))))


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    counted_y: float
    counted_h: float
    excluded_y: float
    excluded_h: float
    clean: bool
    label: str
    tooltip: str


def _nice_ceiling(value: float) -> int:
    for step in (60, 120, 240, 360, 720, 1440):
        if value <= step:
            return step
    return 1500


def daily_charts(statement: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Bar geometry per component (SVG user units); the template only draws it."""
    width, height, left, bottom, top = 720.0, 170.0, 40.0, 22.0, 8.0
    plot_h = height - bottom - top
    charts = []
    by_component: dict[str, list[dict[str, Any]]] = {}
    for day in statement["daily"]:
        by_component.setdefault(day["component"], []).append(day)
    for component in (c["component"] for c in statement["components"]):
        days = by_component.get(component, [])
        if not days:
            continue
        scale = _nice_ceiling(max(d["downtime_minutes"] + d["excluded_minutes"] for d in days))
        slot = (width - left) / len(days)
        bars = []
        for i, d in enumerate(days):
            counted_h = plot_h * d["downtime_minutes"] / scale
            excluded_h = plot_h * d["excluded_minutes"] / scale
            base = top + plot_h
            bars.append(
                Bar(
                    x=round(left + i * slot + slot * 0.15, 2),
                    width=round(slot * 0.7, 2),
                    counted_y=round(base - counted_h, 2),
                    counted_h=round(counted_h, 2),
                    excluded_y=round(base - counted_h - excluded_h, 2),
                    excluded_h=round(excluded_h, 2),
                    clean=d["downtime_minutes"] == 0 and d["excluded_minutes"] == 0,
                    label=str(d["local_on"].day),
                    tooltip=labels["day_tooltip"].format(
                        day=d["local_on"].isoformat(),
                        counted=minutes(d["downtime_minutes"]),
                        excluded=minutes(d["excluded_minutes"]),
                        uptime=pct(exact_pct(d["downtime_us"], d["day_us"]), 2),
                    ),
                )
            )
        charts.append(
            {
                "component": component,
                "width": width,
                "height": height,
                "left": left,
                "top": top,
                "base": top + plot_h,
                "mid": top + plot_h / 2,
                "scale": scale,
                "bars": bars,
            }
        )
    return charts


def timeline(statement: dict[str, Any]) -> dict[str, Any]:
    """The month as one strip: windows on the upper lane, Down episodes on the lower one."""
    width, left = 720.0, 40.0
    start: datetime = statement["month_start"]
    end: datetime = statement["month_end"]
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        seconds = min(max((at - start).total_seconds(), 0.0), span)
        return round(left + (width - left) * seconds / span, 2)

    def box(s: datetime, e: datetime) -> tuple[float, float]:
        x0, x1 = x(s), x(e)
        return x0, round(max(x1 - x0, 2.0), 2)

    zone = ZoneInfo(statement["timezone"])
    ticks = []
    day = start.date()
    while True:
        at = datetime(day.year, day.month, day.day, tzinfo=zone)
        if at >= end:
            break
        ticks.append({"x": x(at), "label": str(day.day) if day.day % 7 == 1 else ""})
        day += timedelta(days=1)
    windows = []
    for w in statement["windows"]:
        wx, ww = box(w["starts_at"], w["ends_at"])
        windows.append({"x": wx, "width": ww, "id": w["period_id"], "excludes": w["excludes"]})
    episodes = []
    for e in statement["episodes"]:
        ex, ew = box(e["started_at"], e["ended_at"])
        state = (
            "short"
            if not e["is_long_enough"]
            else "counted"
            if e["counted_minutes"] > 0
            else "excluded"
        )
        episodes.append({"x": ex, "width": ew, "state": state})
    return {"width": width, "left": left, "ticks": ticks, "windows": windows, "episodes": episodes}


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def episode_notes(statement: dict[str, Any], labels: dict[str, str]) -> list[str]:
    seconds = plain(statement["policy"].get("min_downtime_seconds"))
    notes = []
    for e in statement["episodes"]:
        if not e["is_long_enough"]:
            notes.append(labels["too_short"].format(seconds=seconds))
            continue
        parts = []
        inside = [
            w
            for w in statement["windows"]
            if _overlaps(e["started_at"], e["ended_at"], w["starts_at"], w["ends_at"])
            and (not w["component"] or w["component"] == e["component"])
        ]
        excluding = [w["period_id"] for w in inside if w["excludes"]]
        counted_anyway = [w["period_id"] for w in inside if not w["excludes"]]
        if excluding:
            parts.append(labels["inside_excluded"].format(ids=", ".join(excluding)))
        if counted_anyway:
            parts.append(labels["inside_not_excluded"].format(ids=", ".join(counted_anyway)))
        if e["counted_minutes"] == 0 and e["excluded_minutes"] == 0:
            parts.append(labels["before_contract"])
        notes.append("; ".join(parts))
    return notes


def window_reasons(statement: dict[str, Any], labels: dict[str, str]) -> list[dict[str, str]]:
    required = plain(statement["policy"].get("maintenance_notice_hours"))
    out = []
    for w in statement["windows"]:
        if w["kind_of_period"] == "maintenance":
            kind = labels[
                "maintenance_emergency" if w["kind"] == "emergency" else "maintenance_scheduled"
            ]
            if w["kind"] == "emergency":
                why = labels["why_emergency"]
            else:
                key = "why_notice_ok" if w["excludes"] else "why_notice_short"
                why = labels[key].format(hours=hours(w["notice_hours"]), required=required)
        else:
            kind = labels["exclusion"]
            why = labels.get(f"reason_{w['kind']}", str(w["kind"]))
            if w["component"]:
                why += " · " + labels["why_component"].format(component=w["component"])
            if w["note"]:
                why += " · " + str(w["note"])
        out.append({"kind": kind, "why": why})
    return out


class _StatementEnvironment(Environment):
    """Looks `a.b` up as a key first when `a` is a dict, as a statement's values all are.

    Jinja tries the attribute first, and on a dict that is a failed getattr, an exception
    raised and caught, for each of the thousands of lookups on a page: a quarter of the
    rendering time. The result differs only for a key named like a dict method (`items`,
    `get`), which no statement or label has; a missing key falls back to Jinja's own lookup.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = _StatementEnvironment(
        loader=PackageLoader("orchestration", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(plain=plain, pct=pct, minutes=minutes, hours=hours)
    return env


def local_text(at: datetime | None, zone: ZoneInfo) -> str:
    """An instant as a statement shows it: in the policy's zone, seconds only when there are."""
    if at is None:
        return ""
    try:
        shown = at.astimezone(zone)
    except OverflowError:  # "until 9999-12-31T23:59Z" has no local date after it: UTC
        return at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return shown.strftime("%Y-%m-%d %H:%M:%S" if shown.second else "%Y-%m-%d %H:%M")


def render_statement(
    statement: dict[str, Any], lang: str, published_at_text: str | None = None
) -> str:
    if lang not in STATEMENT_LANGUAGES:
        raise ValueError(f"no statement labels for language {lang!r}")
    labels = LABELS[lang]
    zone = ZoneInfo(statement["timezone"])
    minor = int(statement["tenant"]["minor_unit"])
    currency = statement["credit"]["currency"]
    year, month = (int(x) for x in statement["month"].split("-"))

    def local(at: datetime | None) -> str:
        return local_text(at, zone)

    if published_at_text is None:
        publication = statement["publication"]
        published_at_text = local(publication["published_at"]) if publication else ""

    def cash(amount: Decimal | None) -> str:
        return f"{money(amount, minor)} {currency}" if amount is not None else ""

    def month_name(ym: str | None) -> str:
        if not ym:
            return ""
        y, m = (int(x) for x in ym.split("-"))
        return f"{MONTHS[lang][m - 1]} {y}"

    deadline = statement["credit"]["claim_deadline"]
    deadline_text = ""
    if deadline is not None:
        # The deadline is the exclusive end of the last day: that day is what a person reads.
        last_day: date = (deadline.astimezone(zone) - timedelta(microseconds=1)).date()
        deadline_text = labels["claim_deadline_value"].format(
            day=last_day.isoformat(), instant=local(deadline)
        )
    return (
        _environment()
        .get_template("statement.html.j2")
        .render(
            s=statement,
            t=labels,
            lang=lang,
            dir=DIRECTION[lang],
            month_label=f"{MONTHS[lang][month - 1]} {year}",
            local=local,
            cash=cash,
            month_name=month_name,
            deadline_text=deadline_text,
            published_at_text=published_at_text,
            charts=daily_charts(statement, labels),
            strip=timeline(statement),
            episode_notes=episode_notes(statement, labels),
            window_reasons=window_reasons(statement, labels),
        )
    )


# ---------------------------------------------------------------- files and Chromium


def statement_dir(published_dir: Path, month: str) -> Path:
    return published_dir / "statements" / f"month={month}"


def find_chromium() -> str | None:
    """SLA_CHROMIUM if set, else the first Chromium-family browser on PATH."""
    override = os.environ.get("SLA_CHROMIUM")
    if override:
        return shutil.which(override) or (override if Path(override).is_file() else None)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_enabled() -> bool:
    """SLA_STATEMENT_PDF=off skips PDFs (the test suite's materialisations set it)."""
    return os.environ.get("SLA_STATEMENT_PDF", "auto").lower() not in ("off", "0", "no", "false")


def run_chromium(
    chromium: str, page: Path, *args: str, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """One headless Chromium over a local file, with a throw-away profile."""
    with tempfile.TemporaryDirectory(prefix="sla-chromium-") as profile:
        return subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def print_pdf(chromium: str, html_path: Path) -> Path:
    pdf_path = html_path.with_suffix(".pdf")
    tmp = pdf_path.with_name(pdf_path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    done = run_chromium(chromium, html_path, "--no-pdf-header-footer", f"--print-to-pdf={tmp}")
    if not tmp.exists() or tmp.stat().st_size == 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"Chromium printed no PDF of {html_path}: {tail}")
    tmp.replace(pdf_path)
    return pdf_path


_PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+=-]{0,99}")


def file_stem(tenant: str) -> str:
    """The tenant's name for its files: the id itself when it is a plain file name, otherwise
    its plain characters and a hash of the whole id. A tenant id is data: one with a `/`, a
    leading `..` or 500 characters would write outside the month's folder or fail every
    tenant's statements."""
    if _PLAIN_ID.fullmatch(tenant):
        return tenant
    plain = re.sub(r"[^A-Za-z0-9._@+=-]+", "_", tenant).strip("._")[:60]
    digest = hashlib.sha256(tenant.encode("utf-8")).hexdigest()[:12]
    return f"{plain}-{digest}" if plain else digest


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_statement(
    con: duckdb.DuckDBPyConnection,
    tenant: str,
    month: str,
    out_dir: Path,
    languages: Iterable[str] | None = None,
    scope: MonthScope | None = None,
    rel: Relations = STATEMENT_RELATIONS,
) -> tuple[dict[str, Any], list[Path]]:
    """The tenant's statement in each language (default: its policy's), as HTML files."""
    statement = load_statement(con, tenant, month, scope, rel)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for lang in languages or statement["languages"]:
        path = out_dir / f"{file_stem(tenant)}.{lang}.html"
        _write_atomically(path, render_statement(statement, lang))
        paths.append(path)
    return statement, paths


# Rendering is pure Python (Jinja, about 5 ms a page): from this many tenants on, a month's
# pages are rendered by one process per core while this one reads the next statements.
PARALLEL_FROM_TENANTS = 100


def _render_workers(tenants: int) -> int:
    # Forked workers start at once and inherit the loaded templates; they never touch the
    # warehouse connection and leave without running its destructor (os._exit). Where fork is
    # not the platform's way (macOS, Windows), pages are rendered in-process.
    if sys.platform != "linux" or tenants < PARALLEL_FROM_TENANTS:
        return 1
    return max(1, len(os.sched_getaffinity(0)))


# ---------------------------------------------------------------- pages kept between runs
#
# A restatement publishes the month again, and every tenant's page names the new publication,
# though most tenants' figures did not move. A page is therefore also kept with stand-ins
# where the publication goes (its id, time and fingerprint: the only things on it that come
# from the publication), under a hash of everything else it shows and of the code that draws
# it; the next run of the month fills the stand-ins in instead of rendering again. The filled
# page is the rendered page, byte for byte (tests/test_statements.py).

# Private-use characters, which no statement data holds; a page holding one of them (or a
# stand-in not exactly once) is never kept.
_STAND_INS = {
    "publication_id": "\ue000publication\ue001",
    "input_fingerprint": "\ue000fingerprint\ue001",
}
_PUBLISHED_AT_STAND_IN = "\ue000published_at\ue001"
_CODE = ("templates/statement.html.j2", "lib/statements.py", "lib/statement_labels.py")


@lru_cache(maxsize=1)
def _code_hash() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for package in ("jinja2", "markupsafe"):  # they draw and escape the page
        digest.update(f"{package}={metadata.version(package)};".encode())
    for name in _CODE:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def page_key(statement: dict[str, Any], lang: str) -> str | None:
    """What a kept page was drawn from, but its publication; None: never keep it."""
    if statement.get("publication") is None:
        return None
    shown = {k: v for k, v in statement.items() if k != "publication"}
    try:
        text = json.dumps([lang, shown], sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return None
    return hashlib.sha256((_code_hash() + text).encode()).hexdigest()


def page_with_stand_ins(statement: dict[str, Any], lang: str) -> str | None:
    publication = {**statement["publication"], **_STAND_INS}
    page = render_statement(
        {**statement, "publication": publication}, lang, published_at_text=_PUBLISHED_AT_STAND_IN
    )
    stand_ins = (*_STAND_INS.values(), _PUBLISHED_AT_STAND_IN)
    return page if all(page.count(s) == 1 for s in stand_ins) else None


def fill_in_publication(page: str, statement: dict[str, Any]) -> str:
    publication = statement["publication"]
    published_at = local_text(publication["published_at"], ZoneInfo(statement["timezone"]))
    for name, stand_in in _STAND_INS.items():
        page = page.replace(stand_in, str(escape(publication[name])))
    return page.replace(_PUBLISHED_AT_STAND_IN, str(escape(published_at)))


def kept_pages_dir(db_path: Path, month: str) -> Path:
    """Beside the warehouse, as its landed Parquet is: what the pages were drawn from is
    warehouse state, and a new warehouse starts without."""
    return db_path.with_name(db_path.name + ".statements") / f"month={month}"


@dataclass(frozen=True)
class Page:
    lang: str
    html: str
    key: str | None = None
    # the page with stand-ins, when it was drawn now (None: kept, or never to be kept)
    drawn: str | None = None


def _render_pages(statement: dict[str, Any], kept: Path | None = None) -> list[Page]:
    pages = []
    for lang in statement["languages"]:
        key = page_key(statement, lang) if kept is not None else None
        if key is None or kept is None:
            pages.append(Page(lang, render_statement(statement, lang)))
            continue
        name = f"{file_stem(statement['tenant']['tenant_id'])}.{lang}"
        try:
            if (kept / f"{name}.key").read_text() == key:
                page = (kept / f"{name}.html").read_text(encoding="utf-8")
                pages.append(Page(lang, fill_in_publication(page, statement), key))
                continue
        except OSError:
            pass
        drawn = page_with_stand_ins(statement, lang)
        if drawn is None:
            pages.append(Page(lang, render_statement(statement, lang)))
        else:
            pages.append(Page(lang, fill_in_publication(drawn, statement), key, drawn))
    return pages


def _keep_page(kept: Path, new: Path, stem: str, page: Page) -> None:
    """Into the month's new folder of kept pages: the page drawn now, or the one it reused."""
    if page.key is None:
        return
    name = f"{stem}.{page.lang}"
    if page.drawn is not None:
        (new / f"{name}.html").write_text(page.drawn, encoding="utf-8")
    else:
        try:
            os.link(kept / f"{name}.html", new / f"{name}.html")
        except OSError:  # a file system without hard links
            shutil.copyfile(kept / f"{name}.html", new / f"{name}.html")
    (new / f"{name}.key").write_text(page.key)


def write_month_statements(
    con: duckdb.DuckDBPyConnection,
    month: str,
    out_dir: Path,
    scope: MonthScope | None = None,
    rel: Relations = STATEMENT_RELATIONS,
    workers: int | None = None,
    kept: Path | None = None,
) -> tuple[list[str], list[Path]]:
    """Every tenant's pages of the month (its policy's languages), and the tenants.

    With more than one worker the pages are rendered in that many forked processes while this
    one reads the next tenants from the warehouse (default: see _render_workers). The pages
    are the same either way: rendering reads only the statement it is given. With `kept` (a
    folder of the month's pages kept by the last run), a page whose figures did not move is
    filled in from it instead of rendered, and the folder is replaced by this run's pages.
    """
    tenants = month_tenants(con, month)
    if workers is None:
        workers = _render_workers(len(tenants))
    scope = scope or month_scope(con, month)
    out_dir.mkdir(parents=True, exist_ok=True)
    new_kept = None
    if kept is not None:
        new_kept = kept.with_name(kept.name + ".new")
        shutil.rmtree(new_kept, ignore_errors=True)
        new_kept.mkdir(parents=True)
    statements = (load_statement(con, tenant, month, scope, rel) for tenant in tenants)
    render = partial(_render_pages, kept=kept)
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"))
        rendered: Iterable[list[Page]] = pool.map(render, statements, chunksize=8)
    else:
        pool = None
        rendered = map(render, statements)
    paths: list[Path] = []
    try:
        for tenant, pages in zip(tenants, rendered, strict=True):
            for page in pages:
                path = out_dir / f"{file_stem(tenant)}.{page.lang}.html"
                _write_atomically(path, page.html)
                paths.append(path)
                if kept is not None and new_kept is not None:
                    _keep_page(kept, new_kept, file_stem(tenant), page)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if kept is not None and new_kept is not None:
        shutil.rmtree(kept, ignore_errors=True)
        new_kept.rename(kept)
    return tenants, paths


def print_pdfs(
    chromium: str, html_paths: list[Path], workers: int = 4
) -> tuple[list[Path], list[str]]:
    """Each page's PDF beside it, and what went wrong for those Chromium could not print.

    Several Chromiums at a time: each spends most of its few seconds starting up, not working.
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(page: Path) -> Path | str:
        try:
            return print_pdf(chromium, page)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            return f"{page.name}: {exc}"

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, html_paths))
    return [r for r in results if isinstance(r, Path)], [r for r in results if isinstance(r, str)]
