"""The data-quality gate: expectation suites and a row reconciliation as Dagster asset checks.

- `check_<mart>_expectations` (blocking) on each published mart, for the run's service months:
  a failure stops `published/marts_parquet` in that run, so finance never reads the month.
- `check_raw_<source>_expectations` (blocking) on each raw source: the landed table still has
  the contract's columns and every row names its file and line. Failing stops the models.
- `check_raw_equals_staged_plus_quarantined` (blocking) on each quarantine model: no landed
  row was lost between raw and staging; every one is valid or quarantined ("Bad input").

See docs/QUALITY.md for what each suite checks and how to read a failure.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from orchestration.lib.gx_checks import validate_table
from orchestration.lib.partitions import month_of, monthly_partitions
from orchestration.lib.probe_counts import staged_probe_rows
from orchestration.lib.resources import WarehouseResource
from orchestration.lib.sources import SOURCES, STAGED_RELATIONS, VALIDATED_RELATIONS

PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def months_in_run(context: dg.AssetCheckExecutionContext) -> Iterator[str]:
    """The service months the run is for, from its partition tags (2026-10-01 -> 2026-10).

    A run for one month carries `dagster/partition`; a range run (the CLI's --from/--to, a
    single-run backfill) carries the range's first and last keys. A run without either (a check
    launched on its own) yields nothing, and the mart checks then validate every month.
    """
    tags = context.run.tags
    if PARTITION_TAG in tags:
        yield month_of(tags[PARTITION_TAG])
        return
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        keys = monthly_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(start, end))
        for key in keys:
            yield month_of(key)


def _report(context: dg.AssetCheckExecutionContext, result: dg.AssetCheckResult) -> None:
    # Errors reach the CLI's console (it logs at WARNING), so the person sees why, not just that.
    if not result.passed:
        context.log.error(result.description or "check failed")


MARTS = (
    "service_credits",
    "availability_monthly",
    "downtime_episodes",
    "ticket_response",
    "response_compliance_monthly",
    "commitments_monthly",
)


def _as_check(result: dg.AssetCheckResult, asset: list[str], name: str) -> dg.AssetCheckResult:
    """The result of one of a multi-asset check's checks: it names its asset and check."""
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(asset),
        check_name=name,
        passed=result.passed,
        severity=result.severity,
        description=result.description,
        metadata=result.metadata,
    )


def _selected(context: dg.AssetCheckExecutionContext, keys: list[dg.AssetCheckKey]):
    chosen = context.selected_asset_check_keys
    return [key for key in keys if key in chosen]


# Each stage's checks run in one step: a step costs Dagster about 0.1 s and a warehouse
# connection, whatever the check does, and a failed blocking check stops the same assets
# either way (every model is one dbt step; publication waits for every mart).
_MART_SPECS = [
    dg.AssetCheckSpec(
        name=f"check_{mart}_expectations",
        asset=["marts", mart],
        blocking=True,
        description=f"expectations/marts.{mart}.json on the run's months. Blocks publication.",
    )
    for mart in MARTS
]


