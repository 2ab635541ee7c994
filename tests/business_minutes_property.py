"""Property: the SQL business-time arithmetic equals a minute-by-minute walk of the calendar.

The SQL under test is the project's own (macros/business_time.sql, compiled by dbt), run in
DuckDB over the opening intervals the pipeline built for Clarus (standard and extended tiers)
in April and October 2026: both DST changes, Spring Festival, Sinai Day, Eid al-Adha and
Armed Forces Day are inside. The oracle knows nothing of intervals: it asks zoneinfo for the
Cairo wall time of every UTC minute and checks weekday, opening hours and the holiday list
(the committed snapshot plus overrides, read from the seed files).
"""

from __future__ import annotations

import csv
import json
from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_tickets import CAIRO, DBT_DIR, dbt, ticket_world

MINUTE_US = 60_000_000
# (service month, plan tier) → the calendar as the test policy writes it, and the days the
# pipeline's calendar covers for that month (two days before it, 40 after).
CALENDARS = {
    ("2026-04", ""): ({6, 0, 1, 2, 3}, time(9), time(18), date(2026, 3, 30), date(2026, 6, 10)),
    ("2026-04", "extended"): (
        {5, 6, 0, 1, 2, 3},
        time(8),
        time(22),
        date(2026, 3, 30),
        date(2026, 6, 10),
    ),
    ("2026-10", ""): ({6, 0, 1, 2, 3}, time(9), time(18), date(2026, 9, 29), date(2026, 12, 10)),
    ("2026-10", "extended"): (
        {5, 6, 0, 1, 2, 3},
        time(8),
        time(22),
        date(2026, 9, 29),
        date(2026, 12, 10),
    ),
}
KEYS = sorted(CALENDARS)
PROBE_SQL = """
with spans as (select * from probe_spans),
hours as (select * from probe_hours),
elapsed as ({{ business_time_between('spans', 'hours') }}),
due as ({{ business_due_at('spans', 'hours') }})
select spans.span_id, coalesce(elapsed.business_us, 0) as business_us, due.due_at_us
from spans
left join elapsed on spans.span_id = elapsed.span_id
left join due on spans.span_id = due.span_id
order by spans.span_id
"""


