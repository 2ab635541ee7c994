"""dbt models as Dagster assets: the service month reaches dbt as SLA_MONTH and SLA_AS_OF."""

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.lib.config import get_settings
from orchestration.lib.ingest import keep_resolved_rows
from orchestration.lib.partitions import month_of, monthly_partitions
from orchestration.lib.resources import WarehouseResource
from orchestration.lib.spark_engine import dbt_env, land_raw_for_spark, mirror_spark_tables
from orchestration.lib.warehouse import connect

from .parse_state import (
    PARSE_FILE,
    connection_details,
    forget_copy,
    keep_parse,
    relabelled_parse,
)
from .project import PROFILE_NAME, dbt_project

AS_OF_TAG = "sla/as_of"
# "true": recompute the tenant-incremental probe models from every landed row (dbt's
# --full-refresh; the marts ignore it, they keep every month's rows).
FULL_REFRESH_TAG = "sla/full_refresh"
# What dbt_project/macros/service_month.sql reads when the models execute.
MONTH_ENV = ("SLA_MONTH", "SLA_AS_OF")
PARSE_ENV = "DBT_PARTIAL_PARSE_FILE_PATH"
# dbt writes every SQL statement of every node to its log file at debug level, and its four
# threads queue on that file's lock: about 4 s of a small month's 40 s. The file keeps what
# ran and how each node ended (info); a user who wants the statements sets the variable.
FILE_LOG_ENV = ("DBT_LOG_LEVEL_FILE", "info")


def current_connection_details(context: dg.AssetExecutionContext):
    """What dbt will hash its profile from in this run, or None if it cannot be worked out."""
    try:
        return connection_details(Path(dbt_project.profiles_dir), PROFILE_NAME)
    except Exception as error:  # only a speed-up: dbt then parses in full, as it would anyway
        context.log.debug(f"dbt's saved parse not relabelled: {error}")
        return None


class SlaTranslator(DagsterDbtTranslator):
    """dbt sources are the ingestion assets, so landing and modelling form one graph."""

    def get_asset_spec(self, manifest, unique_id, project):  # type: ignore[override]
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec.replace_attributes(key=dg.AssetKey(["raw", props["name"]]))
        fqn = props.get("fqn", [])
        group = fqn[1] if len(fqn) > 2 else "reference"
        return spec.replace_attributes(group_name=group)

    def get_resource_props(self, manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
        for section in ("nodes", "sources"):
            if unique_id in manifest.get(section, {}):
                return manifest[section][unique_id]
        return {}


def as_of_for(context: dg.AssetExecutionContext) -> str:
    """The instant claims are judged at: the run's tag, else when the run started."""
    tag = context.run.tags.get(AS_OF_TAG)
    return tag or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=SlaTranslator(),
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="duckdb_writer",
)
def sla_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """One `dbt build` per month, oldest first: a month's consecutive breaches read the last."""
    window = context.partition_key_range
    keys = monthly_partitions.get_partition_keys_in_range(window)
    months = [month_of(k) for k in keys]
    as_of = as_of_for(context)
    # dbt runs as a subprocess: it finds the warehouse through the same variable the CLI uses.
    os.environ["SLA_DUCKDB_PATH"] = str(warehouse.db_path)
    settings = get_settings()
    spark = settings.engine == "spark"
    with warehouse.writer():
        saved_env = {
            k: os.environ.get(k)
            for k in (*dbt_env(settings), *MONTH_ENV, PARSE_ENV, FILE_LOG_ENV[0])
        }
        os.environ.setdefault(*FILE_LOG_ENV)
        if spark:
            os.environ.update(dbt_env(settings))
            con = connect(warehouse.db_path)
            try:
                counts = land_raw_for_spark(con, settings)
            finally:
                con.close()
            context.log.info(
                f"engine spark: {sum(counts.values())} landed rows handed to Spark as Parquet "
                f"under {settings.spark_warehouse}"
            )
        target_dir = Path(dbt_project.project_dir) / "target"
        details = current_connection_details(context)
        try:
            for index, month in enumerate(months):
                # unit tests check the logic, not the data: the suite runs them, not each month
                args = ["build", "--exclude-resource-type", "unit_test"]
                if context.run.tags.get(FULL_REFRESH_TAG) == "true":
                    args.append("--full-refresh")
                # not --vars: a new value there makes dbt parse the whole project again
                os.environ.update({"SLA_MONTH": month, "SLA_AS_OF": as_of})
                context.log.info(f"dbt build for service month {month} (as of {as_of})")
                parse = relabelled_parse(target_dir, details) if details else None
                if parse is not None:
                    os.environ[PARSE_ENV] = str(parse)
                else:
                    os.environ.pop(PARSE_ENV, None)
                try:
                    invocation = dbt.cli(args, context=context)
                    if index < len(months) - 1:
                        invocation.wait()
                    else:
                        yield from invocation.stream()
                finally:
                    forget_copy(parse)
                keep_parse(invocation.target_path / PARSE_FILE, target_dir, details)
        finally:
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        con = connect(warehouse.db_path)
        try:
            if spark:
                # The gate, publication and ledger read DuckDB: show them what Spark computed.
                mirrored = mirror_spark_tables(con, settings, dbt_project.manifest_path)
                context.log.info(f"engine spark: {len(mirrored)} Spark tables readable in DuckDB")
            resolved = keep_resolved_rows(con, datetime.now(UTC))
        finally:
            con.close()
        if any(resolved.values()):
            context.log.info(
                "kept in quarantine, no longer bad input since another file changed: "
                + ", ".join(f"{source} {n:,}" for source, n in resolved.items() if n)
            )
