import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.lib.resources import WarehouseResource

from .project import dbt_project


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "dbt": DbtCliResource(
                project_dir=dbt_project,
                profiles_dir=dbt_project.profiles_dir,
                # the dbt installed beside this Python, whether or not the venv is activated
                dbt_executable=str(Path(sys.executable).with_name("dbt")),
            ),
            "warehouse": WarehouseResource(),
        }
    )
