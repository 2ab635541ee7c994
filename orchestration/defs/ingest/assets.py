"""Land every raw source file into DuckDB `raw.*`, idempotently."""

import dagster as dg

from orchestration.lib.adapters import SOURCES_DIR, adapters_for
from orchestration.lib.ingest import ingest_source, raise_if_unreadable
from orchestration.lib.partitions import monthly_partitions
from orchestration.lib.policies import POLICY_TABLES, write_policy_tables
from orchestration.lib.resources import WarehouseResource
from orchestration.lib.sources import SOURCES


def _description(name: str, where: str) -> str:
    text = f"Every file under {where}: a row per input row, as text."
    adapters = adapters_for(name)
    if adapters:
        # the same table also holds what the source adapters read from the tools' own exports
        text += " Also, through source adapters (docs/ADAPTERS.md): " + "; ".join(
            f"{SOURCES_DIR}/{a.tool}/ ({a.reads})" for a in adapters
        )
    return text


def _raw_specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            key=["raw", name],
            group_name="ingest",
            kinds={"python", "polars", "duckdb"},
            description=_description(name, src.folder or src.file or name),
        )
        for name, src in SOURCES.items()
    ] + [
        dg.AssetSpec(
            key=["raw", table],
            group_name="ingest",
            kinds={"python", "duckdb"},
            description=f"reference/policies.yaml with plan overrides merged: {table}.",
        )
        for table in POLICY_TABLES
    ]


@dg.multi_asset(
    specs=_raw_specs(),
    can_subset=True,
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_writer",
)
def raw_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Files are not monthly: each run lands whatever is new, whatever month it runs for."""
    selected = {key.path[-1] for key in context.selected_asset_keys}
    reports = []
    with warehouse.connection() as con:
        if selected & set(POLICY_TABLES):
            counts = write_policy_tables(con, warehouse.data_path)
            for table in POLICY_TABLES:
                if table in selected:
                    yield dg.MaterializeResult(
                        asset_key=["raw", table], metadata={"rows": counts[table]}
                    )
        for name in SOURCES:
            if name not in selected:
                continue
            report = ingest_source(con, warehouse.data_path, name)
            reports.append(report)
            context.log.info(
                f"raw.{name}: {report.files_new} new and {report.files_replaced} replaced "
                f"file(s), {report.rows_added} row(s) added, {report.rows_total} in all"
            )
            yield dg.MaterializeResult(asset_key=["raw", name], metadata=report.as_metadata())
    raise_if_unreadable(reports)