def _suite_step(
    specs: list[dg.AssetCheckSpec], name: str, description: str, by_month: bool
) -> dg.AssetChecksDefinition:
    """One step running the selected checks' suites on `<schema>.<asset name>`; mart suites
    validate the run's months (by_month), raw ones every landed row."""

    @dg.multi_asset_check(
        specs=specs, name=name, can_subset=True, pool="duckdb_writer", description=description
    )
    def _step(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        months = (list(months_in_run(context)) or None) if by_month else None
        with warehouse.connection() as con:
            for key in _selected(context, [spec.key for spec in specs]):
                schema, table = key.asset_key.path
                result = validate_table(con, f"{schema}.{table}", months)
                _report(context, result)
                yield _as_check(result, list(key.asset_key.path), key.name)

    return _step


mart_expectation_checks = _suite_step(
    _MART_SPECS,
    "mart_expectations",
    "Every published mart: grain unique, keys set, value sets, percentages 0-100, money >= 0 "
    "(expectations/marts.<mart>.json), on the run's months. Blocks publication.",
    by_month=True,
)


_RAW_SPECS = [
    dg.AssetCheckSpec(
        name=f"check_raw_{source}_expectations",
        asset=["raw", source],
        blocking=True,
        description=(
            f"expectations/raw.{source}.json on all of raw.{source}: the contract's columns are "
            "there and every row names its source_file and source_line. Structural only: bad "
            "values are quarantined by dbt, not failed here."
        ),
    )
    for source in SOURCES
]


raw_expectation_checks = _suite_step(
    _RAW_SPECS,
    "raw_expectations",
    "expectations/raw.<source>.json on every landed source. Blocks the models.",
    by_month=False,
)


def reconcile(con: duckdb.DuckDBPyConnection, source: str) -> dg.AssetCheckResult:
    """count(raw.<source>) = staged valid rows + count(quarantine.<source>), over all rows.

    Not per month: raw rows carry no month until they are parsed, and a row lost in staging is
    lost for every month. Quarantine rows of file versions since replaced (`replaced_at` set)
    are kept for the record but are no longer landed, so they are not counted.
    """
    relation, reason = VALIDATED_RELATIONS[source]
    staged_sql = f"select count(*) from staging.{relation} where {reason} is null"
    recounted = None
    if source == "probes":
        # counted per tenant, again only for the tenants whose inputs changed (probe_counts)
        relation = STAGED_RELATIONS[source]
        staged_rows, recounted = staged_probe_rows(con)
        staged_sql = str(staged_rows)
    elif source in STAGED_RELATIONS:
        relation = STAGED_RELATIONS[source]
        staged_sql = f"select count(*) from staging.{relation}"
    row = con.execute(
        f"""select
                (select count(*) from raw.{source}),
                ({staged_sql}),
                (select count(*) from quarantine.{source} where replaced_at is null)"""
    ).fetchone()
    raw_rows, staged, quarantined = (int(v) for v in row) if row else (0, 0, 0)
    difference = raw_rows - (staged + quarantined)
    if difference == 0:
        description = f"raw.{source} {raw_rows} rows = {staged} staged + {quarantined} quarantined"
    else:
        description = (
            f"raw.{source} has {raw_rows} rows but staging.{relation} keeps {staged} valid and "
            f"quarantine.{source} {quarantined}: {abs(difference)} row(s) "
            + ("lost" if difference > 0 else "counted twice")
        )
    return dg.AssetCheckResult(
        passed=difference == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "raw_rows": raw_rows,
            "staged_rows": staged,
            "quarantined_rows": quarantined,
            "difference": difference,
        }
        | ({"tenants_recounted": recounted} if recounted is not None else {}),
    )


def _reconciliation_spec(source: str) -> dg.AssetCheckSpec:
    relation = STAGED_RELATIONS.get(source, VALIDATED_RELATIONS[source][0])
    return dg.AssetCheckSpec(
        name="check_raw_equals_staged_plus_quarantined",
        asset=["quarantine", f"quarantine_{source}"],
        blocking=True,
        additional_deps=[dg.AssetKey(["raw", source]), dg.AssetKey(["staging", relation])],
        description=(
            f"count(raw.{source}) = valid rows of staging.{relation} + "
            f"count(quarantine.{source}): no landed row is silently dropped."
        ),
    )


_RECONCILIATION_SPECS = {source: _reconciliation_spec(source) for source in VALIDATED_RELATIONS}


@dg.multi_asset_check(
    specs=list(_RECONCILIATION_SPECS.values()),
    name="raw_equals_staged_plus_quarantined",
    can_subset=True,
    pool="duckdb_writer",
    description="For every modelled source: no landed row is silently dropped.",
)
def reconciliation_checks(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    chosen = context.selected_asset_check_keys
    quarantined: dict[str, int] = {}
    with warehouse.connection() as con:
        for source, spec in _RECONCILIATION_SPECS.items():
            if spec.key not in chosen:
                continue
            result = reconcile(con, source)
            _report(context, result)
            quarantined[source] = int(result.metadata["quarantined_rows"].value)  # type: ignore[arg-type]
            yield _as_check(result, list(spec.asset_key.path), spec.name)
    # The contract's "the run reports the count": one line in the run's log (and the CLI's).
    bad = {source: n for source, n in quarantined.items() if n}
    context.log.info(
        "quarantined rows: "
        + (", ".join(f"{source} {n:,}" for source, n in bad.items()) if bad else "none")
        + " (quarantine.<source>, with file, line and reason)"
    )


def _first_twenty(items: list[str]) -> str:
    return ", ".join(items[:20]) + (f" and {len(items) - 20} more" if len(items) > 20 else "")


def _warning(
    context: dg.AssetCheckExecutionContext, description: str, failed: bool, metadata: dict
) -> dg.AssetCheckResult:
    """A WARN check's result, with its description in the run's log when it fails: the CLI
    prints that log, so the person reads the warning, not only the UI."""
    if failed:
        context.log.warning(description)
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )


