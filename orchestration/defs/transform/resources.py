import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.lib.resources import WarehouseResource

from .project import dbt_executable, dbt_project


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "dbt": DbtCliResource(
                project_dir=dbt_project,
                profiles_dir=dbt_project.profiles_dir,
                dbt_executable=dbt_executable(),
            ),
            "warehouse": WarehouseResource(),
        }
    )
