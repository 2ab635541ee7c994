"""Disputes, restatements through the ledger, backfill reports and the evidence pack."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal

import duckdb
import pytest

from tests.scenario import Tenant, World, utc

AS_OF = "2026-11-25T00:00:00Z"
OUTAGE = utc(2026, 10, 12, 8)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("disputed")
    w = World(root)
    w.tenants.append(
        Tenant(
            "d1",
            spans=[(utc(2026, 9, 29), utc(2026, 11, 2))],
            failures=[("core", None, OUTAGE, OUTAGE + timedelta(minutes=45))],
        )
    )
    w.fee("d1", "2026-10", "1000.00", "EGP")
    w.write()
    env = {"SLA_DATA_DIR": str(root), "SLA_DUCKDB_PATH": str(root / "warehouse.duckdb")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield root
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def query(root, sql, params=()):
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_accepted_dispute_restates_the_credit_through_the_ledger(world, capsys):
    from orchestration.cli import main

    assert (
        main(["materialize", "--month", "2026-10", "--as-of", AS_OF, "--log-level", "WARNING"]) == 0
    )
    assert query(world, "select credit_amount from marts.invoice_credit_lines") == [
        (Decimal("100"),)
    ]
    # Accepted: 08:00-16:20 is Down (500 min, which already contains the 45-minute outage);
    # rejected: changes nothing.
    (world / "raw" / "disputes").mkdir(parents=True)
    (world / "raw" / "disputes" / "disputes.csv").write_text(
        "dispute_id,tenant_id,service_month,component,starts_at,ends_at,claimed_downtime_minutes,"
        "outcome,decided_at\n"
        "dp-1,d1,2026-10,,2026-10-12T08:00:00Z,2026-10-12T16:20:00Z,500,accepted,2026-11-10T09:00:00Z\n"
        "dp-2,d1,2026-10,core,2026-10-20T08:00:00Z,2026-10-20T20:00:00Z,720,rejected,2026-11-10T09:00:00Z\n"
    )
    capsys.readouterr()
    assert (
        main(
            [
                "backfill",
                "--from",
                "2026-10",
                "--to",
                "2026-10",
                "--as-of",
                AS_OF,
                "--log-level",
                "WARNING",
            ]
        )
        == 0
    )
    report = capsys.readouterr().out
    assert "2026-10" in report and "YES" in report
    assert query(world, "select downtime_minutes from marts.availability_monthly") == [(500.0,)]
    credit = query(world, "select credit_pct, credit_amount from marts.service_credits")
    assert credit == [(Decimal("25"), Decimal("250"))]
    adjustment = query(
        world,
        "select originally_published, restated, difference, lines, inputs_changed "
        "from marts.credit_adjustments where tenant_id = 'd1'",
    )
    assert adjustment[0][:4] == (Decimal("100"), Decimal("250"), Decimal("150"), 2)
    assert "raw/disputes/disputes.csv" in adjustment[0][4]


def test_evidence_pack_holds_what_an_auditor_needs(world):
    from orchestration.cli import main

    out = world / "evidence-out"
    assert main(["evidence", "--tenant", "d1", "--month", "2026-10", "--out", str(out)]) == 0
    summary = json.loads((out / "evidence.json").read_text())
    assert summary["credit"]["credit_amount"] == "250.0000"
    assert summary["policy"]["policy_id"] == "clarus-2026"
    assert summary["publication"]["input_fingerprint"]
    assert any(f["file"] == "raw/disputes/disputes.csv" for f in summary["input_files"])
    assert (out / "downtime_episodes.csv").read_text().count("\n") == 2
    assert (out / "availability.csv").exists() and (out / "excluded_periods.csv").exists()
    assert main(["evidence", "--tenant", "nobody", "--month", "2026-10", "--out", str(out)]) == 1
