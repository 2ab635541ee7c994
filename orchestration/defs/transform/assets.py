"""dbt models as Dagster assets: the service month reaches dbt as SLA_MONTH and SLA_AS_OF."""

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.lib.build_record import (
    BuildPlan,
    BuildRecord,
    forget_record,
    graph_of,
    plan_build,
    project_hash,
    read_record,
    source_fingerprints,
    write_record,
)
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


def _fingerprints(con) -> dict[str, str]:
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    return source_fingerprints(con, manifest.get("sources", {}))


@dataclass(frozen=True)
class MonthPlan:
    """One month's build: what it keeps, and what it reads."""

    plan: BuildPlan
    record: BuildRecord | None
    project: str
    sources: dict[str, str]


def plan_month(db_path: Path, month: str, as_of: str, reuse: bool) -> MonthPlan:
    """What this month's build can keep (lib/build_record.py). Forgets the record either way,
    so a build that stops half way leaves none."""
    project = project_hash(Path(dbt_project.project_dir))
    con = connect(db_path)
    try:
        sources = _fingerprints(con)
        record = read_record(con)
        if reuse:
            plan = plan_build(record, month, as_of, project, sources)
        else:
            plan = BuildPlan("a full refresh, a subset of the assets or Spark")
        forget_record(con)
    finally:
        con.close()
    return MonthPlan(plan, record, project, sources)


def record_build(db_path: Path, target_path: Path, month: str, as_of: str, planned: MonthPlan):
    """After a build that succeeded: what its tables were built from, for the next one. The
    sources as they were before it ran (the build read those); nothing if the project's files
    changed while it ran."""
    if project_hash(Path(dbt_project.project_dir)) != planned.project:
        return
    graph = graph_of(
        json.loads((target_path / "manifest.json").read_text()),
        json.loads((target_path / "run_results.json").read_text()),
        planned.record if planned.plan.reused else None,
        planned.plan.reused,
    )
    con = connect(db_path)
    try:
        write_record(
            con,
            BuildRecord(
                month, as_of, planned.project, planned.sources, graph, len(planned.plan.reused)
            ),
        )
    finally:
        con.close()


def reused_outputs(context: dg.AssetExecutionContext, planned: MonthPlan):
    """The kept models are this month's tables as they stand, and their tests ended as they did
    on the same rows: say so, so the checks gate and the assets downstream of them in this run
    (the checks, the publication) run as after a full build."""
    if not planned.plan.reused or planned.record is None:
        return
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    translator = SlaTranslator()
    checks: dict[str, list[dg.AssetCheckKey]] = {}
    for check_key in context.selected_asset_check_keys:
        checks.setdefault(check_key.name, []).append(check_key)
    kept = {"kept": "unchanged inputs: the last build of the same month left it"}
    for unique_id in planned.plan.reused:
        node = manifest["nodes"].get(unique_id)
        if node is None:
            continue
        if node["resource_type"] in ("model", "seed", "snapshot"):
            key = translator.get_asset_spec(manifest, unique_id, dbt_project).key
            if key in context.selected_asset_keys:
                name = context.assets_def.get_output_name_for_asset_key(key)
                yield dg.Output(None, output_name=name, metadata=kept)
        elif node["resource_type"] == "test":
            status = planned.record.graph.get(unique_id, {}).get("status")
            matches = checks.get(node["name"], [])
            if status in ("pass", "warn") and len(matches) == 1:
                yield dg.AssetCheckResult(
                    asset_key=matches[0].asset_key,
                    check_name=matches[0].name,
                    passed=status == "pass",
                    severity=dg.AssetCheckSeverity.WARN
                    if status == "warn"
                    else dg.AssetCheckSeverity.ERROR,
                    metadata={"kept": "its table is unchanged: as the last build ended it"},
                )


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
                full_refresh = context.run.tags.get(FULL_REFRESH_TAG) == "true"
                # a subset leaves the other tables as they were; Spark's tables are mirrored in
                recordable = not (spark or context.is_subset)
                reuse = recordable and not full_refresh
                planned = plan_month(warehouse.db_path, month, as_of, reuse)
                plan = planned.plan
                # unit tests check the logic, not the data: the suite runs them, not each month
                args = ["build", "--exclude-resource-type", "unit_test"]
                if full_refresh:
                    args.append("--full-refresh")
                if plan.reused:
                    args += plan.exclude_args()
                    context.log.info(
                        f"dbt build for {month} keeps {len(plan.reused)} of {plan.nodes} nodes "
                        f"as the last build of the same month left them ({plan.why})"
                    )
                else:
                    context.log.info(f"dbt build for {month} builds every node ({plan.why})")
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
                        # the kept tables are no child of a rebuilt one: they come first
                        yield from reused_outputs(context, planned)
                        yield from invocation.stream()
                finally:
                    forget_copy(parse)
                keep_parse(invocation.target_path / PARSE_FILE, target_dir, details)
                if recordable:
                    record_build(warehouse.db_path, invocation.target_path, month, as_of, planned)
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
