"""The evidence pack behind one tenant-month's credit: what an auditor needs, no pipeline."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb


@dataclass(frozen=True)
class Relations:
    """Where the per-tenant queries read reference data: the staging views, or a snapshot."""

    contracts: str = "staging.stg_reference__contracts"
    policies: str = "staging.stg_reference__policies"
    credit_tiers: str = "staging.stg_reference__credit_tiers"
    windows: str = "staging.stg_maintenance__windows"
    exclusions: str = "staging.stg_exclusions__periods"
    claims: str = "staging.stg_claims__claims"


STAGING = Relations()


@contextlib.contextmanager
def snapshot_relations(
    con: duckdb.DuckDBPyConnection, base: Relations = STAGING
) -> Iterator[Relations]:
    """The relations copied to temp tables for the life of the block.

    A staging view re-parses its raw rows on every query (tens of milliseconds); a month's
    statements query them a few times per tenant, which a snapshot turns into milliseconds.
    """
    names = {}
    try:
        for field in fields(Relations):
            temp = f"temp.main.snapshot_{field.name}"
            con.execute(
                f"create or replace temp table snapshot_{field.name} as "
                f"select * from {getattr(base, field.name)}"
            )
            names[field.name] = temp
        yield Relations(**names)
    finally:
        for temp in names.values():
            con.execute(f"drop table if exists {temp}")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple[list[str], list]:
    cur = con.execute(sql, params)
    return [d[0] for d in cur.description], cur.fetchall()


def _write_csv(path: Path, names: list[str], rows: list) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(rows)


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def policies_sql(rel: Relations = STAGING) -> str:
    """Every contracted tenant's policy row (tenant_id, definition, timezone, policy_version)."""
    return f"""select c.tenant_id, p.definition, p.timezone, p.policy_version
           from raw.policies as p
           join {rel.contracts} as c
             on c.policy_id = p.policy_id and c.policy_plan = p.plan_tier"""


def policy_of(row: tuple | None) -> tuple[dict | None, str, str | None]:
    """(definition, timezone, version) from a policies_sql row; no row: no policy, UTC."""
    _, definition, tz, version = row if row else (None, None, "UTC", None)
    return (json.loads(definition) if definition else None), tz, version


def tenant_policy(
    con: duckdb.DuckDBPyConnection, tenant: str, rel: Relations = STAGING
) -> tuple[dict | None, str, str | None]:
    """The tenant's effective policy (plan overrides merged), its time zone and version hash."""
    _, policy = _rows(con, f"{policies_sql(rel)} where c.tenant_id = ?", [tenant])
    return policy_of(policy[0] if policy else None)


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """The service month as [local midnight of its first day, of the next month's first day)."""
    year, mon = (int(x) for x in month.split("-"))
    zone = ZoneInfo(tz)
    start = datetime(year, mon, 1, tzinfo=zone)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=zone)
    return start, end


# Sorting and bounding columns of periods_sql, not shown as evidence.
PERIOD_KEYS = ("period_tenant", "period_starts_us", "period_ends_us")


def periods_sql(rel: Relations = STAGING) -> str:
    """Every window and exclusion of every contracted tenant (`*` ones once per tenant).

    With its notice and whether the tenant's policy lets it exclude Downtime: the ones that
    don't are listed too, because that is evidence as well.
    """
    return f"""select c.tenant_id as period_tenant, w.starts_at_us as period_starts_us,
                  w.ends_at_us as period_ends_us,
                  'maintenance' as kind_of_period, w.window_id as period_id, w.kind,
                  make_timestamp(w.starts_at_us)::timestamptz as starts_at,
                  make_timestamp(w.ends_at_us)::timestamptz as ends_at,
                  make_timestamp(w.announced_at_us)::timestamptz as announced_at,
                  round((w.starts_at_us - w.announced_at_us) / 3600000000.0, 3) as notice_hours,
                  w.kind = 'emergency'
                    or w.starts_at_us - w.announced_at_us >= pol.maintenance_notice_us
                    as excludes,
                  null as component, w.source_file, w.source_line, null as note
           from {rel.windows} as w
           join {rel.contracts} as c on w.tenant_id = c.tenant_id or w.tenant_id = '*'
           join {rel.policies} as pol
             on c.policy_id = pol.policy_id and c.policy_plan = pol.plan_tier
           union all
           select c.tenant_id, e.starts_at_us, e.ends_at_us, 'exclusion', e.exclusion_id,
                  e.reason, make_timestamp(e.starts_at_us)::timestamptz,
                  make_timestamp(e.ends_at_us)::timestamptz, null, null, true, e.component,
                  e.source_file, e.source_line, e.note
           from {rel.exclusions} as e
           join {rel.contracts} as c on e.tenant_id = c.tenant_id or e.tenant_id = '*'"""