def egyptian_holidays() -> set[date]:
    seeds = DBT_DIR / "seeds"
    with open(seeds / "public_holidays.csv", encoding="utf-8") as handle:
        days = {
            date.fromisoformat(r["holiday_on"])
            for r in csv.DictReader(handle)
            if r["country_code"] == "EG"
        }
    with open(seeds / "public_holiday_overrides.csv", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["country_code"] == "EG":
                day = date.fromisoformat(r["holiday_on"])
                (days.add if r["action"] == "add" else days.discard)(day)
    return days


class Walk:
    """One calendar as a list of UTC minutes, each open or closed by its Cairo wall time."""

    def __init__(self, key: tuple[str, str], holidays: set[date]) -> None:
        weekdays, opens, closes, first_on, last_on = CALENDARS[key]
        self.start = datetime.combine(first_on, time(0), CAIRO).astimezone(UTC)
        end = datetime.combine(last_on + timedelta(days=1), time(0), CAIRO).astimezone(UTC)
        self.minutes = int((end - self.start).total_seconds() // 60)
        self.is_open = []
        for m in range(self.minutes):
            local = (self.start + timedelta(minutes=m)).astimezone(CAIRO)
            self.is_open.append(
                local.weekday() in weekdays
                and local.date() not in holidays
                and opens <= local.time() < closes
            )
        # minutes where the calendar opens or closes: the edges worth probing
        self.edges = [m for m in range(1, self.minutes) if self.is_open[m] != self.is_open[m - 1]]

    def us(self, minute: int) -> int:
        return int(self.start.timestamp()) * 1_000_000 + minute * MINUTE_US

    def business_minutes(self, first: int, last: int) -> int:
        return sum(self.is_open[first:last])

    def due_minute(self, first: int, budget: int) -> int:
        """Walk forward minute by minute until the budget's last minute has been counted."""
        if budget == 0:
            return first
        counted, minute = 0, first
        while True:
            counted += self.is_open[minute]
            minute += 1
            if counted == budget:
                return minute


@pytest.fixture(scope="module")
def walks() -> dict[tuple[str, str], Walk]:
    holidays = egyptian_holidays()
    return {key: Walk(key, holidays) for key in KEYS}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = ticket_world()
    tmp = tmp_path_factory.mktemp("property")
    compiled = dbt(
        ["--quiet", "compile", "--inline", PROBE_SQL, "--output", "json"],
        tmp / "warehouse.duckdb",
        tmp / "target",
    )
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    sql = json.loads(compiled.stdout[compiled.stdout.index("{") :])["compiled"]
    con = duckdb.connect()
    con.execute(
        "create table probe_hours as "
        + " union all ".join(
            f"select policy_id || '@{month}' as policy_id, plan_tier, opens_at_us, closes_at_us, "
            f"opened_before_us, opened_through_us "
            f"from read_parquet('{root / f'calendar-{month}.parquet'}') "
            f"where policy_id = 'clarus-2026'"
            for month in sorted({m for m, _ in KEYS})
        )
    )
    con.execute(
        "create table probe_spans (span_id integer, policy_id varchar, plan_tier varchar, "
        "started_at_us bigint, ended_at_us bigint, budget_us bigint)"
    )
    yield con, sql
    con.close()


@st.composite
def spans(draw, walks: dict[tuple[str, str], Walk]):
    key = draw(st.sampled_from(KEYS))
    walk = walks[key]
    # Leave a day before (the calendar starts early) and room after for long budgets.
    low, high = 1440, walk.minutes - 18 * 1440
    inner = [e for e in walk.edges if low <= e <= high]
    near_edge = st.builds(lambda e, d: e + d, st.sampled_from(inner), st.integers(-2, 2))
    first = draw(st.one_of(st.integers(low, high), near_edge))
    length = draw(st.one_of(st.integers(0, 240), st.integers(0, 10 * 1440)))
    budget = draw(st.one_of(st.sampled_from([0, 60, 240, 540, 1080]), st.integers(0, 3000)))
    return key, first, length, budget


def test_business_minutes_and_due_at_match_a_minute_walk(engine, walks):
    con, sql = engine

    @settings(
        max_examples=200,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(spans(walks), min_size=1, max_size=20))
    def check(cases):
        rows = []
        for span_id, ((month, tier), first, length, budget) in enumerate(cases):
            walk = walks[(month, tier)]
            rows.append(
                (
                    span_id,
                    f"clarus-2026@{month}",
                    tier,
                    walk.us(first),
                    walk.us(first + length),
                    budget * MINUTE_US,
                )
            )
        con.execute("delete from probe_spans")
        con.executemany("insert into probe_spans values (?, ?, ?, ?, ?, ?)", rows)
        got = con.execute(sql).fetchall()
        assert [g[0] for g in got] == list(range(len(cases)))
        for (_, business_us, due_at_us), ((month, tier), first, length, budget) in zip(
            got, cases, strict=True
        ):
            walk = walks[(month, tier)]
            expected = walk.business_minutes(first, first + length)
            assert business_us == expected * MINUTE_US, (month, tier, first, length)
            assert due_at_us == walk.us(walk.due_minute(first, budget)), (
                month,
                tier,
                first,
                budget,
            )

    check()


def test_the_walk_sees_the_dst_changes_and_holidays(walks):
    """Guard the oracle itself: Cairo's opening minute moves with DST; holidays are closed."""
    walk = walks[("2026-10", "")]

    def opens_at(day: date) -> datetime:
        first = int((datetime.combine(day, time(0), CAIRO) - walk.start).total_seconds() // 60)
        i = bisect_left(walk.edges, first)
        return walk.start + timedelta(minutes=walk.edges[i])

    assert opens_at(date(2026, 10, 29)) == datetime(2026, 10, 29, 6, tzinfo=UTC)
    assert opens_at(date(2026, 11, 1)) == datetime(2026, 11, 1, 7, tzinfo=UTC)
    assert opens_at(date(2026, 10, 8)) == datetime(2026, 10, 11, 6, tzinfo=UTC)  # Thu holiday
