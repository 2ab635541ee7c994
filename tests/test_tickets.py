"""Hand-worked cases for Meaning 10 (response time), through the real CLI, Dagster, dbt and DuckDB.

Every case is a Clarus ticket (Africa/Cairo, Sun–Thu 09:00–18:00, EG holidays) unless it says
otherwise. Cairo is GMT+3 until midnight of Thursday 2026-10-29 and from Friday 2026-04-24, GMT+2
otherwise; 2026-10-08 (Thu, Armed Forces Day observed) and 2026-04-13 (Mon, Spring Festival) are
public holidays. The world is materialised for April and October 2026, once per test session.
"""

from __future__ import annotations

import atexit
import csv
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.scenario import CLARA_YAML, CLARUS_YAML, Tenant, World, run_dbt

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
DBT = str(Path(sys.executable).with_name("dbt"))
AS_OF = "2026-12-20T00:00:00Z"
CAIRO = ZoneInfo("Africa/Cairo")
TOKYO = ZoneInfo("Asia/Tokyo")
EXTENDED = (
    "plan_overrides:\n"
    "    extended:\n"
    "      business_calendar:\n"
    "        weekdays: [Sat, Sun, Mon, Tue, Wed, Thu]\n"
    '        opens: "08:00"\n'
    '        closes: "22:00"\n'
)
POLICIES = CLARUS_YAML.replace("plan_overrides: {}\n", EXTENDED) + CLARA_YAML
TICKET_COLUMNS = [
    "ticket_id",
    "tenant_id",
    "severity",
    "created_at",
    "first_response_at",
    "exported_at",
    "channel",
    "subject",
]
CALENDAR_MONTHS = ("2026-04", "2026-10")


def cairo(*args: int) -> datetime:
    return datetime(*args, tzinfo=CAIRO)


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def ticket(
    ticket_id: str,
    severity: str,
    created: datetime,
    response: datetime | None = None,
    exported: datetime | None = None,
    tenant: str = "clarus-a",
) -> dict[str, str]:
    """One export row; by default exported a week after creation, the response shown."""
    return {
        "ticket_id": ticket_id,
        "tenant_id": tenant,
        "severity": severity,
        "created_at": iso(created),
        "first_response_at": iso(response),
        "exported_at": iso(exported or created + timedelta(days=7)),
        "channel": "portal",
        "subject": f"case {ticket_id}",
    }


