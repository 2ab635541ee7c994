"""Publication: the marts' month as Parquet under SLA_DATA_DIR/published/."""

import dagster as dg

from orchestration.lib.ingest import fingerprint
from orchestration.lib.ledger import publish_ledger
from orchestration.lib.partitions import month_of, monthly_partitions
from orchestration.lib.publish import PUBLISHED_MARTS, publish_month
from orchestration.lib.resources import WarehouseResource
from orchestration.lib.sources import source_counts

QUARANTINED_SOURCES = (
    "probes",
    "maintenance",
    "exclusions",
    "claims",
    "contracts",
    "charges",
    "tickets",
    "disputes",
    "coverage_overrides",
    "backups",
    "recovery_events",
    "security_incidents",
)


@dg.asset(
    key=["published", "marts_parquet"],
    group_name="publish",
    # The quarantine models carry the raw = staged + quarantined checks: a lost row blocks too.
    deps=[dg.AssetKey(["marts", m]) for m in PUBLISHED_MARTS]
    + [dg.AssetKey(["quarantine", f"quarantine_{s}"]) for s in QUARANTINED_SOURCES],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_writer",
    kinds={"parquet"},
)
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Written only after every upstream check passed (a failed check stops the run first).

    Also the invoicing feed: the month's payable credits become invoice lines in the ledger
    (superseding, never altering, what an earlier publication issued).
    """
    keys = monthly_partitions.get_partition_keys_in_range(context.partition_key_range)
    totals: dict[str, int] = {}
    with warehouse.connection() as con:
        # publication runs only after every reconciliation check passed
        for source, counts in source_counts(con, reconciled=True).items():
            totals |= {f"{source}_{k}": v for k, v in counts.items()}
        for key in keys:
            month = month_of(key)
            ledger = publish_ledger(con, month, fingerprint(con))
            if ledger.new_publication:
                context.log.info(
                    f"{month}: publication {ledger.publication_id} adds "
                    f"{ledger.lines_added} invoice line(s)"
                )
            else:
                context.log.info(f"{month}: unchanged since publication {ledger.publication_id}")
            counts = publish_month(
                con,
                warehouse.data_path / "published",
                month,
                PUBLISHED_MARTS + ("invoice_credit_lines", "publications"),
            )
            context.log.info(f"published {month}: {counts}")
            totals["invoice_lines_added"] = totals.get("invoice_lines_added", 0) + (
                ledger.lines_added
            )
            for mart, n in counts.items():
                totals[mart] = totals.get(mart, 0) + n
    return dg.MaterializeResult(
        metadata={f"rows_{mart}": n for mart, n in totals.items()}
        | {"published_dir": str(warehouse.data_path / "published")}
    )
