"""Small, hand-shaped input worlds for the tests: every probe and window placed on purpose.

A tenant is healthy everywhere except where a test puts a failure; failures are written as
exact [start, end) intervals per location (a failing result at start, an ok result at end),
so Down periods are known to the second and tests can be worked by hand.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"

CLARUS_YAML = """\
- policy_id: clarus-2026
  timezone: Africa/Cairo
  components: [core]
  uptime_target_pct: 99.9
  combine: worst
  min_downtime_seconds: 60
  quorum: majority          # of the locations whose state is known; or an integer
  stale_after_seconds: 180
  maintenance_notice_hours: 72
  credit_tiers:
    - {below_pct: 99.9, at_or_above_pct: 99.0, credit_pct: 10}
    - {below_pct: 99.0, at_or_above_pct: 95.0, credit_pct: 25}
    - {below_pct: 95.0, at_or_above_pct: 0.0, credit_pct: 50}
  credit_cap_pct: 50
  claim: {required: false, window_days: 30, anchor: month_end}
  termination_after_consecutive_breaches: 3
  response_targets:
    - {severity: P1, minutes: 60, clock: 24x7}
    - {severity: P2, minutes: 240, clock: business}
    - {severity: P3, minutes: 540, clock: business}
    - {severity: P4, minutes: 1080, clock: business}
  business_calendar:
    timezone: Africa/Cairo
    weekdays: [Sun, Mon, Tue, Wed, Thu]
    opens: "09:00"
    closes: "18:00"
    holidays: EG
  statement_languages: [en, ar]
  plan_overrides: {}
"""

CLARA_YAML = """\
- policy_id: clara-dedicated-2024
  timezone: Asia/Tokyo
  components: [hardware, network, internet]
  uptime_target_pct: 99.0
  combine: worst
  min_downtime_seconds: 60
  quorum: majority
  stale_after_seconds: 180
  maintenance_notice_hours: 72
  credit_tiers:
    - {below_pct: 99.0, at_or_above_pct: 95.0, credit_pct: 10}
    - {below_pct: 95.0, at_or_above_pct: 90.0, credit_pct: 25}
    - {below_pct: 90.0, at_or_above_pct: 0.0, credit_pct: 50}
  credit_cap_pct: 50
  claim: {required: true, window_days: 14, anchor: breach}
  termination_after_consecutive_breaches: null
  response_targets: []
  business_calendar:
    timezone: Asia/Tokyo
    weekdays: [Mon, Tue, Wed, Thu, Fri]
    opens: "09:00"
    closes: "18:00"
    holidays: JP
  plan_overrides: {}
"""

# A third policy nobody wrote code for: other zone, components, quorum, tiers and claims.
ACME_YAML = """\
- policy_id: acme-2027
  timezone: America/New_York
  components: [api, web]
  uptime_target_pct: 99.5
  combine: worst
  min_downtime_seconds: 120
  quorum: 2
  stale_after_seconds: 300
  maintenance_notice_hours: 48
  credit_tiers:
    - {below_pct: 99.5, at_or_above_pct: 98.0, credit_pct: 5.123456}
    - {below_pct: 98.0, at_or_above_pct: 0.0, credit_pct: 15}
  credit_cap_pct: 15
  claim: {required: true, window_days: 10, anchor: month_end}
  termination_after_consecutive_breaches: 2
  response_targets: []
  business_calendar:
    timezone: America/New_York
    weekdays: [Mon, Tue, Wed, Thu, Fri]
    opens: "09:00"
    closes: "17:00"
    holidays: US
  plan_overrides:
    premium: {uptime_target_pct: 99.9}
    longmin: {min_downtime_seconds: 172800}
    morocco: {timezone: Africa/Casablanca}
    fullcredit:
      credit_tiers: [{below_pct: 99.5, at_or_above_pct: 0.0, credit_pct: 100}]
      credit_cap_pct: 100