def write_tickets(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TICKET_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def ticket_rows() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(first export file, later export file) of the hand-worked world."""
    first = [
        # P1 (60 min, 24x7) at Friday 22:00, answered 50 minutes later: met, outside hours.
        ticket("p1-friday-night", "P1", cairo(2026, 10, 16, 22), cairo(2026, 10, 16, 22, 50)),
        # 00:30 Cairo on 1 October is still 30 September in UTC: an October ticket.
        ticket(
            "p1-month-edge",
            "P1",
            datetime(2026, 9, 30, 21, 30, tzinfo=UTC),
            datetime(2026, 9, 30, 21, 50, tzinfo=UTC),
        ),
        # Thursday 17:00 → Sunday 11:00: 60 + 120 = 180 business minutes.
        ticket("p2-thu-to-sun", "P2", cairo(2026, 10, 15, 17), cairo(2026, 10, 18, 11)),
        # Opened 07:30 Sunday, before opening: counting starts at 09:00; P3's 540 minutes end
        # exactly at 18:00, the closing instant.
        ticket("p3-before-opening", "P3", cairo(2026, 10, 18, 7, 30), cairo(2026, 10, 18, 9, 45)),
        # Wednesday 14:00 → Sunday 10:00 across Thursday 8 October (a holiday): 240 + 60.
        ticket("p3-across-holiday", "P3", cairo(2026, 10, 7, 14), cairo(2026, 10, 11, 10)),
        # Summer time (GMT+3) and winter time (GMT+2): wall-clock hours either way.
        ticket("p2-summer", "P2", cairo(2026, 10, 19, 10), cairo(2026, 10, 19, 13, 30)),
        ticket("p2-winter", "P2", cairo(2026, 10, 31, 20), cairo(2026, 11, 1, 10, 30)),
        # Thursday 29 October 17:00 (+03) → Sunday 1 November 10:00 (+02): 60 + 60.
        ticket("p2-dst-end", "P2", cairo(2026, 10, 29, 17), cairo(2026, 11, 1, 10)),
        # Exactly at the target is met; one minute over is breached.
        ticket("p3-exact", "P3", cairo(2026, 10, 19, 9), cairo(2026, 10, 19, 18)),
        ticket("p3-over", "P3", cairo(2026, 10, 19, 9), cairo(2026, 10, 20, 9, 1)),
        ticket("p4-exact", "P4", cairo(2026, 10, 20, 9), cairo(2026, 10, 21, 18)),
        ticket("p4-over", "P4", cairo(2026, 10, 20, 9), cairo(2026, 10, 22, 9, 1)),
        # No response: due Sunday 13:00. Exported at 13:01 it is breached; exported at 13:00 it is
        # still open: a response at that instant would be met (elapsed = target), so due_at has
        # not yet passed.
        ticket(
            "p2-unanswered-breached",
            "P2",
            cairo(2026, 10, 25, 9),
            exported=cairo(2026, 10, 25, 13, 1),
        ),
        ticket(
            "p2-unanswered-open", "P2", cairo(2026, 10, 25, 9), exported=cairo(2026, 10, 25, 13)
        ),
        # Exported as P4 without a response; re-graded P2 in the later export (other file).
        ticket("reclassified", "P4", cairo(2026, 10, 26, 9), exported=cairo(2026, 10, 26, 10)),
        # An exact repeat of a row counts once.
        ticket("repeated", "P1", cairo(2026, 10, 27, 3), cairo(2026, 10, 27, 3, 30)),
        ticket("repeated", "P1", cairo(2026, 10, 27, 3), cairo(2026, 10, 27, 3, 30)),
        # Two rows of one export that disagree: both quarantined, the ticket is not measured.
        ticket("conflict", "P2", cairo(2026, 10, 27, 10), exported=cairo(2026, 10, 28, 20)),
        ticket("conflict", "P3", cairo(2026, 10, 27, 10), exported=cairo(2026, 10, 28, 20)),
        # The extended tier (Sat–Thu 08:00–22:00): Saturday 20:00 → Sunday 09:00 = 120 + 60.
        ticket(
            "ext-sat-to-sun",
            "P2",
            cairo(2026, 10, 24, 20),
            cairo(2026, 10, 25, 9),
            tenant="clarus-ext",
        ),
        # Clara promises no response time: recorded with no target and met null.
        ticket(
            "clara-p1",
            "P1",
            datetime(2026, 10, 5, 9, tzinfo=TOKYO),
            datetime(2026, 10, 5, 12, tzinfo=TOKYO),
            tenant="clara-x",
        ),
        # Before the contract's first day: no SLA applied yet.
        ticket(
            "before-contract",
            "P2",
            cairo(2026, 10, 12, 10),
            cairo(2026, 10, 12, 11),
            tenant="late-start",
        ),
        # April: winter time, the Spring Festival holiday and the first summer-time Sunday.
        ticket("apr-winter", "P3", cairo(2026, 4, 6, 10), cairo(2026, 4, 6, 12)),
        ticket("apr-holiday", "P2", cairo(2026, 4, 12, 17), cairo(2026, 4, 14, 10)),
        ticket("apr-dst-start", "P2", cairo(2026, 4, 23, 17), cairo(2026, 4, 26, 10)),
    ]
    bad = [
        {**ticket("bad-no-tenant", "P2", cairo(2026, 10, 5, 10)), "tenant_id": ""},
        {**ticket("bad-naive", "P2", cairo(2026, 10, 5, 10)), "created_at": "2026-10-05T10:00:00"},
        ticket("bad-severity", "P9", cairo(2026, 10, 5, 10)),
        ticket("bad-order", "P2", cairo(2026, 10, 5, 10), cairo(2026, 10, 5, 9)),
        ticket("bad-tenant", "P2", cairo(2026, 10, 5, 10), tenant="nobody"),
    ]
    later = [
        ticket(
            "reclassified",
            "P2",
            cairo(2026, 10, 26, 9),
            cairo(2026, 10, 26, 14),
            exported=cairo(2026, 10, 26, 20),
        ),
    ]
    return first + bad, later


def build_ticket_world(root: Path) -> Path:
    w = World(root, policies=POLICIES)
    w.tenants += [
        Tenant("clarus-a"),
        Tenant("clarus-ext", plan_tier="extended"),
        Tenant(
            "clara-x",
            policy_id="clara-dedicated-2024",
            currency="JPY",
            plan_tier="dedicated",
            components=("hardware", "network", "internet"),
        ),
        Tenant("late-start", starts_on="2026-10-16"),
    ]
    for month in CALENDAR_MONTHS:
        for t in w.tenants:
            w.fee(t.tenant_id, month, "1000", t.currency)
    w.write()
    first, later = ticket_rows()
    write_tickets(root / "raw" / "tickets" / "2026-10-export.csv", first)
    write_tickets(root / "raw" / "tickets" / "2026-10-26-export.jsonl", later)
    return root


def materialize(root: Path, db: Path, month: str, as_of: str = AS_OF) -> float:
    """One month through the real CLI; returns the seconds it took."""
    from orchestration.cli import main

    env = {"SLA_DATA_DIR": str(root), "SLA_DUCKDB_PATH": str(db)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    started = time.perf_counter()
    try:
        code = main(["materialize", "--month", month, "--as-of", as_of, "--log-level", "WARNING"])
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert code == 0, f"materialising {month} failed"
    return time.perf_counter() - started


def dbt(args: list[str], db: Path, target: Path) -> subprocess.CompletedProcess[str]:
    return run_dbt(args, db, target, AS_OF)


@functools.cache
def ticket_world() -> Path:
    """The hand-worked world, materialised for April then October 2026 (once per process).

    Shared with the property test: each month's business calendar is kept as Parquet, since
    the intermediate tables only hold the last month computed.
    """
    root = Path(tempfile.mkdtemp(prefix="sla-tickets-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    build_ticket_world(root)
    db = root / "warehouse.duckdb"
    for month in CALENDAR_MONTHS:
        materialize(root, db, month)
        con = duckdb.connect(str(db), read_only=True)
        try:
            con.execute(
                "copy (select * from intermediate.int_business_hours_opened) "
                f"to '{root / f'calendar-{month}.parquet'}' (format parquet)"
            )
        finally:
            con.close()
    return root


@pytest.fixture(scope="module")
def world() -> Path:
    return ticket_world()


@pytest.fixture(scope="module")
def marts(world: Path):
    con = duckdb.connect(str(world / "warehouse.duckdb"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


def response(marts, ticket_id: str) -> dict:
    cur = marts.execute("select * from marts.ticket_response where ticket_id = ?", [ticket_id])
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1, f"{ticket_id}: {len(rows)} rows in ticket_response"
    return dict(zip(names, rows[0], strict=True))


def test_ticket_response_has_the_contract_columns_first(marts):
    cur = marts.execute("select * from marts.ticket_response limit 0")
    assert [d[0] for d in cur.description][:11] == [
        "ticket_id",
        "tenant_id",
        "severity",
        "service_month",
        "created_at",
        "first_response_at",
        "clock",
        "target_minutes",
        "elapsed_minutes",
        "due_at",
        "met",
    ]
    cur = marts.execute("select * from marts.response_compliance_monthly limit 0")
    assert [d[0] for d in cur.description][:8] == [
        "tenant_id",
        "service_month",
        "severity",
        "tickets",
        "met",
        "breached",
        "open",
        "compliance_pct",
    ]


def test_p1_friday_night_answered_in_50_minutes_is_met(marts):
    r = response(marts, "p1-friday-night")
    assert (r["clock"], r["target_minutes"], r["elapsed_minutes"], r["met"]) == (
        "24x7",
        60,
        50,
        True,
    )
    assert r["due_at"] == cairo(2026, 10, 16, 23)


def test_ticket_belongs_to_the_month_of_its_creation_in_cairo(marts):
    assert response(marts, "p1-month-edge")["service_month"] == "2026-10"


def test_thursday_17_to_sunday_11_is_180_business_minutes(marts):
    r = response(marts, "p2-thu-to-sun")
    assert (r["clock"], r["elapsed_minutes"], r["met"]) == ("business", 180, True)
    assert r["due_at"] == cairo(2026, 10, 18, 12)


def test_before_opening_counts_from_opening_and_due_is_the_closing_instant(marts):
    r = response(marts, "p3-before-opening")
    assert (r["elapsed_minutes"], r["met"]) == (45, True)
    # 540 minutes from 09:00 end at 18:00 the same day, not at 09:00 the next business day
    assert r["due_at"] == cairo(2026, 10, 18, 18)


def test_an_egyptian_public_holiday_is_skipped(marts):
    r = response(marts, "p3-across-holiday")
    assert (r["elapsed_minutes"], r["met"]) == (300, True)
    assert r["due_at"] == cairo(2026, 10, 11, 14)
    april = response(marts, "apr-holiday")  # Sunday 17:00 → Tuesday 10:00 across Spring Festival
    assert (april["service_month"], april["elapsed_minutes"]) == ("2026-04", 120)


def test_summer_and_winter_time_both_count_wall_clock_hours(marts):
    summer, winter = response(marts, "p2-summer"), response(marts, "p2-winter")
    assert summer["elapsed_minutes"] == 210  # 10:00–13:30 at GMT+3
    assert winter["elapsed_minutes"] == 90  # Saturday is closed; Sunday 09:00–10:30 at GMT+2
    assert winter["due_at"] == datetime(2026, 11, 1, 11, tzinfo=UTC)  # 13:00 Cairo, GMT+2
    assert response(marts, "apr-winter")["elapsed_minutes"] == 120


def test_dst_change_days(marts):
    # The wall clock says 60 + 60 minutes, whatever the offsets around the change.
    end = response(marts, "p2-dst-end")
    assert end["elapsed_minutes"] == 120
    assert end["due_at"] == datetime(2026, 11, 1, 10, tzinfo=UTC)  # Sunday 12:00 at GMT+2
    start = response(marts, "apr-dst-start")
    assert start["elapsed_minutes"] == 120
    assert start["due_at"] == datetime(2026, 4, 26, 9, tzinfo=UTC)  # Sunday 12:00 at GMT+3


def test_exactly_at_target_is_met_one_minute_over_is_breached(marts):
    for ticket_id, elapsed, met in (
        ("p3-exact", 540, True),
        ("p3-over", 541, False),
        ("p4-exact", 1080, True),
        ("p4-over", 1081, False),
    ):
        r = response(marts, ticket_id)
        assert (r["elapsed_minutes"], r["met"]) == (elapsed, met), ticket_id
    assert response(marts, "p3-exact")["due_at"] == cairo(2026, 10, 19, 18)
    assert response(marts, "p4-exact")["due_at"] == cairo(2026, 10, 21, 18)


def test_unanswered_is_breached_once_due_at_passed_by_its_latest_export(marts):
    breached, still_open = (
        response(marts, "p2-unanswered-breached"),
        response(marts, "p2-unanswered-open"),
    )
    assert breached["due_at"] == still_open["due_at"] == cairo(2026, 10, 25, 13)
    assert (breached["met"], breached["status"], breached["elapsed_minutes"]) == (
        False,
        "breached",
        None,
    )
    assert (still_open["met"], still_open["status"]) == (None, "open")


def test_latest_export_wins_with_its_severity(marts):
    r = response(marts, "reclassified")
    # P2 (240) from created_at: 09:00–14:00 is 300 minutes, breached; as a P4 it would be met
    assert (r["severity"], r["target_minutes"], r["elapsed_minutes"], r["met"]) == (
        "P2",
        240,
        300,
        False,
    )
    assert response(marts, "repeated")["met"] is True  # one row for two identical exports


def test_extended_tier_uses_its_own_calendar(marts):
    r = response(marts, "ext-sat-to-sun")
    assert (r["plan_tier"], r["elapsed_minutes"], r["met"]) == ("extended", 180, True)


def test_a_severity_without_a_target_has_no_target_and_no_verdict(marts):
    r = response(marts, "clara-p1")
    assert (r["clock"], r["target_minutes"], r["due_at"], r["met"], r["status"]) == (
        None,
        None,
        None,
        None,
        "no_target",
    )
    assert r["elapsed_minutes"] == 180  # wall time, as there is no clock to count on


def test_tickets_before_the_contract_or_in_conflict_are_not_measured(marts):
    ids = {r[0] for r in marts.execute("select ticket_id from marts.ticket_response").fetchall()}
    assert not ids & {"before-contract", "conflict"}


def test_bad_rows_land_in_quarantine_with_their_reason(marts):
    rows = marts.execute(
        "select ticket_id, reason, source_file, source_line from quarantine.tickets "
        "order by ticket_id, source_line"
    ).fetchall()
    assert [(r[0], r[1]) for r in rows] == [
        ("bad-naive", "timestamp without offset: created_at"),
        ("bad-no-tenant", "missing key: tenant_id"),
        ("bad-order", "first_response_at before created_at"),
        ("bad-severity", "unknown severity"),
        ("bad-tenant", "unknown tenant"),
        ("conflict", "conflicting exports"),
        ("conflict", "conflicting exports"),
    ]
    assert all(r[2] == "raw/tickets/2026-10-export.csv" and r[3] > 0 for r in rows)


def test_compliance_per_tenant_severity_and_month(marts):
    rows = marts.execute(
        "select severity, tickets, met, breached, open, compliance_pct "
        "from marts.response_compliance_monthly "
        "where tenant_id = 'clarus-a' and service_month = '2026-10' order by severity"
    ).fetchall()
    assert rows == [
        ("P1", 3, 3, 0, 0, 100.0),
        ("P2", 7, 4, 2, 1, pytest.approx(400 / 6)),
        ("P3", 4, 3, 1, 0, 75.0),
        ("P4", 2, 1, 1, 0, 50.0),
    ]
    clara = marts.execute(
        "select severity, tickets, met, breached, open, compliance_pct, no_target "
        "from marts.response_compliance_monthly where tenant_id = 'clara-x'"
    ).fetchall()
    assert clara == [("P1", 1, 0, 0, 0, None, 1)]
    quiet = marts.execute(
        "select count(*), sum(tickets), count(compliance_pct) "
        "from marts.response_compliance_monthly "
        "where tenant_id = 'late-start' and service_month = '2026-10'"
    ).fetchone()
    assert quiet == (4, 0, 0)  # a row per targeted severity, no tickets, no percentage


def test_both_months_are_kept_and_published(world, marts):
    months = marts.execute(
        "select service_month, count(*) from marts.ticket_response group by 1 order by 1"
    ).fetchall()
    assert [m for m, _ in months] == ["2026-04", "2026-10"]
    for mart in ("ticket_response", "response_compliance_monthly"):
        assert (world / "published" / mart / "month=2026-10" / "part-0.parquet").exists()


def test_rerun_replaces_the_month(world, tmp_path):
    """A copy of the warehouse builds October's response-time marts again: the incremental
    marts replace the month's rows rather than append to them. (The calendar's dbt unit tests
    run with every other unit test in test_uptime_and_credits.py.)"""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(world / "warehouse.duckdb", db)
    query = "select * from marts.{} order by all"

    def snapshot() -> list[list[tuple]]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return [
                con.execute(query.format(m)).fetchall()
                for m in ("ticket_response", "response_compliance_monthly")
            ]
        finally:
            con.close()

    before = snapshot()
    run = dbt(
        ["run", "--select", "ticket_response", "response_compliance_monthly"],
        db,
        tmp_path / "target",
    )
    assert run.returncode == 0, run.stdout[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    models = [r for r in results if r["unique_id"].startswith("model.")]
    assert len(models) == 2 and all(r["status"] == "success" for r in models), models
    assert snapshot() == before

    # A month whose new result is empty loses its old rows too (delete+insert alone replaces
    # only the months present in the new rows): a row left in March 2027, as by a ticket since
    # re-exported into another month, goes when the mart runs for March. Only the mart runs,
    # over the October tables upstream, so its new rows are October's, and none is March's.
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "insert into marts.ticket_response select * replace ('2027-03' as service_month) "
            "from marts.ticket_response where service_month = '2026-10' limit 1"
        )
    finally:
        con.close()
    run = run_dbt(
        ["run", "--select", "ticket_response"], db, tmp_path / "target", AS_OF, month="2027-03"
    )
    assert run.returncode == 0, run.stdout[-4000:]
    assert snapshot()[0] == before[0]


# --------------------------------------------------------------------------------------------
# Scale: a year of tickets for 500 tenants.


def build_scale_world(root: Path, tenants: int = 500, per_year: int = 50) -> int:
    rng = random.Random(20261001)
    w = World(root, policies=POLICIES)
    for n in range(tenants):
        tier = "extended" if n % 5 == 0 else "standard"
        w.tenants.append(Tenant(f"t{n:03d}", plan_tier=tier))
        w.fee(f"t{n:03d}", "2026-10", "1000", "EGP")
    w.write()
    rows: list[dict[str, str]] = []
    year_start = datetime(2026, 1, 1, tzinfo=CAIRO)
    for t in w.tenants:
        for k in range(per_year):
            created = year_start + timedelta(minutes=rng.randrange(365 * 24 * 60))
            severity = rng.choice(["P1", "P2", "P3", "P4"])
            answered = rng.random() < 0.95
            reply = created + timedelta(minutes=rng.randrange(5, 4 * 24 * 60)) if answered else None
            ticket_id = f"{t.tenant_id}-{k:02d}"
            if rng.random() < 0.3:  # exported before the answer, then again after it
                rows.append(
                    ticket(
                        ticket_id,
                        severity,
                        created,
                        None,
                        created + timedelta(hours=1),
                        t.tenant_id,
                    )
                )
            rows.append(
                ticket(
                    ticket_id, severity, created, reply, created + timedelta(days=5), t.tenant_id
                )
            )
    write_tickets(root / "raw" / "tickets" / "2026.csv", rows)
    return len(rows)


def land(root: Path, db: Path) -> None:
    """Ingestion without the orchestrator, so the timing below is dbt's alone."""
    from orchestration.lib.ingest import ingest_source
    from orchestration.lib.policies import write_policy_tables
    from orchestration.lib.sources import SOURCES
    from orchestration.lib.warehouse import connect

    con = connect(db)
    try:
        write_policy_tables(con, root)
        for name in SOURCES:
            ingest_source(con, root, name)
    finally:
        con.close()


