"""One world's October, run three times, as an operator and finance see it: materialised, run
again unchanged (idempotent), then restated by `sla backfill` once late probe files, a corrected
file, a new contract, disputes and a coverage decision have arrived. Covers the ledger's
superseding lines, disputes, the coverage gate, backfill reports and the evidence pack.

The p-tenants carry the rerun cases, the others the restatement cases: one world, so that the
three runs are paid once (each costs tens of seconds of the suite)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.defs.quality.checks import stale_breach_counts
from orchestration.lib.build_record import read_record
from tests.scenario import (
    ACME_YAML,
    CLARA_YAML,
    CLARUS_YAML,
    DBT_DIR,
    Tenant,
    World,
    run_dbt,
    utc,
    warehouse_env,
    write_probes,
)

AS_OF = "2026-11-25T00:00:00Z"
OUTAGE = utc(2026, 10, 12, 8)
# Clarus with a coverage gate: below 95 % coverage a credit waits for an operator.
GATED = CLARUS_YAML.replace("policy_id: clarus-2026", "policy_id: clarus-gated").replace(
    "  credit_cap_pct: 50\n", "  credit_cap_pct: 50\n  coverage_review_below_pct: 95\n"
)
OCT = [(utc(2026, 9, 29), utc(2026, 11, 2))]
RERUN_TENANTS = ("p1", "p2", "p9")
RESTATED_TENANTS = ("d1", "g1", "g2")
CONTRACT_COLUMNS = {
    "availability_monthly": "tenant_id, component, service_month, total_minutes, downtime_minutes, "
    "excluded_minutes, unmonitored_minutes, coverage_pct, uptime_pct",
    "downtime_episodes": "tenant_id, component, service_month, started_at, ended_at, minutes, "
    "counted_minutes, excluded_minutes",
    "service_credits": "tenant_id, service_month, policy_id, uptime_pct, deciding_component, "
    "target_pct, breached, credit_pct, monthly_fee, credit_amount, currency, breach_at, "
    "claim_required, claim_deadline, claim_status, payable, consecutive_breaches, "
    "termination_right, refund_amount",
}
HEADER = "tenant_id,component,location,checked_at,ok,latency_ms\n"


def query(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def marts(db: Path) -> dict[str, list[tuple]]:
    """October's contract columns in every credit mart, and how many probe rows have landed."""
    return {
        mart: query(
            db, f"select {cols} from marts.{mart} where service_month = '2026-10' order by all"
        )
        for mart, cols in CONTRACT_COLUMNS.items()
    } | {"raw_probes": query(db, "select count(*) from raw.probes")}


def ledger(db: Path, tenants: tuple[str, ...]) -> list[tuple]:
    return query(
        db,
        "select line_id, tenant_id, service_month, invoice_month, credit_amount, currency, "
        "publication_id, supersedes_line_id from marts.invoice_credit_lines "
        f"where service_month = '2026-10' and tenant_id in {tenants} order by created_at, tenant_id",
    )


def quarantined_probes(db: Path) -> list[tuple]:
    return query(
        db,
        "select source_file, source_line, tenant_id, checked_at, ok, reason, "
        "replaced_at is not null from quarantine.probes order by all",
    )


def credits(db: Path) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in query(
            db,
            "select tenant_id, review_status, payable, credit_pct, credit_amount, "
            f"min_coverage_pct from marts.service_credits where service_month = '2026-10' "
            f"and tenant_id in {RESTATED_TENANTS}",
        )
    }


@dataclass(frozen=True)
class Run:
    """What one run left: the marts, the p-tenants' lines and quarantine, the others' credits."""

    marts: dict[str, list[tuple]]
    rerun_lines: list[tuple]
    quarantine: list[tuple]
    credits: dict[str, tuple]
    restated_lines: list[tuple]
    # how many dbt nodes the run's build kept from the build before (lib/build_record.py)
    kept: int

    @classmethod
    def of(cls, db: Path) -> Run:
        restated = [(r[1], r[4], r[7]) for r in ledger(db, RESTATED_TENANTS)]
        kept = query(db, "select kept from raw._dbt_last_build")
        return cls(
            marts(db),
            ledger(db, RERUN_TENANTS),
            quarantined_probes(db),
            credits(db),
            restated,
            kept[0][0],
        )


@dataclass(frozen=True)
class History:
    root: Path
    db: Path
    first: Run
    second: Run
    third: Run
    report: str
    new_probe_rows: int


