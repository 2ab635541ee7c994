"""dbt's saved parse is reused for a warehouse at another path, and only then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.defs.transform.parse_state import (
    PARSE_FILE,
    connection_details,
    keep_parse,
    relabelled_parse,
)
from orchestration.defs.transform.project import PROFILE_NAME
from orchestration.lib.config import DBT_PROJECT_DIR

DBT = str(Path(sys.executable).with_name("dbt"))


def parse(target: Path, warehouse: Path, saved: Path | None = None) -> str:
    """`dbt parse` into `target` for `warehouse`; dbt's log of how it parsed."""
    env = os.environ | {"SLA_DUCKDB_PATH": str(warehouse)}
    env.pop("DBT_PARTIAL_PARSE_FILE_PATH", None)
    if saved is not None:
        env["DBT_PARTIAL_PARSE_FILE_PATH"] = str(saved)
    run = subprocess.run(
        [DBT, "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(target), "--log-level", "debug",
         "--log-path", str(target)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return run.stdout


def details_for(warehouse: Path):
    return connection_details(
        DBT_PROJECT_DIR, PROFILE_NAME, os.environ | {"SLA_DUCKDB_PATH": str(warehouse)}
    )


@pytest.fixture(scope="module")
def first_parse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One full parse for a warehouse at a/warehouse.duckdb: (its target, the warehouse)."""
    root = tmp_path_factory.mktemp("parse")
    first = root / "a" / "warehouse.duckdb"
    parse(root / "run1", first)
    return root / "run1", first


def test_a_parse_made_for_one_warehouse_serves_another_at_another_path(tmp_path, first_parse):
    run1, first = first_parse
    second = tmp_path / "b" / "warehouse.duckdb"
    keep_parse(run1 / PARSE_FILE, tmp_path, details_for(first))

    copy = relabelled_parse(tmp_path, details_for(second))
    assert copy is not None
    # given the parse as kept, dbt would say "profile has changed" and start over
    log = parse(tmp_path / "run2", second, saved=copy)
    assert "Unable to do partial parsing" not in log
    assert "skipping parsing" in log
    # dbt parsed nothing, so wrote no parse of its own: the kept one stays
    assert not (tmp_path / "run2" / PARSE_FILE).exists()


def test_only_a_parse_for_the_same_details_but_the_path_is_reused(tmp_path, first_parse):
    run1, first = first_parse
    # a parse labelled for other details than the ones given is not kept
    keep_parse(run1 / PARSE_FILE, tmp_path, details_for(tmp_path / "c" / "warehouse.duckdb"))
    assert relabelled_parse(tmp_path, details_for(first)) is None

    keep_parse(run1 / PARSE_FILE, tmp_path, details_for(first))
    assert relabelled_parse(tmp_path, details_for(tmp_path / "c" / "warehouse.duckdb"))
    # another stem is another dbt database name, which the parse does hold
    assert relabelled_parse(tmp_path, details_for(tmp_path / "b" / "ledger.duckdb")) is None
    # another target (Spark) has other details altogether
    spark = details_for(first) + [("host", "elsewhere")]
    assert relabelled_parse(tmp_path, sorted(spark)) is None