def test_a_year_of_tickets_for_500_tenants_computes_in_seconds(tmp_path):
    rows = build_scale_world(tmp_path)
    db = tmp_path / "warehouse.duckdb"
    land(tmp_path, db)
    started = time.perf_counter()
    run = dbt(
        [
            "build",
            # the response-time models and what they read: the probe side has nothing to do
            "--select",
            "+ticket_response",
            "+response_compliance_monthly",
            "+quarantine_tickets",
            "--exclude-resource-type",
            "unit_test",
        ],
        db,
        tmp_path / "target",
    )
    build_s = time.perf_counter() - started
    assert run.returncode == 0, run.stdout[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    ticket_models = {
        "stg_tickets__exports_validated",
        "stg_tickets__tickets",
        "quarantine_tickets",
        "int_public_holidays_corrected",
        "int_business_days_listed",
        "int_business_hours_opened",
        "int_ticket_responses_measured",
        "ticket_response",
        "response_compliance_monthly",
    }
    model_s = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results["results"]
        if r["unique_id"].startswith("model.") and r["unique_id"].split(".")[-1] in ticket_models
    }
    con = duckdb.connect(str(db), read_only=True)
    try:
        measured = con.execute(
            "select count(*) from marts.ticket_response where service_month = '2026-10'"
        ).fetchone()[0]
    finally:
        con.close()
    print(
        f"\n{rows} export rows for 500 tenants, {measured} October tickets: "
        f"response-time models {sum(model_s.values()):.2f} s "
        f"(whole month's dbt build {results['elapsed_time']:.1f} s, {build_s:.1f} s with start-up): "
        + ", ".join(f"{k} {v:.2f}" for k, v in sorted(model_s.items(), key=lambda kv: -kv[1]))
    )
    assert len(model_s) == len(ticket_models)
    assert 1500 < measured < 2800
    assert sum(model_s.values()) < 60