def build_world(root: Path) -> World:
    w = World(root, policies=CLARUS_YAML + CLARA_YAML + ACME_YAML + GATED)
    # p1's monitoring has a 9-hour hole on Oct 25 that a late file fills with an outage
    w.tenants.append(
        Tenant(
            "p1",
            spans=[(utc(2026, 9, 29), utc(2026, 10, 25)), (utc(2026, 10, 25, 9), utc(2026, 11, 2))],
            fmt="parquet",
            failures=[("core", None, OUTAGE, OUTAGE + timedelta(minutes=45))],
        )
    )
    # p2's monitoring has a hole at 00:00-01:00 on Oct 20 that a late file fills in
    w.tenants.append(
        Tenant(
            "p2",
            spans=[(utc(2026, 9, 29), utc(2026, 10, 20)), (utc(2026, 10, 20, 1), utc(2026, 11, 2))],
        )
    )
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
    for t in ("p1", "p2", *RESTATED_TENANTS):
        w.fee(t, "2026-10", "1000.00", "EGP")
    return w


def arrive_late(root: Path, db: Path) -> int:
    """What reaches the world between the second run and the backfill; returns the new probe rows."""
    # Late probe files fill both p-holes: p2 a 60-minute outage (a new credit), p1 a 500-minute
    # one (45 + 500 min: 98.78 %, the 25 % tier).
    late_p2 = Tenant(
        "p2",
        spans=[(utc(2026, 10, 20), utc(2026, 10, 20, 1))],
        failures=[("core", None, utc(2026, 10, 20), utc(2026, 10, 20, 1))],
    )
    late_p1 = Tenant(
        "p1",
        spans=[(utc(2026, 10, 25), utc(2026, 10, 25, 9))],
        failures=[("core", None, utc(2026, 10, 25), utc(2026, 10, 25, 8, 20))],
    )
    new_rows = 0
    for late in (late_p1, late_p2):
        path = write_probes(root / "raw" / "probes" / "late", late)
        new_rows += len(path.read_text().splitlines()) - 1
    # the typo corrected, and p9's contract added by finance
    (root / "raw" / "probes" / "typo.csv").write_text(
        HEADER + "p2,core,fra,2026-10-05T10:00:30+02:00,true,40\n"
    )
    contracts = root / "reference" / "contracts.csv"
    p2_contract = next(line for line in contracts.read_text().splitlines() if line[:3] == "p2,")
    with contracts.open("a") as f:
        f.write(p2_contract.replace("p2,P2,", "p9,P9,", 1) + "\n")

    # Earlier months as an out-of-order history left them (Meaning 9 reads their `breached`
    # now, never the count stored with them): d1's September was run before its August,
    # so it stored a run of 1; g2's August was restated to not breached after its
    # September had stored a run of 2.
    con = duckdb.connect(str(db))
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
        # decided twice at one instant, differently: both bad, and neither counts
        "dp-3,d1,2026-10,,2026-10-21T08:00:00Z,2026-10-21T09:00:00Z,60,accepted,"
        "2026-11-10T09:00:00Z\n"
        "dp-3,d1,2026-10,,2026-10-21T08:00:00Z,2026-10-21T09:00:00Z,60,rejected,"
        "2026-11-10T09:00:00Z\n"
    )
    (root / "reference" / "coverage_overrides.csv").write_text(
        "tenant_id,service_month,accepted_by,accepted_at,note\n"
        "g1,2026-10,ops@example.com,2026-11-20T10:00:00+02:00,probe outage confirmed\n"
    )
    return new_rows


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    from orchestration.cli import main

    root = tmp_path_factory.mktemp("restated")
    build_world(root).write()
    # a probe file with a typo in the tenant, corrected before the third run, and one of a
    # tenant whose contract finance adds before the third run
    (root / "raw" / "probes" / "typo.csv").write_text(
        HEADER + "p3,core,fra,2026-10-05T10:00:30+02:00,true,40\n"
    )
    (root / "raw" / "probes" / "early.csv").write_text(
        HEADER + "p9,core,fra,2026-10-05T10:00:30+02:00,true,40\n"
    )
    materialize = ["materialize", "--month", "2026-10", "--as-of", AS_OF, "--log-level", "WARNING"]
    # the warehouse outside the data folder, as SLA_DUCKDB_PATH allows
    with warehouse_env(root, root / "wh" / "warehouse.duckdb") as db:
        assert main(materialize) == 0
        first = Run.of(db)
        assert main(materialize) == 0
        second = Run.of(db)
        new_rows = arrive_late(root, db)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            backfill = ["backfill", "--from", "2026-10", "--to", "2026-10", "--as-of", AS_OF]
            assert main([*backfill, "--log-level", "WARNING"]) == 0
        return History(root, db, first, second, Run.of(db), out.getvalue(), new_rows)


