"""The tenant-incremental probe models (macros/probe_scope.sql) on a copy of the session world.

A late file for one tenant (with a row that names no tenant), a removed file of another and a
changed stale_after of a third are computed incrementally, for those tenants only; a run with nothing new computes
nothing; and `--full-refresh` from every row gives the same tables, row for row.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner

from orchestration.lib.config import DBT_PROJECT_DIR
from orchestration.lib.ingest import refresh_probe_view
from tests.scenario import kept_parse

MODELS = [
    "stg_probes__file_pairs",
    "stg_probes__keys",
    "stg_probes__failures",
    "stg_probes__conflicts",
    "stg_probes__results_quarantined",
    "stg_probes__tenant_fingerprints",
    "int_probe_buckets_summarised",
    "int_location_states_compressed",
    "int_probe_inputs_fingerprinted",
]
TABLES = {
    "stg_probes__file_pairs": "staging.stg_probes__file_pairs",
    "stg_probes__failures": "staging.stg_probes__failures",
    "stg_probes__conflicts": "staging.stg_probes__conflicts",
    "stg_probes__results_quarantined": "staging.stg_probes__results_quarantined",
    "int_probe_buckets_summarised": "intermediate.int_probe_buckets_summarised",
    "int_location_states_compressed": "intermediate.int_location_states_compressed",
}
LATE = "raw/probes/2026-10/late-blip.csv"
# 2026-10-20 10:00:00 UTC in µs: blip's own file says every location passed then
CONFLICT_US = 1792490400 * 1_000_000


def dbt_run(db: Path, target: Path, *extra: str) -> str:
    """`dbt run` of the probe models; the compiled buckets model.

    In this process (dbt's Python API) and into one target, so dbt starts once, from the parse
    the suite's runs keep.
    """
    env = {**os.environ, "SLA_DUCKDB_PATH": str(db), "SLA_MONTH": "2026-10"}
    saved = dict(os.environ)
    with kept_parse(env):
        os.environ.clear()
        os.environ.update(env)
        try:
            result = dbtRunner().invoke(
                [
                    "run",
                    "--select",
                    *MODELS,
                    "--project-dir",
                    str(DBT_PROJECT_DIR),
                    "--profiles-dir",
                    str(DBT_PROJECT_DIR),
                    "--target-path",
                    str(target),
                    "--quiet",
                    *extra,
                ]
            )
        finally:
            # dbt-duckdb keeps its database open for the next invocation; this test reads it
            # between
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None
            os.environ.clear()
            os.environ.update(saved)
    assert result.success, result.exception
    compiled = target / "compiled/sla_ledger/models/intermediate/int_probe_buckets_summarised.sql"
    return compiled.read_text()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            name: con.execute(f"select * from {table} order by all").fetchall()
            for name, table in TABLES.items()
        }
    finally:
        con.close()


def test_changed_tenants_alone_are_recomputed_and_match_a_full_refresh(materialized, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(materialized / "warehouse.duckdb", db)
    shutil.copytree(materialized / "warehouse.duckdb.landed", tmp_path / "warehouse.duckdb.landed")

    con = duckdb.connect(str(db))
    try:
        # blip: a late file whose failure at 10:00 contradicts the pass blip's own file holds
        con.execute(
            """insert into raw.probe_rows by name
               select * exclude (file_values_present)
                   replace (? as source_file, 'late' as file_sha256, false as is_ok, 'false' as ok)
               from raw.probes
               where tenant_id = 'blip' and checked_at_us = ? and is_ok""",
            [LATE, CONFLICT_US],
        )
        # and a row that names no tenant (quarantine keys it as '')
        con.execute(
            """insert into raw.probe_rows by name
               select * exclude (file_values_present)
                   replace (? as source_file, 'late' as file_sha256, '  ' as tenant_id,
                            100000 as source_line)
               from raw.probes
               where tenant_id = 'blip' and checked_at_us = ? and is_ok
               limit 1""",
            [LATE, CONFLICT_US],
        )
        late_rows = "select count(*) from raw.probe_rows where source_file = ?"
        assert con.execute(late_rows, [LATE]).fetchone()[0] > 1
        # down-45: its file is taken back
        gone = con.execute(
            "select distinct source_file from raw.probes where tenant_id = 'down-45'"
        ).fetchall()
        assert len(gone) == 1
        con.execute("delete from raw._probe_files where source_file = ?", [gone[0][0]])
        refresh_probe_view(con)
        # edge-999: its policy's stale_after doubles (the month's windows move with it)
        con.execute(
            "update intermediate.int_tenant_components_monthly "
            "set stale_after_us = stale_after_us * 2 where tenant_id = 'edge-999'"
        )
    finally:
        con.close()

    compiled = dbt_run(db, tmp_path / "target")
    assert "trim(tenant_id) in ('', 'blip', 'down-45', 'edge-999')" in compiled
    incremental = snapshot(db)
    conflicts = incremental["stg_probes__conflicts"]
    assert any(row[0] == "blip" and row[3] == CONFLICT_US for row in conflicts)
    assert not any(row[0] == "down-45" for row in incremental["int_location_states_compressed"])
    quarantined = incremental["stg_probes__results_quarantined"]
    assert (LATE, 100000) in {(row[0], row[1]) for row in quarantined}
    assert not any(row[2] == "down-45" for row in quarantined)

    compiled = dbt_run(db, tmp_path / "target")
    assert "where 1 = 0" in compiled
    assert snapshot(db) == incremental

    dbt_run(db, tmp_path / "target", "--full-refresh")
    assert snapshot(db) == incremental
