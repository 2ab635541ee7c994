"""Publication: the marts' month as Parquet under SLA_DATA_DIR/published/."""

import dagster as dg

from orchestration.lib.partitions import month_of, monthly_partitions
from orchestration.lib.publish import PUBLISHED_MARTS, publish_month
from orchestration.lib.resources import WarehouseResource


@dg.asset(
    key=["published", "marts_parquet"],
    group_name="publish",
    deps=[dg.AssetKey(["marts", m]) for m in PUBLISHED_MARTS],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_writer",
    kinds={"parquet"},
)
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Written only after every upstream dbt test passed (a failed test stops the run first)."""
    keys = monthly_partitions.get_partition_keys_in_range(context.partition_key_range)
    totals: dict[str, int] = {}
    with warehouse.connection() as con:
        for key in keys:
            month = month_of(key)
            counts = publish_month(con, warehouse.data_path / "published", month)
            context.log.info(f"published {month}: {counts}")
            for mart, n in counts.items():
                totals[mart] = totals.get(mart, 0) + n
    return dg.MaterializeResult(
        metadata={f"rows_{mart}": n for mart, n in totals.items()}
        | {"published_dir": str(warehouse.data_path / "published")}
    )
