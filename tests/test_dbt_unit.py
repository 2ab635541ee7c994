"""dbt's own unit tests (tier selection, month edges, calendars), run against a copy of the
session's warehouse so that every upstream relation they introspect exists."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.lib.config import DBT_PROJECT_DIR


def test_dbt_unit_tests_pass(materialized: Path, tmp_path: Path):
    copy = tmp_path / "unit.duckdb"
    shutil.copy(materialized / "warehouse.duckdb", copy)
    dbt = str(Path(sys.executable).with_name("dbt"))
    env = os.environ | {"SLA_DUCKDB_PATH": str(copy), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    result = subprocess.run(
        [
            dbt,
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--vars",
            '{"month": "2026-10", "as_of": "2026-11-25T00:00:00Z"}',
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "PASS=" in result.stdout and "ERROR=0" in result.stdout
