"""dbt models as Dagster assets: the service month's window reaches dbt as vars."""

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.lib.partitions import month_of, monthly_partitions
from orchestration.lib.resources import WarehouseResource

from .project import dbt_project

AS_OF_TAG = "sla/as_of"


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
    with warehouse.writer():
        for index, month in enumerate(months):
            # unit tests check the logic, not the data: they run in the test suite, not per month
            args = [
                "build",
                "--exclude-resource-type",
                "unit_test",
                "--vars",
                json.dumps({"month": month, "as_of": as_of}),
            ]
            context.log.info(f"dbt build for service month {month} (as of {as_of})")
            invocation = dbt.cli(args, context=context)
            if index < len(months) - 1:
                invocation.wait()
            else:
                yield from invocation.stream()
