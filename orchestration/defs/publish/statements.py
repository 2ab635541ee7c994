"""Tenant statements: one HTML page (and PDF) per tenant, month and language."""

import shutil

import dagster as dg

from orchestration.lib.evidence import snapshot_relations
from orchestration.lib.partitions import month_of, monthly_partitions
from orchestration.lib.resources import WarehouseResource
from orchestration.lib.statements import (
    STATEMENT_RELATIONS,
    find_chromium,
    kept_pages_dir,
    month_scope,
    pdf_enabled,
    print_pdfs,
    statement_dir,
    write_month_statements,
)


@dg.asset(
    key=["published", "statements"],
    group_name="publish",
    # After publication, so a blocking check that stops the month also stops its statements,
    # and the statement's fingerprint is the publication just made.
    deps=[
        dg.AssetKey(["published", "marts_parquet"]),
        dg.AssetKey(["marts", "availability_daily"]),
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_writer",
    kinds={"html", "pdf"},
)
def tenant_statements(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Every tenant's statement of the month, in each language its policy lists.

    Written to published/statements/month=YYYY-MM/<tenant>.<lang>.html (and .pdf when
    Chromium is installed and SLA_STATEMENT_PDF is not `off`), replacing the month's folder
    whole so a reader never sees half a month or a tenant that no longer has a contract.
    """
    keys = monthly_partitions.get_partition_keys_in_range(context.partition_key_range)
    chromium = find_chromium() if pdf_enabled() else None
    if pdf_enabled() and chromium is None:
        context.log.warning(
            "Chromium not found: statements are written as HTML only (install chromium or set "
            "SLA_CHROMIUM to print PDFs)"
        )
    published = warehouse.data_path / "published"
    html_count = pdf_count = pdf_failures = 0
    tenants_seen: set[str] = set()
    for key in keys:
        month = month_of(key)
        folder = statement_dir(published, month)
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        with (
            warehouse.connection() as con,
            snapshot_relations(con, STATEMENT_RELATIONS) as rel,
        ):
            tenants, pages = write_month_statements(
                con,
                month,
                tmp,
                scope=month_scope(con, month),
                rel=rel,
                kept=kept_pages_dir(warehouse.db_path, month),
            )
            tenants_seen.update(tenants)
        # Chromium runs outside the warehouse lock: it only reads the files just written.
        if chromium is not None and pages:
            printed, failed = print_pdfs(chromium, pages)
            pdf_count += len(printed)
            pdf_failures += len(failed)
            # The HTML is the statement; a PDF Chromium could not print must not withhold it.
            for failure in failed:
                context.log.warning(f"no PDF for {failure}")
        html_count += len(pages)
        tmp.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        context.log.info(f"{month}: {len(pages)} statement page(s) in {folder}")
    return dg.MaterializeResult(
        metadata={
            "tenants": len(tenants_seen),
            "html_files": html_count,
            "pdf_files": pdf_count,
            "pdf_failures": pdf_failures,
            "pdf": "printed" if chromium else ("off" if not pdf_enabled() else "no Chromium"),
            "statements_dir": str(published / "statements"),
        }
    )