def excluded_periods(
    con: duckdb.DuckDBPyConnection,
    tenant: str,
    start: datetime,
    end: datetime,
    rel: Relations = STAGING,
) -> tuple[list[str], list]:
    """The tenant's windows and exclusions (periods_sql) that touch [start, end)."""
    return _rows(
        con,
        f"""select * exclude ({", ".join(PERIOD_KEYS)}) from ({periods_sql(rel)})
           where period_tenant = ?
             and period_starts_us < epoch_us(?::timestamptz)
             and period_ends_us > epoch_us(?::timestamptz)
           order by period_starts_us, period_id""",
        [tenant, end.isoformat(), start.isoformat()],
    )


def latest_publication(con: duckdb.DuckDBPyConnection, month: str) -> dict | None:
    """The month's most recent publication in the ledger (its input fingerprint included)."""
    if not _table_exists(con, "marts", "publications"):
        return None
    names, rows = _rows(
        con,
        "select * from marts.publications where service_month = ? "
        "order by published_at desc limit 1",
        [month],
    )
    return dict(zip(names, rows[0], strict=True)) if rows else None


def write_evidence(con: duckdb.DuckDBPyConnection, tenant: str, month: str, out: Path) -> Path:
    names, credit = _rows(
        con,
        "select * from marts.service_credits where tenant_id = ? and service_month = ?",
        [tenant, month],
    )
    if not credit:
        raise LookupError(f"no computed credit for tenant {tenant!r} in {month}")
    credit_row = dict(zip(names, credit[0], strict=True))
    policy, tz, version = tenant_policy(con, tenant)
    start, end = month_bounds(month, tz)

    out.mkdir(parents=True, exist_ok=True)
    names, rows = _rows(
        con,
        "select * from marts.availability_monthly where tenant_id = ? and service_month = ? "
        "order by component",
        [tenant, month],
    )
    _write_csv(out / "availability.csv", names, rows)
    names, rows = _rows(
        con,
        "select * from marts.downtime_episodes where tenant_id = ? and service_month = ? "
        "order by component, started_at",
        [tenant, month],
    )
    _write_csv(out / "downtime_episodes.csv", names, rows)
    names, rows = excluded_periods(con, tenant, start, end)
    _write_csv(out / "excluded_periods.csv", names, rows)
    # The SLA's other promises (backups, RPO, RTO, notices) for the same tenant-month.
    if _table_exists(con, "marts", "commitments_monthly"):
        names, rows = _rows(
            con,
            "select * from marts.commitments_monthly where tenant_id = ? and service_month = ? "
            "order by commitment",
            [tenant, month],
        )
        _write_csv(out / "commitments.csv", names, rows)
    publication, inputs = latest_publication(con, month), []
    if publication is not None:
        _, inputs = _rows(
            con,
            "select source, source_file, sha256 from marts.publication_inputs "
            "where publication_id = ? order by 1, 2",
            [publication["publication_id"]],
        )
    summary = {
        "tenant_id": tenant,
        "service_month": month,
        "month_starts_at": start.isoformat(),
        "month_ends_at": end.isoformat(),
        "credit": credit_row,
        "policy_version": version,
        "policy": policy,
        "publication": publication,
        "input_files": [{"source": s, "file": f, "sha256": h} for s, f, h in inputs],
    }
    (out / "evidence.json").write_text(json.dumps(summary, indent=2, default=str))
    return out