"""

CONTRACT_COLUMNS = [
    "tenant_id",
    "tenant_name",
    "policy_id",
    "plan_tier",
    "currency",
    "starts_on",
    "ends_on",
    "prepaid_from",
    "prepaid_through",
    "prepaid_amount",
]
CHARGE_COLUMNS = [
    "charge_id",
    "tenant_id",
    "service_month",
    "charge_type",
    "amount",
    "currency",
    "paid",
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Tenant:
    tenant_id: str
    policy_id: str = "clarus-2026"
    currency: str = "EGP"
    plan_tier: str = "standard"
    starts_on: str = "2026-01-01"
    ends_on: str = ""
    prepaid: tuple[str, str, str] | None = None  # (from, through, amount)
    components: tuple[str, ...] = ("core",)
    locations: tuple[str, ...] = ("fra", "iad", "sin")
    # probes run over these UTC spans (every `interval` seconds), empty = no monitoring at all
    spans: list[tuple[datetime, datetime]] = field(default_factory=list)
    interval: int = 120
    # (component, location or None for all, start, end): failing results over [start, end)
    failures: list[tuple[str, str | None, datetime, datetime]] = field(default_factory=list)
    # (component, location or None, start, end): no results at all over [start, end)
    silences: list[tuple[str, str | None, datetime, datetime]] = field(default_factory=list)
    fmt: str = "csv"  # csv, csv.gz, jsonl, parquet


@dataclass
class World:
    root: Path
    policies: str = CLARUS_YAML + CLARA_YAML + ACME_YAML
    tenants: list[Tenant] = field(default_factory=list)
    charges: list[dict[str, str]] = field(default_factory=list)
    maintenance: list[dict[str, str]] = field(default_factory=list)
    exclusions: list[dict[str, str]] = field(default_factory=list)
    claims: list[dict[str, str]] = field(default_factory=list)

    def fee(
        self,
        tenant_id: str,
        month: str,
        amount: str,
        currency: str,
        *,
        charge_type: str = "subscription",
        paid: bool = True,
    ) -> None:
        self.charges.append(
            {
                "charge_id": f"ch-{len(self.charges) + 1:04d}",
                "tenant_id": tenant_id,
                "service_month": month,
                "charge_type": charge_type,
                "amount": amount,
                "currency": currency,
                "paid": "true" if paid else "false",
            }
        )

    def write(self) -> Path:
        (self.root / "reference").mkdir(parents=True, exist_ok=True)
        (self.root / "reference" / "policies.yaml").write_text(self.policies)
        _write_csv(
            self.root / "reference" / "contracts.csv",
            CONTRACT_COLUMNS,
            [
                {
                    "tenant_id": t.tenant_id,
                    "tenant_name": t.tenant_id.upper(),
                    "policy_id": t.policy_id,
                    "plan_tier": t.plan_tier,
                    "currency": t.currency,
                    "starts_on": t.starts_on,
                    "ends_on": t.ends_on,
                    "prepaid_from": t.prepaid[0] if t.prepaid else "",
                    "prepaid_through": t.prepaid[1] if t.prepaid else "",
                    "prepaid_amount": t.prepaid[2] if t.prepaid else "",
                }
                for t in self.tenants
            ],
        )
        _write_csv(self.root / "reference" / "charges.csv", CHARGE_COLUMNS, self.charges)
        if self.maintenance:
            cols = ["window_id", "tenant_id", "starts_at", "ends_at", "announced_at", "kind"]
            _write_csv(self.root / "raw" / "maintenance" / "windows.csv", cols, self.maintenance)
        if self.exclusions:
            cols = [
                "exclusion_id",
                "tenant_id",
                "component",
                "starts_at",
                "ends_at",
                "reason",
                "note",
            ]
            _write_csv(self.root / "raw" / "exclusions" / "exclusions.csv", cols, self.exclusions)
        if self.claims:
            cols = ["claim_id", "tenant_id", "service_month", "received_at"]
            _write_csv(self.root / "raw" / "claims" / "claims.csv", cols, self.claims)
        for tenant in self.tenants:
            if tenant.spans:
                write_probes(self.root / "raw" / "probes", tenant)
        return self.root


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(
        {c: [r.get(c, "") for r in rows] for c in columns}, schema={c: pl.String for c in columns}
    ).write_csv(path)


def probe_frame(tenant: Tenant) -> pl.DataFrame:
    """Regular results over the spans, failing inside failures, absent inside silences."""
    frames = []
    every = f"{tenant.interval}s"
    for component in tenant.components:
        for location in tenant.locations:
            mine = [
                (s, e)
                for c, loc, s, e in tenant.failures
                if c == component and loc in (None, location)
            ]
            quiet = [
                (s, e)
                for c, loc, s, e in tenant.silences
                if c == component and loc in (None, location)
            ]
            parts = [
                pl.datetime_range(s, e, every, closed="left", time_unit="us", eager=True)
                for s, e in tenant.spans
            ]
            edges = [t for pair in mine for t in pair]
            if edges:
                parts.append(pl.Series(edges, dtype=pl.Datetime("us", "UTC")))
            t = pl.col("checked_at")
            df = pl.DataFrame({"checked_at": pl.concat(parts).unique().sort()})
            if quiet:
                df = df.filter(~pl.any_horizontal([(t >= s) & (t < e) for s, e in quiet]))
            failing = (
                pl.any_horizontal([(t >= s) & (t < e) for s, e in mine])
                if mine
                else (pl.lit(False))
            )
            frames.append(
                df.select(
                    pl.lit(tenant.tenant_id).alias("tenant_id"),
                    pl.lit(component).alias("component"),
                    pl.lit(location).alias("location"),
                    t,
                    (~failing).alias("ok"),
                    pl.lit(42.0).alias("latency_ms"),
                )
            )
    return pl.concat(frames)


def write_probes(folder: Path, tenant: Tenant) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    df = probe_frame(tenant)
    stem = folder / tenant.tenant_id
    if tenant.fmt == "parquet":
        path = stem.with_suffix(".parquet")
        df.write_parquet(path)
        return path
    text = df.with_columns(
        pl.col("checked_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00"),
        pl.col("ok").cast(pl.String),
    )
    if tenant.fmt == "jsonl":
        path = stem.with_suffix(".jsonl")
        with open(path, "w") as handle:
            for row in df.iter_rows(named=True):
                row["checked_at"] = row["checked_at"].isoformat()
                handle.write(json.dumps(row) + "\n")
        return path
    if tenant.fmt == "csv.gz":
        path = folder / f"{tenant.tenant_id}.csv.gz"
        with gzip.open(path, "wb") as handle:
            handle.write(text.write_csv().encode())
        return path
    path = stem.with_suffix(".csv")
    text.write_csv(path)
    return path


@contextlib.contextmanager
def warehouse_env(data_dir: Path, db: Path | None = None) -> Iterator[Path]:
    """Point SLA_DATA_DIR / SLA_DUCKDB_PATH at a test world for a while, then put them back."""
    db = db or data_dir / "warehouse.duckdb"
    env = {"SLA_DATA_DIR": str(data_dir), "SLA_DUCKDB_PATH": str(db)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield db
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def kept_parse(env: dict[str, str]) -> Iterator[None]:
    """Point `env` (the environment dbt will run with) at a copy of the parse the suite's runs
    keep, as a materialisation does; a new target folder alone would parse the project again
    (about 5 s of CPU). Name the warehouse `warehouse.duckdb`, as the suite's runs do: the parse
    holds the database's name, its file's stem, so it is kept per stem."""
    from orchestration.defs.transform.assets import PARSE_ENV
    from orchestration.defs.transform.parse_state import (
        connection_details,
        forget_copy,
        relabelled_parse,
    )
    from orchestration.defs.transform.project import PROFILE_NAME

    details = connection_details(DBT_DIR, PROFILE_NAME, env)
    parse = relabelled_parse(DBT_DIR / "target", details) if details else None
    env.pop(PARSE_ENV, None)
    if parse is not None:
        env[PARSE_ENV] = str(parse)
    try:
        yield
    finally:
        forget_copy(parse)


def run_dbt(
    args: list[str], db: Path, target: Path, as_of: str, month: str = "2026-10"
) -> subprocess.CompletedProcess[str]:
    """dbt against one warehouse, with its own target folder (never the project's) and the kept
    parse. The month reaches dbt as SLA_MONTH/SLA_AS_OF, as in a materialisation: `--vars`
    would make it parse the project again."""
    env = {**os.environ, "SLA_DUCKDB_PATH": str(db), "SLA_MONTH": month, "SLA_AS_OF": as_of}
    with kept_parse(env):
        return subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")),
                *args,
                "--project-dir",
                str(DBT_DIR),
                "--profiles-dir",
                str(DBT_DIR),
                "--target-path",
                str(target),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
