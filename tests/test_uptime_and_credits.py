"""Hand-worked cases for Meanings 1–7 and 9, through the real pipeline (see conftest)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.scenario import run_dbt

AS_OF = "2026-11-25T00:00:00Z"  # the session world's (conftest)


def credit(marts, tenant, month="2026-10"):
    cur = marts.execute(
        "select * from marts.service_credits where tenant_id = ? and service_month = ?",
        [tenant, month],
    )
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None, f"no service_credits row for {tenant} {month}"
    return dict(zip(names, row, strict=True))


def availability(marts, tenant, component="core", month="2026-10"):
    cur = marts.execute(
        "select * from marts.availability_monthly "
        "where tenant_id = ? and component = ? and service_month = ?",
        [tenant, component, month],
    )
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None, f"no availability row for {tenant} {component} {month}"
    return dict(zip(names, row, strict=True))


def test_cairo_month_lengths_follow_dst(marts):
    assert availability(marts, "silent", month="2026-10")["total_minutes"] == 44700
    assert availability(marts, "silent", month="2026-09")["total_minutes"] == 43200


def test_months_follow_the_pinned_tzdata_not_the_engines_zone_data(marts):
    # tzdata 2025b: Casablanca on GMT+1 all October 2026, so 23:10-23:40 UTC on 30 September
    # is 00:10-00:40 on 1 October there (the world's conftest)
    october = availability(marts, "casablanca", "api", month="2026-10")
    assert (october["total_minutes"], october["downtime_minutes"]) == (44640, 30)
    september = availability(marts, "casablanca", "api", month="2026-09")
    assert september["downtime_minutes"] == 0


def test_a_30_second_blip_is_not_downtime(marts):
    assert availability(marts, "blip")["downtime_minutes"] == 0
    episode = marts.execute(
        "select minutes, counted_minutes from marts.downtime_episodes where tenant_id = 'blip'"
    ).fetchall()
    assert episode == [(0.5, 0.0)]


def test_one_failing_location_of_three_is_not_down_two_are(marts):
    assert availability(marts, "one-of-three")["downtime_minutes"] == 0
    assert availability(marts, "two-of-three")["downtime_minutes"] == 60


def test_44_minutes_is_no_credit_45_is_ten_percent(marts):
    c44, c45 = credit(marts, "down-44"), credit(marts, "down-45")
    assert (c44["breached"], c44["credit_pct"], c44["credit_amount"]) == (False, 0, 0)
    assert c44["claim_status"] == "no_credit"
    assert (c45["breached"], c45["credit_pct"]) == (True, Decimal("10"))
    assert c45["credit_amount"] == Decimal("100.00")
    assert c45["claim_status"] == "not_required" and c45["payable"] is True


def test_exactly_at_a_tier_edge(marts):
    edge = credit(marts, "edge-999")  # 44 min 42 s of 44,700 min is exactly 99.9 %
    assert edge["uptime_pct"] == pytest.approx(99.9, abs=1e-12)
    assert (edge["breached"], edge["credit_pct"], edge["breach_at"]) == (False, 0, None)
    edge99 = credit(marts, "edge-99")  # 447 min is exactly 99.0 %: the 99.0–99.9 tier
    assert edge99["credit_pct"] == Decimal("10")


def test_outage_across_month_end_splits_at_cairo_midnight(marts):
    rows = marts.execute(
        "select service_month, started_at, ended_at, minutes, counted_minutes "
        "from marts.downtime_episodes where tenant_id = 'month-end' order by started_at"
    ).fetchall()
    cairo_midnight = datetime(2026, 9, 30, 21, 0, tzinfo=UTC)
    assert [(r[0], r[3], r[4]) for r in rows] == [("2026-09", 30, 30), ("2026-10", 30, 30)]
    assert rows[0][2] == cairo_midnight and rows[1][1] == cairo_midnight


def test_maintenance_notice_71_hours_counts_72_is_excluded(marts):
    a71, a72 = availability(marts, "maint-71"), availability(marts, "maint-72")
    assert (a71["downtime_minutes"], a71["excluded_minutes"]) == (120, 0)
    assert (a72["downtime_minutes"], a72["excluded_minutes"]) == (0, 120)


def test_overlapping_windows_are_not_subtracted_twice(marts):
    a = availability(marts, "overlap")
    assert (a["downtime_minutes"], a["excluded_minutes"]) == (0, 180)


def test_excluded_minutes_are_the_down_time_inside_the_window(marts):
    a = availability(marts, "window-30")
    assert (a["downtime_minutes"], a["excluded_minutes"]) == (0, 30)


def test_monthly_fee_is_paid_subscriptions_only(marts):
    c = credit(marts, "fees")
    assert c["monthly_fee"] == Decimal("1000.00")
    assert c["credit_amount"] == Decimal("100.00")


def test_jpy_rounds_to_whole_yen_and_breach_claim_window(marts):
    c = credit(marts, "clara-claimed")
    assert c["deciding_component"] == "hardware"
    assert c["credit_pct"] == Decimal("10")
    assert c["credit_amount"] == Decimal("12346")  # 10 % of 123,457 = 12,345.7
    # allowance 446.4 min of 44,640: exceeded 7 h 26 min 24 s into the outage
    assert c["breach_at"] == datetime(2026, 10, 20, 7, 26, 24, tzinfo=UTC)
    # the end of the 14th Tokyo day after the breach day (Oct 20) is Nov 4 00:00 JST
    assert c["claim_deadline"] == datetime(2026, 11, 3, 15, 0, tzinfo=UTC)
    assert (c["claim_status"], c["payable"]) == ("claimed", True)
    late = credit(marts, "clara-late")
    assert (late["claim_status"], late["payable"]) == ("late", False)
    assert late["credit_amount"] == Decimal("12346")
    # its only claim arrives after the run's as-of: as of then, none had come
    gone = credit(marts, "clara-unclaimed")
    assert (gone["claim_status"], gone["payable"]) == ("expired", False)
    assert gone["first_claim_received_at"] is None


def test_three_breached_months_give_termination_right_and_refund(marts):
    assert credit(marts, "term", "2026-08")["consecutive_breaches"] == 1
    assert credit(marts, "term", "2026-09")["termination_right"] is False
    c = credit(marts, "term", "2026-10")
    assert c["consecutive_breaches"] == 3 and c["termination_right"] is True
    # 12,000 × 61 days (Nov 1 – Dec 31) ÷ 365 = 2,005.479… → 2,005.48
    assert c["refund_amount"] == Decimal("2005.48")


def test_money_finer_than_the_currency_rounds_as_the_contract_says(marts):
    # 300 of 44,640 min down: 99.33 %, the plan's 100 % tier; 100 % of 100.005 USD is 100.01
    full = credit(marts, "acme-full")
    assert (full["credit_pct"], full["monthly_fee"]) == (Decimal("100"), Decimal("100.005"))
    assert full["credit_amount"] == Decimal("100.01")
    # three breached months: the whole prepaid year back, 1000.005 × 365 ÷ 365, rounded to
    # 1000.01 and kept within the prepaid amount
    term = credit(marts, "term-fine")
    assert (term["termination_right"], term["refund_amount"]) == (True, Decimal("1000.005"))


def test_no_data_is_full_uptime_and_no_coverage(marts):
    a = availability(marts, "silent")
    assert (a["uptime_pct"], a["coverage_pct"]) == (100, 0)
    assert a["unmonitored_minutes"] == 44700


def test_probe_gap_is_unmonitored_not_down(marts):
    a = availability(marts, "gap")
    # last result 23:58 holds 180 s, to 00:01; results resume at 02:00
    assert a["unmonitored_minutes"] == 119
    assert a["downtime_minutes"] == 0


def test_a_third_policy_needs_no_code(marts):
    api = availability(marts, "acme-1", "api")
    web = availability(marts, "acme-1", "web")
    assert api["total_minutes"] == 44640  # New York October, all daylight time
    assert api["downtime_minutes"] == 300  # 2 failing ≥ quorum 2
    assert web["downtime_minutes"] == 0  # 1 failing < 2; a 100 s outage < 120 s minimum
    c = credit(marts, "acme-1")
    # a credit % kept to 6 places: 2,000.00 × 5.123456 % = 102.46912 → 102.47
    assert (c["deciding_component"], c["credit_pct"]) == ("api", Decimal("5.123456"))
    assert c["credit_amount"] == Decimal("102.47")
    assert c["claim_deadline"] == datetime(2026, 11, 11, 5, 0, tzinfo=UTC)
    assert c["claim_status"] == "expired"


def test_a_long_minimum_is_judged_on_the_whole_episode_after_the_month(marts):
    """Meaning 3: the minimum applies to the whole episode, before splitting at the month end."""
    assert availability(marts, "acme-long", "api")["downtime_minutes"] == 60
    assert availability(marts, "acme-long", "web")["downtime_minutes"] == 0
    pieces = marts.execute(
        """select component, minutes, counted_minutes, episode_minutes
           from marts.downtime_episodes
           where tenant_id = 'acme-long' and service_month = '2026-10' order by component"""
    ).fetchall()
    assert pieces == [("api", 60, 60, 2910), ("web", 60, 0, 2820)]


def test_plan_override_changes_the_target(marts):
    c = credit(marts, "acme-premium")
    assert c["target_pct"] == Decimal("99.9")
    assert c["breached"] is True and c["credit_pct"] == 0 and c["claim_status"] == "no_credit"


def test_only_downtime_inside_the_contract_counts(marts):
    a = availability(marts, "partial")
    assert a["total_minutes"] == 44700
    assert a["downtime_minutes"] == 45


def test_every_active_tenant_has_a_row_per_component(marts):
    n = marts.execute(
        "select count(*) from marts.availability_monthly where service_month = '2026-10'"
    ).fetchone()[0]
    # 18 single-component tenants, 3 clara × 3 components, 5 acme × 2, and the 11 single-
    # component tenants of the commitments' cases
    assert n == 18 + 9 + 10 + 11


# dbt's own unit tests (tier selection, month edges, calendars), run against a copy of the
# session's warehouse so that every upstream relation they introspect exists.
def test_dbt_unit_tests_pass(materialized: Path, tmp_path: Path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(materialized / "warehouse.duckdb", copy)
    # month "": the unit tests give their own month as a var, which SLA_MONTH would override
    result = run_dbt(
        ["test", "--select", "test_type:unit"], copy, tmp_path / "target", AS_OF, month=""
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "PASS=" in result.stdout and "ERROR=0" in result.stdout


def test_an_episode_left_in_a_later_month_warns_without_stopping_the_run(
    materialized: Path, tmp_path: Path
):
    """A policy's new time zone can move an episode into the month before: a range run rebuilds
    that month first, while the later month still holds the old piece until it runs next. The
    range must go on (the grain is episode × month), with a warning, not stop at its first month
    (audit H)."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(materialized / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "insert into marts.downtime_episodes select * replace ('2026-11' as service_month) "
            "from marts.downtime_episodes where service_month = '2026-10' limit 1"
        )
    finally:
        con.close()
    result = run_dbt(
        ["test", "--select", "downtime_episodes", "--exclude-resource-type", "unit_test"],
        copy,
        tmp_path / "target",
        AS_OF,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "WARN=1" in result.stdout and "ERROR=0" in result.stdout, result.stdout[-4000:]


def test_a_refund_is_prorated_exactly_at_every_size(tmp_path: Path):
    """Meaning 9's refund, amount × unused ÷ term days, half-up to the minor unit, on integers
    only (no engine may turn the division into a float). It overflowed 64 bits from about
    10⁹ USD over six years (audit J); it must hold up to the largest amount money keeps."""
    import random
    from decimal import ROUND_HALF_UP, localcontext

    compiled = run_dbt(
        [
            "compile",
            "--quiet",
            "--inline",
            "select {{ prorate_money('a', 'n', 'd', 'm') }} as refund from cases",
        ],
        tmp_path / "empty.duckdb",
        tmp_path / "target",
        AS_OF,
    )
    assert compiled.returncode == 0, compiled.stdout[-4000:]
    sql = compiled.stdout[compiled.stdout.index("select") :]
    rng = random.Random(9)
    cases = [
        ("99999999999999.99", 3652059, 3652059, 2),  # the whole of 0001-01-01..9999-12-31
        ("99999999999999.9999", 1, 3652059, 0),
        ("10000000000", 61, 365, 2),  # audit J: 1,671,232,876.71
        ("3000000000", 1887, 2191, 2),  # audit J: 2,583,751,711.55
        ("1000.005", 10, 10, 2),  # a whole unused term keeps its fraction (clamped later)
        ("6.6612", 274, 365, 2),  # 5.005 exactly: half-up to 5.01
        ("3.6966", 274, 365, 3),  # 2.7775: half-up to 2.778
        ("183", 274, 365, 0),  # 137.5 JPY: 138
    ]
    for _ in range(300):
        term = rng.choice([1, 28, 365, 366, 1095, 36525, 3652059])
        amount = Decimal(rng.randrange(0, 10**18 - 10**4)) / 10000
        cases.append((str(amount), rng.randint(0, term), term, rng.choice([0, 2, 3])))
    con = duckdb.connect()
    try:
        con.execute("create table cases (a decimal(18, 4), n bigint, d bigint, m integer)")
        con.executemany("insert into cases values (?, ?, ?, ?)", cases)
        got = [r[0] for r in con.execute(sql).fetchall()]
    finally:
        con.close()
    for (amount, unused, term, minor), refund in zip(cases, got, strict=True):
        with localcontext() as ctx:
            ctx.prec = 60
            exact = Decimal(amount) * unused / term
            want = exact.quantize(Decimal(1).scaleb(-minor), rounding=ROUND_HALF_UP)
        assert refund == want, (amount, unused, term, minor, refund, want)
