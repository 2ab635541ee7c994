"""Two months launched at once, as a backfill or an impatient operator would."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from tests.scenario import Tenant, World, utc

AS_OF = "2026-11-25T00:00:00Z"


def test_two_months_launched_at_once_both_succeed_april_has_43140_minutes(tmp_path):
    """Its own file, so that another worker runs it beside the rerun test (both take minutes)."""
    root, db = tmp_path, tmp_path / "wh" / "warehouse.duckdb"
    w = World(root)
    for t in ("p1", "p2"):
        w.tenants.append(Tenant(t, spans=[(utc(2026, 9, 29), utc(2026, 10, 2))]))
        w.fee(t, "2026-09", "1000.00", "EGP")
    w.write()
    env = os.environ | {"SLA_DATA_DIR": str(root), "SLA_DUCKDB_PATH": str(db)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orchestration.cli",
                "materialize",
                "--month",
                month,
                "--as-of",
                AS_OF,
                "--log-level",
                "WARNING",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for month in ("2026-04", "2026-09")
    ]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    # dbt's children leave multiprocessing nothing to clean up after them
    assert not [o for o in outputs if "leaked semaphore" in o], outputs
    con = duckdb.connect(str(db), read_only=True)
    try:
        months = {
            r[0]
            for r in con.execute(
                "select distinct service_month from marts.service_credits"
            ).fetchall()
        }
        april = con.execute(
            "select total_minutes, coverage_pct from marts.availability_monthly "
            "where service_month = '2026-04'"
        ).fetchall()
    finally:
        con.close()
    assert {"2026-04", "2026-09"} <= months
    # April 2026 in Cairo loses the hour summer time skips: 43,140 minutes; nobody watched it
    assert april == [(43140.0, 0.0), (43140.0, 0.0)]
