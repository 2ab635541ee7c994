import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.lib.resources import WarehouseResource

from .project import dbt_executable, dbt_project


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        # Every writing step holds the warehouse lock, so separate processes would only add an
        # import of Dagster, dbt and GX per step; the whole month runs in one process instead.
        executor=dg.in_process_executor,
        resources={
            "dbt": DbtCliResource(
                project_dir=dbt_project,
                profiles_dir=dbt_project.profiles_dir,
                dbt_executable=dbt_executable(),
            ),
            "warehouse": WarehouseResource(),
        },
    )