# ---------------------------------------------------------------------------------------------
# Reruns (the p-tenants)

# (a value that parsed is shown in UTC: landing keeps the text only of what did not parse)
TYPO = ("raw/probes/typo.csv", 2, "p3", "2026-10-05T08:00:30.000000Z", "true", "unknown tenant")
EARLY = ("raw/probes/early.csv", 2, "p9", "2026-10-05T08:00:30.000000Z", "true")


def test_a_first_run_quarantines_unknown_tenants_and_credits_the_outage(history: History):
    first = history.first
    assert first.quarantine == [(*EARLY, "unknown tenant", False), (*TYPO, False)]
    credits = {r[0]: r for r in first.marts["service_credits"]}
    hole = {r[0]: r for r in first.marts["availability_monthly"]}["p2"]
    assert hole[6] == 59  # the 23:58 result holds to 00:01; results resume at 01:00
    assert credits["p1"][7] == 10 and str(credits["p1"][9]) == "100.0000"
    assert [(r[1], str(r[4]), r[7]) for r in first.rerun_lines] == [("p1", "100.0000", None)]


def test_an_unchanged_rerun_changes_nothing(history: History):
    first, second = history.first, history.second
    assert second.marts == first.marts
    assert second.rerun_lines == first.rerun_lines  # nothing new is published
    assert second.restated_lines == first.restated_lines
    assert second.quarantine == first.quarantine  # and quarantine repeats nothing
    # the first build made every table; the rerun kept all that the probes do not reach
    assert first.kept == 0
    assert second.kept > 100


def test_a_restatement_keeps_what_no_changed_input_reaches_and_equals_a_full_build(
    history: History, tmp_path: Path
):
    """The backfill kept the tables that no changed input reaches (tickets, maintenance, ...)
    and rebuilt the rest. Building them again from the same inputs, on a copy, leaves every
    dbt table and view as the backfill did, row for row."""
    assert 0 < history.third.kept < history.second.kept
    copy = tmp_path / "wh"
    shutil.copytree(history.db.parent, copy)
    db = copy / history.db.name
    manifest = json.loads((DBT_DIR / "target" / "manifest.json").read_text())
    con = duckdb.connect(str(db))
    graph = read_record(con).graph
    con.close()
    # the tables the backfill kept (a view is its SQL over the same rows either way)
    models = [
        n
        for n, node in graph.items()
        if node.get("kept")
        and n.startswith("model.")
        and manifest["nodes"][n]["config"]["materialized"] != "view"
    ]
    assert models
    relations = sorted(manifest["nodes"][n]["relation_name"] for n in models)

    def tables(path: Path) -> dict[str, list[tuple]]:
        # row count and sum of row hashes: some tables hold a million rows
        return {r: query(path, f"select count(*), sum(hash(t)) from {r} as t") for r in relations}

    kept = tables(db)
    # built again from the inputs as they stand
    select = " ".join("fqn:" + ".".join(graph[n]["fqn"]) for n in models)
    done = run_dbt(["run", "--select", select], db, tmp_path / "t", AS_OF)
    assert done.returncode == 0, done.stdout[-3000:]
    rebuilt = tables(db)
    assert [r for r in relations if kept[r] != rebuilt[r]] == []


def test_published_parquet_carries_the_contract_columns_in_utc(history: History):
    table = pq.read_table(history.root / "published" / "service_credits" / "month=2026-10")
    for column in CONTRACT_COLUMNS["service_credits"].split(", "):
        assert column in table.column_names
    assert str(table.schema.field("breach_at").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("credit_amount").type).startswith("decimal128(18, 4)")


