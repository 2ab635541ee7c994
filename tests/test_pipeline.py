"""The pipeline as an operator uses it: the CLI, Dagster and the warehouse, on a small world."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.scenario import Tenant, World, utc, warehouse_env, write_probes

AS_OF = "2026-11-25T00:00:00Z"
OCT = [(utc(2026, 9, 29), utc(2026, 11, 2))]
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


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("small")
    w = World(root)
    start = utc(2026, 10, 12, 8)
    # p1's monitoring has a 9-hour hole on Oct 25 that a late file fills with an outage
    w.tenants.append(
        Tenant(
            "p1",
            spans=[(utc(2026, 9, 29), utc(2026, 10, 25)), (utc(2026, 10, 25, 9), utc(2026, 11, 2))],
            fmt="parquet",
            failures=[("core", None, start, start + timedelta(minutes=45))],
        )
    )
    # p2's monitoring has a hole at 00:00-01:00 on Oct 20 that a late file fills in
    w.tenants.append(
        Tenant(
            "p2",
            spans=[(utc(2026, 9, 29), utc(2026, 10, 20)), (utc(2026, 10, 20, 1), utc(2026, 11, 2))],
        )
    )
    for t in ("p1", "p2"):
        w.fee(t, "2026-10", "1000.00", "EGP")
    w.write()
    with warehouse_env(root, root / "wh" / "warehouse.duckdb") as db:
        yield root, db


def run(*args: str) -> int:
    from orchestration.cli import main

    return main(["materialize", *args, "--as-of", AS_OF, "--log-level", "WARNING"])


def snapshot(db: Path, month: str) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            mart: con.execute(
                f"select {cols} from marts.{mart} where service_month = ? order by all", [month]
            ).fetchall()
            for mart, cols in CONTRACT_COLUMNS.items()
        } | {"raw_probes": con.execute("select count(*) from raw.probes").fetchall()}
    finally:
        con.close()


def ledger(db: Path, month: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select line_id, tenant_id, service_month, invoice_month, credit_amount, currency, "
            "publication_id, supersedes_line_id from marts.invoice_credit_lines "
            "where service_month = ? order by created_at, tenant_id",
            [month],
        ).fetchall()
    finally:
        con.close()


def quarantined_probes(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select source_file, source_line, tenant_id, checked_at, ok, reason, "
            "replaced_at is not null from quarantine.probes order by all"
        ).fetchall()
    finally:
        con.close()


def test_rerun_is_idempotent_and_a_new_file_adds_only_its_rows(small_world):
    root, db = small_world
    # a probe file with a typo in the tenant, corrected before the third run
    typo = root / "raw" / "probes" / "typo.csv"
    header = "tenant_id,component,location,checked_at,ok,latency_ms\n"
    typo.write_text(header + "p3,core,fra,2026-10-05T10:00:30+02:00,true,40\n")
    # and one of a tenant whose contract finance adds before the third run
    early = root / "raw" / "probes" / "early.csv"
    early.write_text(header + "p9,core,fra,2026-10-05T10:00:30+02:00,true,40\n")
    assert run("--month", "2026-10") == 0
    # (a value that parsed is shown in UTC: landing keeps the text only of what did not parse)
    bad = ("raw/probes/typo.csv", 2, "p3", "2026-10-05T08:00:30.000000Z", "true", "unknown tenant")
    unknown = ("raw/probes/early.csv", 2, "p9", "2026-10-05T08:00:30.000000Z", "true")
    assert quarantined_probes(db) == [(*unknown, "unknown tenant", False), (*bad, False)]
    first = snapshot(db, "2026-10")
    credits = {r[0]: r for r in first["service_credits"]}
    hole = {r[0]: r for r in first["availability_monthly"]}["p2"]
    assert hole[6] == 59  # the 23:58 result holds to 00:01; results resume at 01:00
    assert credits["p1"][7] == 10 and str(credits["p1"][9]) == "100.0000"
    first_lines = ledger(db, "2026-10")
    assert run("--month", "2026-10") == 0
    assert snapshot(db, "2026-10") == first
    assert ledger(db, "2026-10") == first_lines  # nothing new is published
    assert len(quarantined_probes(db)) == 2  # and quarantine repeats nothing

    # Published Parquet carries the contract's columns, timestamps adjusted to UTC.
    table = pq.read_table(root / "published" / "service_credits" / "month=2026-10")
    for column in CONTRACT_COLUMNS["service_credits"].split(", "):
        assert column in table.column_names
    assert str(table.schema.field("breach_at").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("credit_amount").type).startswith("decimal128(18, 4)")

    first_lines = ledger(db, "2026-10")
    assert [(r[1], str(r[4]), r[7]) for r in first_lines] == [("p1", "100.0000", None)]

    # Late probe files fill both holes: p2 a 60-minute outage (a new credit), p1 a 500-minute
    # one (45 + 500 min: 98.78 %, the 25 % tier). Only the files' rows land; p1's line is
    # superseded by one with the full restated amount, p2 gets its first line.
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
    typo.write_text(header + "p2,core,fra,2026-10-05T10:00:30+02:00,true,40\n")
    contracts = root / "reference" / "contracts.csv"
    p2_contract = next(line for line in contracts.read_text().splitlines() if line[:3] == "p2,")
    with contracts.open("a") as f:
        f.write(p2_contract.replace("p2,P2,", "p9,P9,", 1) + "\n")
    assert run("--month", "2026-10") == 0
    # Quarantine keeps every bad row it has seen: the corrected file's row is kept, marked as
    # from a replaced version, and so is p9's row, valid since its contract came, marked when
    # it stopped being bad; the reconciliation (blocking) counts only the rows still bad.
    assert quarantined_probes(db) == [(*unknown, "unknown tenant", True), (*bad, True)]
    after = snapshot(db, "2026-10")
    lines = ledger(db, "2026-10")
    assert lines[: len(first_lines)] == first_lines  # the original line is intact
    added = {(r[1], str(r[4]), r[7]) for r in lines[len(first_lines) :]}
    assert added == {("p1", "250.0000", first_lines[0][0]), ("p2", "100.0000", None)}
    assert {r[3] for r in lines} == {"2026-11"}
    in_force = sum(r[4] for r in lines if r[0] not in {x[7] for x in lines})
    assert str(in_force) == "350.0000"
    assert after["raw_probes"][0][0] == first["raw_probes"][0][0] + new_rows
    p2 = {r[0]: r for r in after["availability_monthly"]}["p2"]
    assert (p2[4], p2[6]) == (60, 0)
    published = pq.read_table(root / "published" / "invoice_credit_lines" / "month=2026-10")
    assert published.num_rows == 3


def test_an_unreadable_file_fails_the_run_naming_it(tmp_path, capsys):
    w = World(tmp_path)
    w.tenants.append(Tenant("p1"))
    w.write()
    bad = tmp_path / "raw" / "probes" / "broken.parquet"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"PAR1 this is not parquet")
    with warehouse_env(tmp_path, tmp_path / "w.duckdb"):
        assert run("--month", "2026-10") == 1
    out = capsys.readouterr().out
    assert "raw/probes/broken.parquet" in out
    assert not (tmp_path / "published" / "service_credits").exists()


def test_definitions_load_with_schedule_and_sensor():
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.jobs import monthly_sla_schedule

    job = defs.resolve_job_def("monthly_sla_job")
    assert job.partitions_def is not None
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/probes", "marts/service_credits", "published/marts_parquet"} <= keys
    when = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    request = monthly_sla_schedule(dg.build_schedule_context(scheduled_execution_time=when))
    assert request.partition_key == "2026-10-01"
    assert defs.resolve_sensor_def("new_raw_files_sensor") is not None
    # freshness: last month's credits by the 3rd, Cairo time, judged by its own sensor
    from orchestration.defs.quality.freshness import service_credits_freshness_checks

    checks = service_credits_freshness_checks()
    assert [k.asset_key.to_user_string() for c in checks for k in c.check_keys] == [
        "marts/service_credits"
    ]
    assert defs.resolve_sensor_def("service_credits_freshness_sensor") is not None
    in_job = {
        k for k in job.asset_layer.asset_graph.asset_check_keys if k.name == "freshness_check"
    }
    assert not in_job