def test_days_in_scope_cover_both_dst_changes():
    """The hand-worked dates really are the DST change days (checked against zoneinfo)."""

    def offset(day: date) -> timedelta | None:
        return datetime(day.year, day.month, day.day, 12, tzinfo=CAIRO).utcoffset()

    assert offset(date(2026, 4, 23)) == timedelta(hours=2)
    assert offset(date(2026, 4, 24)) == timedelta(hours=3)
    assert offset(date(2026, 10, 29)) == timedelta(hours=3)
    assert offset(date(2026, 10, 30)) == timedelta(hours=2)


# The property test shares this module's materialised world (and so its xdist worker).
from tests.business_minutes_property import (  # noqa: E402, F401
    engine,
    test_business_minutes_and_due_at_match_a_minute_walk,
    test_the_walk_sees_the_dst_changes_and_holidays,
    walks,
)


def test_a_country_or_year_the_snapshot_lacks_is_kept_once_from_the_package():
    """Egypt in 2029 and India (a policy a user adds) get their public holidays, as the pinned
    package lists them, stored once: a second run adds nothing and an unknown code is skipped."""
    from orchestration.lib.holiday_snapshot import KEPT_TABLE, keep_holidays

    con = duckdb.connect()
    con.execute("create schema raw")
    assert keep_holidays(con, ["EG", " in ", "XX"]) == ["EG", "IN"]
    kept = set(con.execute(f"select country_code, holiday_on from {KEPT_TABLE}").fetchall())
    assert ("EG", date(2029, 1, 7)) in kept and ("EG", date(2029, 1, 25)) in kept
    assert ("IN", date(2026, 10, 2)) in kept  # Gandhi Jayanti
    versions = con.execute(f"select distinct snapshot_version from {KEPT_TABLE}").fetchall()
    assert versions == [("holidays-0.109",)]
    rows = con.execute(f"select count(*) from {KEPT_TABLE}").fetchone()
    assert keep_holidays(con, ["EG", "IN"]) == []
    assert con.execute(f"select count(*) from {KEPT_TABLE}").fetchone() == rows