def test_late_files_add_only_their_rows_and_supersede_the_line(history: History):
    """Only the late files' rows land; p1's line is superseded by one with the full restated
    amount, p2 gets its first line."""
    first, third = history.first, history.third
    lines = third.rerun_lines
    assert lines[: len(first.rerun_lines)] == first.rerun_lines  # the original line is intact
    added = {(r[1], str(r[4]), r[7]) for r in lines[len(first.rerun_lines) :]}
    assert added == {("p1", "250.0000", first.rerun_lines[0][0]), ("p2", "100.0000", None)}
    assert {r[3] for r in lines} == {"2026-11"}
    in_force = sum(r[4] for r in lines if r[0] not in {x[7] for x in lines})
    assert str(in_force) == "350.0000"
    assert (
        third.marts["raw_probes"][0][0] == first.marts["raw_probes"][0][0] + history.new_probe_rows
    )
    p2 = {r[0]: r for r in third.marts["availability_monthly"]}["p2"]
    assert (p2[4], p2[6]) == (60, 0)
    published = pq.read_table(
        history.root / "published" / "invoice_credit_lines" / "month=2026-10"
    ).to_pylist()
    assert len([r for r in published if r["tenant_id"] in RERUN_TENANTS]) == 3


def test_quarantine_keeps_rows_that_stopped_being_bad(history: History):
    """The corrected file's row is kept, marked as from a replaced version, and so is p9's row,
    valid since its contract came, marked when it stopped being bad; the reconciliation
    (blocking) counts only the rows still bad."""
    assert history.third.quarantine == [(*EARLY, "unknown tenant", True), (*TYPO, True)]


# ---------------------------------------------------------------------------------------------
# Restatements (d1, g1, g2)


def test_accepted_dispute_restates_the_credit_through_the_ledger(history: History):
    before, after, db = history.first, history.third, history.db
    assert before.credits["d1"][3] == Decimal("100")
    assert "2026-10" in history.report and "YES" in history.report
    assert "EGP" in history.report  # totals per currency, never EGP added to JPY
    downtime = query(
        db, "select downtime_minutes from marts.availability_monthly where tenant_id = 'd1'"
    )
    assert downtime == [(500.0,)]
    assert query(db, "select source_line, reason from quarantine.disputes order by 1") == [
        (4, "conflicting decisions"),
        (5, "conflicting decisions"),
    ]
    assert after.credits["d1"][2:4] == (Decimal("25"), Decimal("250"))
    d1_lines = [line for line in after.restated_lines if line[0] == "d1"]
    assert [line[1] for line in d1_lines] == [Decimal("100"), Decimal("250")]
    adjustment = query(
        db,
        "select originally_published, restated, difference, lines, inputs_changed "
        "from marts.credit_adjustments where tenant_id = 'd1'",
    )
    assert adjustment[0][:4] == (Decimal("100"), Decimal("250"), Decimal("150"), 2)
    assert "raw/disputes/disputes.csv" in adjustment[0][4]


def test_low_coverage_waits_for_an_operator_and_then_pays(history: History):
    credits, lines = history.first.credits, history.first.restated_lines
    assert credits["g1"][:2] == ("needs_review", False) and credits["g1"][3] == Decimal("100")
    assert credits["g1"][4] < 95
    assert credits["g2"][:2] == ("not_needed", True)
    assert {line[0] for line in lines} == {"d1", "g2"}
    credits, lines = history.third.credits, history.third.restated_lines
    assert credits["g1"][:2] == ("accepted", True)
    assert [line[1] for line in lines if line[0] == "g1"] == [Decimal("100")]
    assert [line[1] for line in lines if line[0] == "g2"] == [Decimal("100")]  # unchanged


def test_evidence_pack_holds_what_an_auditor_needs(history: History):
    from orchestration.cli import main

    out = history.root / "evidence-out"
    with warehouse_env(history.root, history.db):
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


def test_consecutive_breaches_read_the_earlier_months_as_they_stand(history: History):
    rows = query(
        history.db,
        "select tenant_id, consecutive_breaches, termination_right from marts.service_credits "
        "where service_month = '2026-10' and tenant_id in ('d1', 'g2') order by 1",
    )
    # d1: August, September and October breached, whatever order they were run in
    # g2: August is no longer breached, so the run is September and October only
    assert rows == [("d1", 3, True), ("g2", 2, False)]


def test_months_counted_before_an_earlier_month_changed_are_reported(history: History):
    """September's stored counts predate August as it stands: the warning names them and
    how many consecutive breaches they have now (October, run after both, is current)."""
    con = duckdb.connect(str(history.db), read_only=True)
    try:
        stale = stale_breach_counts(con)
    finally:
        con.close()
    assert stale == [("d1", "2026-09", 1, 2), ("g2", "2026-09", 2, 1)]
