"""Disputes, the coverage gate, restatements through the ledger, backfill reports and the
evidence pack: one world, materialised, then restated once with new inputs."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import timedelta
from decimal import Decimal

import duckdb
import pytest

from tests.scenario import ACME_YAML, CLARA_YAML, CLARUS_YAML, Tenant, World, utc, warehouse_env

AS_OF = "2026-11-25T00:00:00Z"
OUTAGE = utc(2026, 10, 12, 8)
# Clarus with a coverage gate: below 95 % coverage a credit waits for an operator.
GATED = CLARUS_YAML.replace("policy_id: clarus-2026", "policy_id: clarus-gated").replace(
    "  credit_cap_pct: 50\n", "  credit_cap_pct: 50\n  coverage_review_below_pct: 95\n"
)
OCT = [(utc(2026, 9, 29), utc(2026, 11, 2))]


def query(root, sql, params=()):
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def state(root):
    credits = {
        r[0]: r[1:]
        for r in query(
            root,
            "select tenant_id, review_status, payable, credit_pct, credit_amount, "
            "min_coverage_pct from marts.service_credits where service_month = '2026-10'",
        )
    }
    lines = query(
        root,
        "select tenant_id, credit_amount, supersedes_line_id "
        "from marts.invoice_credit_lines order by created_at, tenant_id",
    )
    return credits, lines


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory):
    from orchestration.cli import main

    root = tmp_path_factory.mktemp("restated")
    w = World(root, policies=CLARUS_YAML + CLARA_YAML + ACME_YAML + GATED)
    fail = [("core", None, OUTAGE, OUTAGE + timedelta(minutes=45))]
    w.tenants.append(Tenant("d1", spans=OCT, failures=fail))
    # g1 was watched for ten days only; g2 all month
    w.tenants.append(
        Tenant(
            "g1",
            policy_id="clarus-gated",
            failures=fail,
            spans=[(utc(2026, 10, 1), utc(2026, 10, 13))],
        )
    )
    w.tenants.append(Tenant("g2", policy_id="clarus-gated", failures=fail, spans=OCT))
    for t in ("d1", "g1", "g2"):
        w.fee(t, "2026-10", "1000.00", "EGP")
    w.write()
    with warehouse_env(root):
        assert (
            main(["materialize", "--month", "2026-10", "--as-of", AS_OF, "--log-level", "WARNING"])
            == 0
        )
        before = state(root)
        # Earlier months as an out-of-order history left them (Meaning 9 reads their `breached`
        # now, never the count stored with them): d1's September was run before its August,
        # so it stored a run of 1; g2's August was restated to not breached after its
        # September had stored a run of 2.
        con = duckdb.connect(str(root / "warehouse.duckdb"))
        for tenant, month, breached, stored in (
            ("d1", "2026-08", True, 1),
            ("d1", "2026-09", True, 1),
            ("g2", "2026-08", False, 0),
            ("g2", "2026-09", True, 2),
        ):
            con.execute(
                "insert into marts.service_credits select * replace "
                "(? as service_month, ? as breached, ? as consecutive_breaches) "
                "from marts.service_credits where tenant_id = ? and service_month = '2026-10'",
                [month, breached, stored, tenant],
            )
        con.close()
        # Accepted: 08:00-16:20 is Down (500 min, which already contains the 45-minute
        # outage); rejected: changes nothing. And an operator accepts g1's thin coverage.
        (root / "raw" / "disputes").mkdir(parents=True)
        (root / "raw" / "disputes" / "disputes.csv").write_text(
            "dispute_id,tenant_id,service_month,component,starts_at,ends_at,"
            "claimed_downtime_minutes,outcome,decided_at\n"
            "dp-1,d1,2026-10,,2026-10-12T08:00:00Z,2026-10-12T16:20:00Z,500,accepted,"
            "2026-11-10T09:00:00Z\n"
            "dp-2,d1,2026-10,core,2026-10-20T08:00:00Z,2026-10-20T20:00:00Z,720,rejected,"
            "2026-11-10T09:00:00Z\n"
        )
        (root / "reference" / "coverage_overrides.csv").write_text(
            "tenant_id,service_month,accepted_by,accepted_at,note\n"
            "g1,2026-10,ops@example.com,2026-11-20T10:00:00+02:00,probe outage confirmed\n"
        )
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
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
        yield root, before, state(root), out.getvalue()


def test_accepted_dispute_restates_the_credit_through_the_ledger(history):
    root, before, after, report = history
    assert before[0]["d1"][3] == Decimal("100")
    assert "2026-10" in report and "YES" in report
    assert "EGP" in report  # totals per currency, never EGP added to JPY
    downtime = query(
        root, "select downtime_minutes from marts.availability_monthly where tenant_id = 'd1'"
    )
    assert downtime == [(500.0,)]
    assert after[0]["d1"][2:4] == (Decimal("25"), Decimal("250"))
    d1_lines = [line for line in after[1] if line[0] == "d1"]
    assert [line[1] for line in d1_lines] == [Decimal("100"), Decimal("250")]
    adjustment = query(
        root,
        "select originally_published, restated, difference, lines, inputs_changed "
        "from marts.credit_adjustments where tenant_id = 'd1'",
    )
    assert adjustment[0][:4] == (Decimal("100"), Decimal("250"), Decimal("150"), 2)
    assert "raw/disputes/disputes.csv" in adjustment[0][4]


def test_low_coverage_waits_for_an_operator_and_then_pays(history):
    _, before, after, _ = history
    credits, lines = before
    assert credits["g1"][:2] == ("needs_review", False) and credits["g1"][3] == Decimal("100")
    assert credits["g1"][4] < 95
    assert credits["g2"][:2] == ("not_needed", True)
    assert {line[0] for line in lines} == {"d1", "g2"}
    credits, lines = after
    assert credits["g1"][:2] == ("accepted", True)
    assert [line[1] for line in lines if line[0] == "g1"] == [Decimal("100")]
    assert [line[1] for line in lines if line[0] == "g2"] == [Decimal("100")]  # unchanged


def test_evidence_pack_holds_what_an_auditor_needs(history):
    from orchestration.cli import main

    root = history[0]
    out = root / "evidence-out"
    with warehouse_env(root):
        assert main(["evidence", "--tenant", "d1", "--month", "2026-10", "--out", str(out)]) == 0
        assert (
            main(["evidence", "--tenant", "nobody", "--month", "2026-10", "--out", str(out / "x")])
            == 1
        )
    summary = json.loads((out / "evidence.json").read_text())
    assert summary["credit"]["credit_amount"] == "250.0000"
    assert summary["policy"]["policy_id"] == "clarus-2026"
    assert summary["publication"]["input_fingerprint"]
    assert any(f["file"] == "raw/disputes/disputes.csv" for f in summary["input_files"])
    assert (out / "downtime_episodes.csv").read_text().count("\n") == 2
    assert (out / "availability.csv").exists() and (out / "excluded_periods.csv").exists()


def test_consecutive_breaches_read_the_earlier_months_as_they_stand(history):
    root = history[0]
    rows = query(
        root,
        "select tenant_id, consecutive_breaches, termination_right from marts.service_credits "
        "where service_month = '2026-10' and tenant_id in ('d1', 'g2') order by 1",
    )
    # d1: August, September and October breached, whatever order they were run in
    # g2: August is no longer breached, so the run is September and October only
    assert rows == [("d1", 3, True), ("g2", 2, False)]
