from functools import cached_property
from importlib.metadata import version as installed_version

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.lib.dbt_server import launcher
from orchestration.lib.resources import WarehouseResource

from .project import dbt_project


class SlaDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two start-up costs this project never uses.

    Before every `dbt build` the stock resource runs `dbt --version` in a second process (about
    3 s: it imports dbt and asks the internet for the latest release) and loads dbt's macros
    in-process to hand an adapter to metadata fetchers (about 1 s). dbt here is the dbt-core
    installed beside Dagster, and no asset fetches row counts or column metadata through that
    adapter, so both are answered without the work.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # type: ignore[override]
        return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        # Every writing step holds the warehouse lock, so separate processes would only add an
        # import of Dagster, dbt and GX per step; the whole month runs in one process instead.
        executor=dg.in_process_executor,
        resources={
            "dbt": SlaDbtCliResource(
                project_dir=dbt_project,
                profiles_dir=dbt_project.profiles_dir,
                dbt_executable=launcher(),
            ),
            "warehouse": WarehouseResource(),
        },
    )