@dg.asset_check(
    asset=["marts", "service_credits"],
    name="check_every_tenant_month_has_a_fee",
    blocking=False,
    pool="duckdb_writer",
    description=(
        "Reports the run's tenant-months whose Monthly Fee is 0: no paid charge of the "
        "policy's fee types (subscription) that month, so any credit is 0 whatever the uptime. "
        "A warning, not a stop: the contract gives such a month a fee of 0 and the run reports it."
    ),
)
def check_every_tenant_month_has_a_fee(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    months = list(months_in_run(context))
    where = "monthly_fee = 0"
    if months:
        where += " and service_month in (" + ", ".join("?" for _ in months) + ")"
    with warehouse.connection() as con:
        rows = con.execute(
            f"""select tenant_id, service_month, credit_pct from marts.service_credits
                where {where} order by service_month, tenant_id""",
            months,
        ).fetchall()
    listed = [f"{tenant} {month}" for tenant, month, _ in rows]
    credited = [f"{tenant} {month}" for tenant, month, pct in rows if pct and pct > 0]
    description = (
        f"{len(rows)} tenant-month(s) with a Monthly Fee of 0 (no paid subscription charge): "
        + _first_twenty(listed)
        + (f"; {len(credited)} of them earned a credit % that is therefore 0" if credited else "")
        if rows
        else "every tenant-month of the run has a Monthly Fee"
    )
    return _warning(
        context,
        description,
        failed=bool(rows),
        metadata={
            "tenant_months_without_fee": len(rows),
            "with_credit_pct_but_no_fee": len(credited),
            "tenant_months": dg.MetadataValue.md(
                "\n".join(f"- {item}" for item in listed) if listed else "none"
            ),
        },
    )


# Meaning 9 counts a month's consecutive breaches from the earlier months as the warehouse holds
# them when the month runs: a later month run before an earlier one, or before an earlier one
# was restated, keeps the count of that moment. Recounted here from every month's `breached`
# as it stands (a month not computed breaks the run, as in the model).
STALE_BREACH_COUNTS_SQL = """
with months as (
    select
        tenant_id,
        service_month,
        breached,
        consecutive_breaches,
        cast(substr(service_month, 1, 4) as integer) * 12
        + cast(substr(service_month, 6, 2) as integer) as month_number
    from marts.service_credits
),

islands as (
    select
        *,
        month_number - row_number() over (
            partition by tenant_id, breached order by month_number
        ) as island
    from months
),

recounted as (
    select
        tenant_id,
        service_month,
        consecutive_breaches,
        case
            when breached
                then row_number() over (
                    partition by tenant_id, breached, island order by month_number
                )
            else 0
        end as as_they_stand
    from islands
)

select tenant_id, service_month, consecutive_breaches, as_they_stand
from recounted
where consecutive_breaches <> as_they_stand
order by service_month, tenant_id
"""


def stale_breach_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, int]]:
    """(tenant, month, stored count, count from the months as they stand) where they differ."""
    return [
        (tenant, month, int(stored), int(now))
        for tenant, month, stored, now in con.execute(STALE_BREACH_COUNTS_SQL).fetchall()
    ]


@dg.asset_check(
    asset=["marts", "service_credits"],
    name="check_consecutive_breaches_are_current",
    blocking=False,
    pool="duckdb_writer",
    description=(
        "Reports months whose consecutive_breaches (and so termination_right and refund) were "
        "counted from earlier months that have since been computed or restated: a later month "
        "run before an earlier one keeps the count of that moment. A warning, not a stop: "
        "re-running those months in order (sla backfill) brings them up to date."
    ),
)
def check_consecutive_breaches_are_current(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.connection() as con:
        stale = stale_breach_counts(con)
    listed = [f"{tenant} {month}: {stored}, now {now}" for tenant, month, stored, now in stale]
    months = sorted({month for _, month, _, _ in stale})
    description = (
        f"{len(stale)} tenant-month(s) counted their consecutive breaches before an earlier "
        "month was computed or restated (stored, as the months stand now): "
        + _first_twenty(listed)
        + f". Their termination rights may be stale too: sla backfill --from {months[0]} "
        f"--to {months[-1]}"
        if stale
        else "every month's consecutive breaches count the earlier months as they stand"
    )
    return _warning(
        context,
        description,
        failed=bool(stale),
        metadata={
            "stale_tenant_months": len(stale),
            "months": ", ".join(months) if months else "none",
        },
    )
