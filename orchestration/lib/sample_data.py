"""Deterministic sample inputs for the SLA platform.

Everything derives from one ``random.Random(2026)`` so tests and docs can rely on stable
tenant ids, scenarios and row counts. Scenario dates are anchored on the first requested
month (defaults: 2026-08, 2026-09, 2026-10); ``SCENARIOS`` says which tenant exercises which
rule and what outcome a correct pipeline should reach.

Run: ``python -m orchestration.lib.sample_data --data-dir data [--force]``
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import pathlib
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import holidays
import icalendar
import numpy as np
import polars as pl

SEED = 2026
DEFAULT_MONTHS = ("2026-08", "2026-09", "2026-10")

# 120 s keeps every location's last check younger than the policies' 180 s staleness limit
# even with jitter, while halving the volume of a 60 s cadence.
PROBE_INTERVAL_SECONDS = 120
PROBE_JITTER_SECONDS = 5
# Rechecks after a blip land 30 s later, i.e. under the 60 s minimum downtime.
BLIP_RECHECK_SECONDS = 30
# Noise is a lone failing check; it must never line up with another location's failure,
# otherwise it would become (unintended) majority downtime.
NOISE_PROBABILITY = 0.0015
QUIET_MARGIN_SECONDS = 600

CLARUS = "clarus-2026"
CLARA = "clara-dedicated-2024"
POLICY_TZ = {CLARUS: ZoneInfo("Africa/Cairo"), CLARA: ZoneInfo("Asia/Tokyo")}
POLICY_COMPONENTS = {CLARUS: ("core",), CLARA: ("hardware", "network", "internet")}
MINOR_UNITS = {"JPY": 0, "KWD": 3, "EGP": 2, "USD": 2, "EUR": 2}

POLICIES_YAML = """\
# SLA policies. clarus-2026 mirrors the signed Clarus terms. For clara-dedicated-2024 the
# credit tiers, min_downtime_seconds, quorum, stale_after_seconds and business_calendar are
# PLACEHOLDERS that finance is expected to replace with the contract's actual values.
- policy_id: clarus-2026
  timezone: Africa/Cairo
  components: [core]
  uptime_target_pct: 99.9
  combine: worst
  min_downtime_seconds: 60
  quorum: majority
  stale_after_seconds: 180
  maintenance_notice_hours: 72
  credit_tiers:
    - {below_pct: 99.9, at_or_above_pct: 99.0, credit_pct: 10}
    - {below_pct: 99.0, at_or_above_pct: 95.0, credit_pct: 25}
    - {below_pct: 95.0, at_or_above_pct: 0.0, credit_pct: 50}
  credit_cap_pct: 50
  claim: {required: false, window_days: 30, anchor: month_end}
  termination_after_consecutive_breaches: 3
  response_targets:
    - {severity: P1, minutes: 60, clock: 24x7}
    - {severity: P2, minutes: 240, clock: business}
    - {severity: P3, minutes: 540, clock: business}
    - {severity: P4, minutes: 1080, clock: business}
  business_calendar:
    timezone: Africa/Cairo
    weekdays: [Sun, Mon, Tue, Wed, Thu]
    opens: "09:00"
    closes: "18:00"
    holidays: EG
  statement_languages: [en, ar]
  plan_overrides:
    extended: {business_calendar: {weekdays: [Sat, Sun, Mon, Tue, Wed, Thu], opens: "08:00", closes: "22:00"}}
- policy_id: clara-dedicated-2024
  timezone: Asia/Tokyo
  components: [hardware, network, internet]
  uptime_target_pct: 99.0
  combine: worst
  min_downtime_seconds: 60
  quorum: majority
  stale_after_seconds: 180
  maintenance_notice_hours: 72
  credit_tiers:
    - {below_pct: 99.0, at_or_above_pct: 95.0, credit_pct: 10}
    - {below_pct: 95.0, at_or_above_pct: 90.0, credit_pct: 25}
    - {below_pct: 90.0, at_or_above_pct: 0.0, credit_pct: 50}
  credit_cap_pct: 50
  claim: {required: true, window_days: 14, anchor: breach}
  termination_after_consecutive_breaches: null
  response_targets: []
  business_calendar:
    timezone: Asia/Tokyo
    weekdays: [Mon, Tue, Wed, Thu, Fri]
    opens: "09:00"
    closes: "18:00"
    holidays: JP
  plan_overrides: {}
"""  # noqa: E501 - the policy text is part of the data contract and is kept verbatim

# m0/m1/m2 are the first/second/third requested month; times are the tenant's policy zone.
# "Expected" assumes probes are judged by majority quorum, 60 s minimum downtime, 72 h notice
# and that overlapping exclusions/windows are subtracted once.
SCENARIOS: dict[str, str] = {
    "clarus-t01": "clean; m0 45 min outage inside '*' window mw-2026-001; m2 blip storm "
    "(120 x ~30 s, all under 60 s) -> no breach in any month",
    "clarus-t02": "m0 90 min outage -> tier 10%; m1 90 min outage inside '*' force_majeure "
    "ex-2026-001; m2 50 min outage under beta_feature ex-2026-006 -> m1/m2 clean",
    "clarus-t03": "prepaid annual term; breached m0 (130 min, 10%), m1 (10 h, 25%), m2 (120 min "
    "+ 20 min flapping, 10%) -> termination right in m2; claim cl-2026-006 (not required)",
    "clarus-t04": "KWD; m0 60 min inside '*' window; m1 12.5 h outage -> 25%",
    "clarus-t05": "EUR; m1 70 min inside ex-2026-001; m2 40 h outage -> 50% (tier 3)",
    "clarus-t06": "outage m1 last day 23:25 -> m2 day 1 01:10 Cairo: m1 35 min (no breach), "
    "m2 70 min (10%)",
    "clarus-t07": "extended plan; flapping twice in m0; single-location (fra) 1 h in m1; "
    "48 h suspension ex-2026-005 in m1 (unpaid m1 subscription) -> clean",
    "clarus-t08": "extended plan; m1 150 min outage inside scheduled mw-2026-002; probe gaps "
    "m0 30 min and m1 3 h (Unmonitored); single-location (iad) 1 h in m2",
    "clarus-t09": "contract starts m1 day 15; probes from m1 day 13; 4 h outage before start "
    "(ignored); m1 60 min outage -> 10%; setup charge",
    "clarus-t10": "contract ends m2 day 15; probes until m2 day 17; 8 h outage on m2 day 16 "
    "(after end, ignored); 1 h probe gap m2",
    "clarus-t11": "two locations (fra, iad); prepaid term; m0 iad alone down 2 h (1 of 2 is no "
    "majority); m1 50 min outage -> 10%",
    "clarus-t12": "m0 5 h outage; window mw-2026-006 covers 00:00-02:30, security_emergency "
    "ex-2026-003 covers 01:30-04:00 -> 60 min counted -> 10% (0 if subtracted twice)",
    "clarus-t13": "m1 110 min outage inside mw-2026-003 announced only 48 h ahead -> counted "
    "-> 10%",
    "clarus-t14": "prepaid term; m2 80 min outage inside emergency window mw-2026-004 (an "
    "emergency window needs no notice) -> excluded -> clean",
    "clarus-t15": "mw-2026-005 rescheduled from m2 day 8 to day 10; 50 min outage at the old "
    "time counts (10%), 30 min outage at the new time is excluded",
    "clarus-t16": "two locations (fra, sin); m2 90 min outage inside ICS window; m2 2 h 55 min "
    "outage inside customer_caused ex-2026-004 -> clean; 45 min probe gap m1",
    "clara-s01": "clean; m1 internet 90 min inside '*' force_majeure ex-2026-001",
    "clara-s02": "m0 hardware 10 h -> 10%, claim cl-2026-001 in time; m2 hardware 40 h -> 25%, "
    "claim cl-2026-007 in time",
    "clara-s03": "m1 network 45 h (first 2 h inside mw-2026-007) -> 25% tier, but claim "
    "cl-2026-002 is late -> no credit",
    "clara-s04": "m2 internet 90 h -> 50% (tier 3); claim cl-2026-005 in time",
    "clara-s05": "two locations (iad, sin); m1 internet 12 h, 8 h of it excluded for component "
    "internet (ex-2026-002) -> 4 h, no breach; m0 hardware sin alone down 2 h",
    "clara-s06": "USD; ICS weekly window (4 x, one EXDATE) in m2: network 1 h in occurrence 1 "
    "(excluded), 1 h on the EXDATE (counted), hardware 7 h 45 min -> the worst component "
    "(hardware, 98.96 %) decides -> 10%; claim cl-2026-003 filed twice",
    "clara-s07": "two locations (sin, iad); m0 hardware 4 h, network 8 h -> network decides "
    "(98.92 %) -> 10%, claim cl-2026-004; m1 hardware 4 h and internet 4 h -> no breach",
    "clara-s08": "m0 network flapping; m1 3 h all-component probe gap; m1 hardware 80 min in "
    "ex-2026-001; m2 30 min internet gap; unpaid m2 subscription",
}


# --------------------------------------------------------------------------------------------
# Calendar helpers


def _parse_months(months: Iterable[str]) -> list[tuple[int, int]]:
    parsed = []
    for text in months:
        year, month = (int(part) for part in text.split("-"))
        parsed.append((year, month))
    if not parsed:
        raise ValueError("at least one month is required")
    for prev, cur in zip(parsed, parsed[1:], strict=False):
        if _shift(prev, 1) != cur:
            raise ValueError(f"months must be consecutive and ascending: {list(months)}")
    return parsed


def _shift(ym: tuple[int, int], k: int) -> tuple[int, int]:
    idx = ym[0] * 12 + ym[1] - 1 + k
    return idx // 12, idx % 12 + 1


def _month_label(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


def _month_days(ym: tuple[int, int]) -> int:
    nxt = _shift(ym, 1)
    return (date(nxt[0], nxt[1], 1) - date(ym[0], ym[1], 1)).days


def _local_month_start(ym: tuple[int, int], tz: ZoneInfo) -> datetime:
    return datetime(ym[0], ym[1], 1, tzinfo=tz)


def _epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def _iso_local(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _iso_z(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(value: Decimal | int | str, currency: str) -> str:
    quantum = Decimal(1).scaleb(-MINOR_UNITS[currency])
    return f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):f}"


# --------------------------------------------------------------------------------------------
# Tenants and contracts


@dataclass(frozen=True)
class _Tenant:
    tenant_id: str
    name: str
    policy_id: str
    plan_tier: str
    currency: str
    monthly_fee: str
    starts_on: date
    ends_on: date | None = None
    prepaid_from: date | None = None
    prepaid_through: date | None = None
    prepaid_amount: str = ""
    locations: tuple[str, ...] = ("fra", "iad", "sin")

    @property
    def tz(self) -> ZoneInfo:
        return POLICY_TZ[self.policy_id]

    @property
    def components(self) -> tuple[str, ...]:
        return POLICY_COMPONENTS[self.policy_id]


def _tenants(anchor: tuple[int, int]) -> list[_Tenant]:
    year = anchor[0]
    m1, m2 = _shift(anchor, 1), _shift(anchor, 2)
    d = date
    return [
        _Tenant("clarus-t01", "Nile Logistics", CLARUS, "standard", "EGP", "42500", d(2025, 3, 1)),
        _Tenant("clarus-t02", "Delta Fintech", CLARUS, "standard", "USD", "1250", d(2025, 11, 1)),
        _Tenant(
            "clarus-t03",
            "Pharos Health",
            CLARUS,
            "standard",
            "EGP",
            "51000",
            d(year, 1, 1),
            d(year, 12, 31),
            d(year, 1, 1),
            d(year, 12, 31),
            "612000.00",
        ),
        _Tenant(
            "clarus-t04", "Gulf Retail Group", CLARUS, "standard", "KWD", "385.125", d(2025, 6, 15)
        ),
        _Tenant("clarus-t05", "Alster Media", CLARUS, "standard", "EUR", "980", d(year, 2, 1)),
        _Tenant("clarus-t06", "Cairo Mobility", CLARUS, "standard", "EGP", "38900", d(2024, 9, 1)),
        _Tenant("clarus-t07", "Sahara Games", CLARUS, "extended", "USD", "2400", d(2025, 1, 1)),
        _Tenant(
            "clarus-t08", "Kuwait Trade Hub", CLARUS, "extended", "KWD", "720.500", d(2025, 9, 1)
        ),
        _Tenant(
            "clarus-t09", "Luxor Analytics", CLARUS, "standard", "EUR", "1150", d(m1[0], m1[1], 15)
        ),
        _Tenant(
            "clarus-t10",
            "Red Sea Travel",
            CLARUS,
            "standard",
            "USD",
            "1100",
            d(2025, 4, 1),
            d(m2[0], m2[1], 15),
        ),
        _Tenant(
            "clarus-t11",
            "Alexandria EdTech",
            CLARUS,
            "standard",
            "USD",
            "900",
            d(year, 4, 1),
            None,
            d(year, 4, 1),
            d(year + 1, 3, 31),
            "10800.00",
            ("fra", "iad"),
        ),
        _Tenant("clarus-t12", "Sinai Energy", CLARUS, "standard", "EGP", "56000", d(2025, 7, 1)),
        _Tenant("clarus-t13", "Rhein Payments", CLARUS, "standard", "EUR", "1480", d(2025, 10, 1)),
        _Tenant(
            "clarus-t14",
            "Ahmadi Telecom",
            CLARUS,
            "standard",
            "KWD",
            "360.500",
            d(year, 7, 1),
            None,
            d(year, 7, 1),
            d(year + 1, 6, 30),
            "4326.000",
        ),
        _Tenant("clarus-t15", "Giza Foods", CLARUS, "standard", "EGP", "29750", d(2025, 2, 1)),
        _Tenant(
            "clarus-t16",
            "Maas Insights",
            CLARUS,
            "standard",
            "EUR",
            "1020",
            d(2025, 12, 1),
            locations=("fra", "sin"),
        ),
        _Tenant("clara-s01", "Sakura Render", CLARA, "dedicated", "JPY", "128000", d(2024, 4, 1)),
        _Tenant("clara-s02", "Kanda Robotics", CLARA, "dedicated", "JPY", "256000", d(2024, 7, 1)),
        _Tenant("clara-s03", "Minato Games", CLARA, "dedicated", "JPY", "198000", d(2024, 10, 1)),
        _Tenant("clara-s04", "Umeda Labs", CLARA, "dedicated", "JPY", "312000", d(2025, 1, 1)),
        _Tenant(
            "clara-s05",
            "Shibuya Stream",
            CLARA,
            "dedicated",
            "JPY",
            "164000",
            d(2025, 4, 1),
            locations=("iad", "sin"),
        ),
        _Tenant("clara-s06", "Pacifica Data", CLARA, "dedicated", "USD", "2850", d(2024, 6, 1)),
        _Tenant(
            "clara-s07",
            "Nagoya Motion",
            CLARA,
            "dedicated",
            "JPY",
            "142000",
            d(2025, 8, 1),
            locations=("sin", "iad"),
        ),
        _Tenant("clara-s08", "Tenjin Bio", CLARA, "dedicated", "JPY", "88000", d(2024, 5, 1)),
    ]


def _contract_rows(tenants: list[_Tenant]) -> list[list[str]]:
    def fmt(value: date | None) -> str:
        return value.isoformat() if value else ""

    return [
        [
            t.tenant_id,
            t.name,
            t.policy_id,
            t.plan_tier,
            t.currency,
            fmt(t.starts_on),
            fmt(t.ends_on),
            fmt(t.prepaid_from),
            fmt(t.prepaid_through),
            _money(t.prepaid_amount, t.currency) if t.prepaid_amount else "",
        ]
        for t in tenants
    ]


def _charge_rows(tenants: list[_Tenant], months: list[tuple[int, int]]) -> list[list[str]]:
    by_id = {t.tenant_id: t for t in tenants}
    # Unpaid lines sit on tenants whose scenarios mention them (suspension, dunning).
    unpaid = {("clarus-t07", 1), ("clara-s08", 2)}
    extras: list[tuple[str, int, str, str]] = [
        ("clarus-t02", -1, "addon", "150"),
        ("clarus-t04", 1, "addon", "12.375"),
        ("clarus-t05", 0, "one_off", "2400"),
        ("clarus-t07", 0, "addon", "320"),
        ("clarus-t07", 2, "addon", "320"),
        ("clarus-t09", 1, "setup", "500"),
        ("clarus-t12", 2, "one_off", "8500"),
        ("clara-s01", -1, "hardware", "45000"),
        ("clara-s04", -1, "hardware", "96000"),
        ("clara-s06", -1, "addon", "250"),
        ("clara-s07", 1, "hardware", "380000"),
    ]
    rows: list[tuple[str, str, str, str, str, str]] = []
    for mi, ym in enumerate(months):
        first = date(ym[0], ym[1], 1)
        days = _month_days(ym)
        last = first + timedelta(days=days - 1)
        for t in tenants:
            lo = max(first, t.starts_on)
            hi = min(last, t.ends_on) if t.ends_on else last
            if hi < lo:
                continue
            if (
                t.prepaid_from
                and t.prepaid_through
                and t.prepaid_from <= first <= t.prepaid_through
            ):
                term_months = (
                    (t.prepaid_through.year - t.prepaid_from.year) * 12
                    + t.prepaid_through.month
                    - t.prepaid_from.month
                    + 1
                )
                amount = Decimal(t.prepaid_amount) / term_months
            else:
                active = (hi - lo).days + 1
                amount = Decimal(t.monthly_fee) * active / days
            paid = "false" if (t.tenant_id, mi) in unpaid else "true"
            rows.append(
                (
                    _month_label(ym),
                    t.tenant_id,
                    "subscription",
                    _money(amount, t.currency),
                    t.currency,
                    paid,
                )
            )
        for tid, when, kind, amount in extras:
            if when in (-1, mi):
                t = by_id[tid]
                rows.append(
                    (_month_label(ym), tid, kind, _money(amount, t.currency), t.currency, "true")
                )
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [
        [f"ch-{i:05d}", r[1], r[0], r[2], r[3], r[4], r[5]] for i, r in enumerate(rows, start=1)
    ]


# --------------------------------------------------------------------------------------------
# Scenario catalogue: probe events, maintenance, exclusions, claims


@dataclass(frozen=True)
class _Event:
    tenant_id: str
    kind: str  # outage | flap | gap
    start: datetime
    end: datetime
    components: tuple[str, ...] | None = None
    locations: tuple[str, ...] | None = None


@dataclass
class _Scenario:
    events: list[_Event]
    windows: list[list[str]]
    exclusions: list[list[str]]
    claims: list[list[str]]
    probe_bounds: dict[str, tuple[datetime | None, datetime | None]]
    ics: icalendar.Calendar


def _scenario(tenants: list[_Tenant], anchor: tuple[int, int]) -> _Scenario:
    tz = {t.tenant_id: t.tz for t in tenants}

    def at(tid: str, mi: int, day: int, hhmm: str = "00:00") -> datetime:
        y, m = _shift(anchor, mi)
        hh, mm = (int(p) for p in hhmm.split(":"))
        # Wall-clock arithmetic on purpose: "day N at HH:MM" in the tenant's zone.
        return datetime(y, m, 1, hh, mm, tzinfo=tz[tid]) + timedelta(days=day - 1)

    def utc(mi: int, day: int, hhmm: str) -> datetime:
        y, m = _shift(anchor, mi)
        hh, mm = (int(p) for p in hhmm.split(":"))
        return datetime(y, m, day, hh, mm, tzinfo=UTC)

    events: list[_Event] = []

    def add(
        tid: str,
        kind: str,
        start: datetime,
        end: datetime,
        components: tuple[str, ...] | None = None,
        locations: tuple[str, ...] | None = None,
    ) -> None:
        events.append(_Event(tid, kind, start, end, components, locations))

    def out(
        tid: str,
        mi: int,
        day: int,
        start: str,
        end: str,
        end_day: int | None = None,
        **kw: tuple[str, ...],
    ) -> None:
        add(
            tid,
            "outage",
            at(tid, mi, day, start),
            at(tid, mi, end_day or day, end),
            **kw,
        )

    # Clarus (Cairo)
    out("clarus-t01", 0, 16, "01:30", "02:15")
    out("clarus-t02", 0, 11, "14:05", "15:35")
    out("clarus-t02", 1, 20, "13:05", "14:35")
    out("clarus-t02", 2, 6, "15:00", "15:50")
    out("clarus-t03", 0, 5, "03:00", "05:10")
    out("clarus-t03", 1, 12, "20:00", "06:00", end_day=13)
    out("clarus-t03", 2, 7, "09:00", "11:00")
    add("clarus-t03", "flap", at("clarus-t03", 2, 21, "14:00"), at("clarus-t03", 2, 21, "14:20"))
    out("clarus-t04", 0, 16, "01:20", "02:20")
    out("clarus-t04", 1, 8, "08:00", "20:30")
    out("clarus-t05", 1, 20, "13:10", "14:20")
    out("clarus-t05", 2, 3, "22:00", "14:00", end_day=5)
    month_turn = at("clarus-t06", 2, 1)
    add(
        "clarus-t06",
        "outage",
        month_turn - timedelta(minutes=35),
        month_turn + timedelta(minutes=70),
    )
    add("clarus-t07", "flap", at("clarus-t07", 0, 9, "11:00"), at("clarus-t07", 0, 9, "11:20"))
    add("clarus-t07", "flap", at("clarus-t07", 0, 23, "16:40"), at("clarus-t07", 0, 23, "17:00"))
    out("clarus-t07", 1, 14, "10:00", "11:00", locations=("fra",))
    out("clarus-t07", 1, 25, "00:00", "23:55", end_day=26)
    out("clarus-t08", 1, 9, "22:00", "00:30", end_day=10)
    add("clarus-t08", "gap", at("clarus-t08", 1, 17, "03:00"), at("clarus-t08", 1, 17, "06:00"))
    add("clarus-t08", "gap", at("clarus-t08", 0, 27, "12:00"), at("clarus-t08", 0, 27, "12:30"))
    out("clarus-t08", 2, 12, "13:00", "14:00", locations=("iad",))
    out("clarus-t09", 1, 13, "10:00", "14:00")
    out("clarus-t09", 1, 22, "09:00", "10:00")
    add("clarus-t10", "gap", at("clarus-t10", 2, 5, "04:00"), at("clarus-t10", 2, 5, "05:00"))
    out("clarus-t10", 2, 16, "08:00", "16:00")
    out("clarus-t11", 0, 19, "09:00", "11:00", locations=("iad",))
    out("clarus-t11", 1, 3, "11:00", "11:50")
    out("clarus-t12", 0, 22, "00:00", "05:00")
    out("clarus-t13", 1, 24, "02:10", "04:00")
    out("clarus-t14", 2, 19, "15:05", "16:25")
    out("clarus-t15", 2, 8, "01:10", "02:00")
    out("clarus-t15", 2, 10, "01:30", "02:00")
    out("clarus-t16", 2, 14, "02:15", "03:45")
    out("clarus-t16", 2, 26, "10:00", "12:55")
    add("clarus-t16", "gap", at("clarus-t16", 1, 2, "09:00"), at("clarus-t16", 1, 2, "09:45"))

    # Clara (Tokyo)
    hw, nw, inet = ("hardware",), ("network",), ("internet",)
    out("clara-s01", 1, 20, "19:05", "20:35", components=inet)
    out("clara-s02", 0, 12, "08:00", "18:00", components=hw)
    out("clara-s02", 2, 9, "00:00", "16:00", end_day=10, components=hw)
    out("clara-s03", 1, 3, "06:00", "03:00", end_day=5, components=nw)
    out("clara-s04", 2, 22, "06:00", "00:00", end_day=26, components=inet)
    out("clara-s05", 1, 10, "00:00", "12:00", components=inet)
    out("clara-s05", 0, 15, "10:00", "12:00", components=hw, locations=("sin",))
    out("clara-s06", 2, 6, "01:30", "02:30", components=nw)
    out("clara-s06", 2, 13, "01:30", "02:30", components=nw)
    out("clara-s06", 2, 20, "09:00", "16:45", components=hw)
    out("clara-s07", 0, 18, "02:00", "06:00", components=hw)
    out("clara-s07", 0, 19, "10:00", "18:00", components=nw)
    out("clara-s07", 1, 7, "10:00", "14:00", components=hw)
    out("clara-s07", 1, 7, "11:00", "15:00", components=inet)
    add(
        "clara-s08",
        "flap",
        at("clara-s08", 0, 5, "20:00"),
        at("clara-s08", 0, 5, "20:20"),
        components=nw,
    )
    add("clara-s08", "gap", at("clara-s08", 1, 11, "02:00"), at("clara-s08", 1, 11, "05:00"))
    add(
        "clara-s08",
        "gap",
        at("clara-s08", 2, 2, "10:00"),
        at("clara-s08", 2, 2, "10:30"),
        components=inet,
    )
    out("clara-s08", 1, 20, "19:10", "20:30", components=hw)

    # Maintenance windows: local offsets for start/end, UTC for the announcement.
    def window(
        wid: str,
        tid: str,
        start: datetime,
        end: datetime,
        announced: datetime | None,
        kind: str = "scheduled",
    ) -> list[str]:
        return [
            wid,
            tid,
            _iso_local(start),
            _iso_local(end),
            _iso_z(announced) if announced else "",
            kind,
        ]

    def cairo_at(mi: int, day: int, hhmm: str) -> datetime:
        return at("clarus-t01", mi, day, hhmm)

    t13_start = at("clarus-t13", 1, 24, "02:00")
    windows = [
        window(
            "mw-2026-001",
            "*",
            cairo_at(0, 16, "01:00"),
            cairo_at(0, 16, "04:00"),
            utc(0, 6, "09:00"),
        ),
        window(
            "mw-2026-002",
            "clarus-t08",
            at("clarus-t08", 1, 9, "21:00"),
            at("clarus-t08", 1, 10, "02:00"),
            utc(1, 4, "08:00"),
        ),
        window(
            "mw-2026-003",
            "clarus-t13",
            t13_start,
            at("clarus-t13", 1, 24, "04:00"),
            t13_start - timedelta(hours=48),
        ),
        window(
            "mw-2026-004",
            "clarus-t14",
            at("clarus-t14", 2, 19, "15:00"),
            at("clarus-t14", 2, 19, "16:30"),
            None,
            "emergency",
        ),
        window(
            "mw-2026-005",
            "clarus-t15",
            at("clarus-t15", 2, 8, "01:00"),
            at("clarus-t15", 2, 8, "03:00"),
            utc(1, 25, "10:00"),
        ),
        window(
            "mw-2026-005",
            "clarus-t15",
            at("clarus-t15", 2, 10, "01:00"),
            at("clarus-t15", 2, 10, "03:00"),
            utc(1, 28, "10:00"),
        ),
        window(
            "mw-2026-006",
            "clarus-t12",
            at("clarus-t12", 0, 22, "00:00"),
            at("clarus-t12", 0, 22, "02:30"),
            utc(0, 15, "07:00"),
        ),
        window(
            "mw-2026-007",
            "clara-s03",
            at("clara-s03", 1, 3, "06:00"),
            at("clara-s03", 1, 3, "08:00"),
            utc(0, 24, "01:00"),
        ),
    ]

    def exclusion(
        xid: str, tid: str, component: str, start: datetime, end: datetime, reason: str, note: str
    ) -> list[str]:
        fmt = _iso_z if tid == "*" else _iso_local
        return [xid, tid, component, fmt(start), fmt(end), reason, note]

    exclusions = [
        exclusion(
            "ex-2026-001",
            "*",
            "",
            utc(1, 20, "10:00"),
            utc(1, 20, "11:40"),
            "force_majeure",
            "Regional power grid failure at the primary data centre",
        ),
        exclusion(
            "ex-2026-002",
            "clara-s05",
            "internet",
            at("clara-s05", 1, 10, "00:00"),
            at("clara-s05", 1, 10, "08:00"),
            "outside_control",
            "Upstream carrier fibre cut (carrier ticket NTT-88412)",
        ),
        exclusion(
            "ex-2026-003",
            "clarus-t12",
            "",
            at("clarus-t12", 0, 22, "01:30"),
            at("clarus-t12", 0, 22, "04:00"),
            "security_emergency",
            "Emergency patching for a critical CVE; overlaps mw-2026-006",
        ),
        exclusion(
            "ex-2026-004",
            "clarus-t16",
            "core",
            at("clarus-t16", 2, 26, "10:00"),
            at("clarus-t16", 2, 26, "13:00"),
            "customer_caused",
            "Customer deleted the production DNS zone",
        ),
        exclusion(
            "ex-2026-005",
            "clarus-t07",
            "",
            at("clarus-t07", 1, 25, "00:00"),
            at("clarus-t07", 1, 27, "00:00"),
            "suspension",
            "Service suspended for an overdue invoice",
        ),
        exclusion(
            "ex-2026-006",
            "clarus-t02",
            "",
            at("clarus-t02", 2, 6, "15:00"),
            at("clarus-t02", 2, 6, "15:55"),
            "beta_feature",
            "Outage confined to the beta GraphQL gateway",
        ),
    ]

    def month_end_plus(tid: str, mi: int, days: int, hhmm: str) -> datetime:
        return at(tid, mi + 1, days, hhmm)

    claims = [
        [
            "cl-2026-001",
            "clara-s02",
            _month_label(anchor),
            _iso_local(at("clara-s02", 0, 24, "10:15")),
        ],
        [
            "cl-2026-002",
            "clara-s03",
            _month_label(_shift(anchor, 1)),
            _iso_local(at("clara-s03", 2, 25, "16:40")),
        ],
        [
            "cl-2026-003",
            "clara-s06",
            _month_label(_shift(anchor, 2)),
            _iso_local(at("clara-s06", 2, 28, "09:05")),
        ],
        [
            "cl-2026-003",
            "clara-s06",
            _month_label(_shift(anchor, 2)),
            _iso_local(at("clara-s06", 2, 29, "11:30")),
        ],
        [
            "cl-2026-004",
            "clara-s07",
            _month_label(anchor),
            _iso_local(at("clara-s07", 0, 30, "14:00")),
        ],
        [
            "cl-2026-005",
            "clara-s04",
            _month_label(_shift(anchor, 2)),
            _iso_local(month_end_plus("clara-s04", 2, 2, "09:20")),
        ],
        [
            "cl-2026-006",
            "clarus-t03",
            _month_label(_shift(anchor, 1)),
            _iso_local(at("clarus-t03", 2, 3, "12:00")),
        ],
        [
            "cl-2026-007",
            "clara-s02",
            _month_label(_shift(anchor, 2)),
            _iso_local(at("clara-s02", 2, 20, "17:45")),
        ],
    ]

    probe_bounds: dict[str, tuple[datetime | None, datetime | None]] = {
        # Monitoring is provisioned two days before a contract starts and removed a day after
        # it ends, so probes exist outside the contract and must be clipped to it.
        "clarus-t09": (at("clarus-t09", 1, 13), None),
        "clarus-t10": (None, at("clarus-t10", 2, 17)),
    }

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Platform Ops//Maintenance//EN")
    cal.add("version", "2.0")
    one_off = icalendar.Event()
    one_off.add("uid", "mw-ics-0001@ops.platform.example")
    one_off.add("summary", "Storage firmware upgrade")
    created = utc(2, 1, "08:30")
    one_off.add("dtstamp", created)
    one_off.add("created", created)
    one_off.add("dtstart", at("clarus-t16", 2, 14, "02:00"))
    one_off.add("dtend", at("clarus-t16", 2, 14, "04:00"))
    one_off.add("categories", ["scheduled"])
    one_off.add("x-tenant-id", "clarus-t16")
    cal.add_component(one_off)
    weekly = icalendar.Event()
    weekly.add("uid", "mw-ics-0002@ops.platform.example")
    weekly.add("summary", "Weekly network switch maintenance")
    created = utc(1, 15, "02:00")
    weekly.add("dtstamp", created)
    weekly.add("created", created)
    weekly.add("dtstart", at("clara-s06", 2, 6, "01:00"))
    weekly.add("dtend", at("clara-s06", 2, 6, "03:00"))
    weekly.add("rrule", {"freq": "weekly", "count": 4})
    weekly.add("exdate", at("clara-s06", 2, 13, "01:00"))
    weekly.add("categories", ["scheduled"])
    weekly.add("x-tenant-id", "clara-s06")
    cal.add_component(weekly)
    cal.add_missing_timezones()

    return _Scenario(events, windows, exclusions, claims, probe_bounds, cal)


# --------------------------------------------------------------------------------------------
# Probes


_LATENCY_BASE_MS = {
    CLARUS: {"fra": 38.0, "iad": 112.0, "sin": 146.0},
    CLARA: {"fra": 228.0, "iad": 152.0, "sin": 71.0},
}
_COMPONENT_FACTOR = {"core": 1.0, "hardware": 0.35, "network": 0.8, "internet": 1.15}


def _mask_intervals(ts: np.ndarray, intervals: Iterable[tuple[int, int]]) -> np.ndarray:
    """True where ts falls in any [start, end); ts must be sorted."""
    mask = np.zeros(ts.shape[0], dtype=bool)
    for start, end in intervals:
        lo, hi = np.searchsorted(ts, [start, end], side="left")
        mask[lo:hi] = True
    return mask


def _blips(
    rng: random.Random,
    tenants: list[_Tenant],
    months: list[tuple[int, int]],
    events: list[_Event],
) -> dict[str, list[tuple[str, int]]]:
    busy: dict[str, list[tuple[int, int]]] = {t.tenant_id: [] for t in tenants}
    for e in events:
        busy[e.tenant_id].append((_epoch(e.start) - 5400, _epoch(e.end) + 5400))
    out: dict[str, list[tuple[str, int]]] = {t.tenant_id: [] for t in tenants}
    for t in tenants:
        for mi, ym in enumerate(months):
            lo = _epoch(_local_month_start(ym, t.tz)) + 3600
            hi = _epoch(_local_month_start(_shift(ym, 1), t.tz)) - 3600
            count = 120 if (t.tenant_id == "clarus-t01" and mi == 2) else rng.randint(2, 4)
            placed: list[int] = []
            while len(placed) < count:
                when = rng.randrange(lo, hi)
                clash = any(s <= when < e for s, e in busy[t.tenant_id])
                if clash or any(abs(when - p) < 900 for p in placed):
                    continue
                placed.append(when)
            for when in sorted(placed):
                out[t.tenant_id].append((rng.choice(t.components), when))
    return out


def _probe_frame(
    rng: random.Random,
    tenants: list[_Tenant],
    months: list[tuple[int, int]],
    scenario: _Scenario,
) -> pl.DataFrame:
    nrng = np.random.default_rng(rng.getrandbits(64))
    blips = _blips(rng, tenants, months, scenario.events)
    n_months = len(months)
    cols: dict[str, list[np.ndarray]] = {"sid": [], "ts": [], "ok": [], "lat": [], "month": []}
    series: list[tuple[str, str, str]] = []

    for t in tenants:
        start = _epoch(_local_month_start(months[0], t.tz) - timedelta(days=1))
        end = _epoch(_local_month_start(_shift(months[-1], 1), t.tz) + timedelta(days=1))
        lo_bound, hi_bound = scenario.probe_bounds.get(t.tenant_id, (None, None))
        if lo_bound:
            start = max(start, _epoch(lo_bound))
        if hi_bound:
            end = min(end, _epoch(hi_bound))
        month_edges = np.array(
            [_epoch(_local_month_start(ym, t.tz)) for ym in months[1:]], dtype=np.int64
        )
        t_events = [e for e in scenario.events if e.tenant_id == t.tenant_id]
        quiet = [
            (_epoch(e.start) - QUIET_MARGIN_SECONDS, _epoch(e.end) + QUIET_MARGIN_SECONDS)
            for e in t_events
        ]
        quiet += [
            (w - QUIET_MARGIN_SECONDS, w + QUIET_MARGIN_SECONDS) for _, w in blips[t.tenant_id]
        ]
        salt = int(t.tenant_id[-2:])
        utc_offset = datetime.fromtimestamp(start, t.tz).utcoffset().total_seconds()
        n_loc = len(t.locations)

        for component in t.components:
            for li, location in enumerate(t.locations):
                sid = len(series)
                series.append((t.tenant_id, component, location))
                phase = int(nrng.integers(0, PROBE_INTERVAL_SECONDS))
                n = (end - start - phase) // PROBE_INTERVAL_SECONDS + 1
                ts = (
                    start
                    + phase
                    + np.arange(n, dtype=np.int64) * PROBE_INTERVAL_SECONDS
                    + nrng.integers(0, PROBE_JITTER_SECONDS + 1, n)
                )
                ok = np.ones(n, dtype=bool)

                # Lone failures restricted to one location per hour, away from the hour edge,
                # so two locations' failures can never overlap in time.
                in_hour = ts % 3600
                eligible = (
                    (((ts // 3600) + salt) % n_loc == li) & (in_hour >= 300) & (in_hour < 3300)
                )
                noise = eligible & (nrng.random(n) < NOISE_PROBABILITY)
                noise &= ~_mask_intervals(ts, quiet)
                ok &= ~noise

                keep = np.ones(n, dtype=bool)
                for e in t_events:
                    if e.components and component not in e.components:
                        continue
                    if e.locations and location not in e.locations:
                        continue
                    s, f = _epoch(e.start), _epoch(e.end)
                    lo, hi = np.searchsorted(ts, [s, f], side="left")
                    if e.kind == "outage":
                        ok[lo:hi] = False
                    elif e.kind == "gap":
                        keep[lo:hi] = False
                    elif e.kind == "flap":
                        ok[lo:hi] &= ((ts[lo:hi] - s) // PROBE_INTERVAL_SECONDS) % 2 == 1

                extra_ts: list[int] = []
                extra_ok: list[bool] = []
                for b_component, when in blips[t.tenant_id]:
                    if b_component != component or not start <= when < end - 60:
                        continue
                    fail_at = when + int(nrng.integers(0, PROBE_JITTER_SECONDS + 1))
                    extra_ts += [fail_at, fail_at + BLIP_RECHECK_SECONDS]
                    extra_ok += [False, True]

                ts, ok = ts[keep], ok[keep]
                if extra_ts:
                    extra = np.array(extra_ts, dtype=np.int64)
                    # One row per instant: the recheck wins over a coinciding routine check.
                    clash = np.isin(ts, extra)
                    ts, ok = ts[~clash], ok[~clash]
                    ts = np.concatenate([ts, extra])
                    ok = np.concatenate([ok, np.array(extra_ok, dtype=bool)])
                    order = np.argsort(ts, kind="stable")
                    ts, ok = ts[order], ok[order]

                m = ts.shape[0]
                base = _LATENCY_BASE_MS[t.policy_id][location] * _COMPONENT_FACTOR[component]
                # Afternoon peak in the tenant's zone (an hour of DST drift does not matter for
                # the shape), lognormal scatter, rare slow outliers.
                hour_local = ((ts + utc_offset) % 86400) / 3600.0
                diurnal = 1.0 + 0.12 * np.sin((hour_local - 14.0) / 24.0 * 2 * np.pi)
                lat = base * diurnal * np.exp(nrng.normal(0.0, 0.18, m))
                lat = np.where(nrng.random(m) < 0.004, lat * nrng.uniform(3, 9, m), lat)
                failed_fast = nrng.random(m) < 0.25
                lat = np.where(ok, lat, np.where(failed_fast, nrng.uniform(2, 30, m), np.nan))

                cols["sid"].append(np.full(m, sid, dtype=np.int32))
                cols["ts"].append(ts)
                cols["ok"].append(ok)
                cols["lat"].append(np.round(lat, 1))
                month = np.searchsorted(month_edges, ts, side="right").astype(np.int8)
                cols["month"].append(np.minimum(month, n_months - 1))

    # A numpy sort on one packed integer key is several times faster than a polars join plus
    # multi-column string sort at this volume; ranks keep (tenant, component, location) order.
    ranks = np.empty(len(series), dtype=np.int64)
    ranks[sorted(range(len(series)), key=series.__getitem__)] = np.arange(len(series))
    sid = np.concatenate(cols["sid"])
    ts_all = np.concatenate(cols["ts"])
    order = np.argsort(ts_all * 1024 + ranks[sid], kind="stable")
    sid = pl.Series(sid[order])
    return pl.DataFrame(
        {
            "month": np.concatenate(cols["month"])[order],
            "tenant_id": pl.Series([s[0] for s in series]).gather(sid),
            "component": pl.Series([s[1] for s in series]).gather(sid),
            "location": pl.Series([s[2] for s in series]).gather(sid),
            "checked_at": pl.from_epoch(pl.Series(ts_all[order]), time_unit="s")
            .dt.replace_time_zone("UTC")
            .cast(pl.Datetime("us", "UTC")),
            "ok": np.concatenate(cols["ok"])[order],
            "latency_ms": pl.Series(np.concatenate(cols["lat"])[order], nan_to_null=True),
        }
    )


_PROBE_COLUMNS = ["tenant_id", "component", "location", "checked_at", "ok", "latency_ms"]


def _write_probes(
    frame: pl.DataFrame, months: list[tuple[int, int]], root: pathlib.Path, files: dict[str, int]
) -> None:
    for mi, ym in enumerate(months):
        part = frame.filter(pl.col("month") == mi).select(_PROBE_COLUMNS)
        folder = root / "raw" / "probes" / _month_label(ym)
        folder.mkdir(parents=True, exist_ok=True)
        # Formats rotate by month so ingestion has to cope with each of them.
        if mi == 0:
            path = folder / "probes.parquet"
            part.write_parquet(path, compression="zstd", statistics=True)
            files[str(path.relative_to(root))] = part.height
        elif mi == 1:
            path = folder / "probes.csv.gz"
            buffer = io.BytesIO()
            part.with_columns(
                pl.col("checked_at").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            ).write_csv(buffer, float_precision=1)
            # Level 1 is ~3x faster than the default for ~20% more bytes; mtime=0 keeps the
            # archive byte-identical between runs.
            with (
                open(path, "wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as gz,
            ):
                gz.write(buffer.getbuffer())
            files[str(path.relative_to(root))] = part.height
        else:
            clarus = part.filter(pl.col("tenant_id").str.starts_with("clarus-"))
            path = folder / "clarus.csv"
            clarus.with_columns(
                pl.col("checked_at")
                .dt.convert_time_zone(str(POLICY_TZ[CLARUS]))
                .dt.strftime("%Y-%m-%dT%H:%M:%S%:z")
            ).write_csv(path, float_precision=1)
            files[str(path.relative_to(root))] = clarus.height
            clara = part.filter(~pl.col("tenant_id").str.starts_with("clarus-"))
            path = folder / "clara.jsonl"
            clara.with_columns(
                pl.col("checked_at")
                .dt.convert_time_zone(str(POLICY_TZ[CLARA]))
                .dt.strftime("%Y-%m-%dT%H:%M:%S%:z")
            ).write_ndjson(path)
            files[str(path.relative_to(root))] = clara.height


# --------------------------------------------------------------------------------------------
# Tickets

_WEEKDAY = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}


@dataclass(frozen=True)
class _BusinessCalendar:
    weekdays: frozenset[int]
    opens: dtime
    closes: dtime
    holidays: frozenset[date]

    def is_open_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def add_minutes(self, start: datetime, minutes: int) -> datetime:
        """Walk business minutes forward in naive local wall time."""
        cur = start
        remaining = timedelta(minutes=minutes)
        while True:
            day = cur.date()
            if self.is_open_day(day):
                opens = datetime.combine(day, self.opens)
                closes = datetime.combine(day, self.closes)
                cur = max(cur, opens)
                if cur < closes:
                    if cur + remaining <= closes:
                        return cur + remaining
                    remaining -= closes - cur
            cur = datetime.combine(day + timedelta(days=1), dtime(0, 0))


_TARGETS = {
    "P1": (60, "24x7"),
    "P2": (240, "business"),
    "P3": (540, "business"),
    "P4": (1080, "business"),
}
_SUBJECTS = {
    "P1": [
        "Production API unreachable",
        "All requests returning 503",
        "Customer dashboard down in every region",
    ],
    "P2": [
        "Intermittent 502s on checkout",
        "Elevated latency on the EU endpoint",
        "Webhook deliveries delayed",
        "Nightly sync job failing",
    ],
    "P3": [
        "Report export times out",
        "Question about API rate limits",
        "SSO login loop for some users",
        "Audit log missing entries",
    ],
    "P4": [
        "Please update our billing contact",
        "Feature request: CSV export",
        "Documentation typo in the webhooks guide",
        "Request for SOC 2 report",
    ],
}
_CHANNELS = ["portal", "email", "phone", "chat"]


def _ticket_row(
    base: list, severity: str, response: datetime | None, exported: datetime
) -> tuple[datetime, str, list[str]]:
    ticket_id, tenant_id, created, channel, subject = base
    cairo = POLICY_TZ[CLARUS]
    return (
        exported,
        ticket_id,
        [
            ticket_id,
            tenant_id,
            severity,
            _iso_local(created.astimezone(cairo)),
            _iso_local(response.astimezone(cairo)) if response else "",
            _iso_z(exported),
            channel,
            subject,
        ],
    )


def _ticket_rows(
    rng: random.Random,
    tenants: list[_Tenant],
    months: list[tuple[int, int]],
    events: list[_Event],
) -> list[list[str]]:
    years = sorted({ym[0] for ym in months} | {_shift(months[-1], 1)[0]})
    eg_holidays = frozenset(holidays.country_holidays("EG", years=years).keys())
    calendars = {
        "standard": _BusinessCalendar(
            frozenset(_WEEKDAY[d] for d in ("Sun", "Mon", "Tue", "Wed", "Thu")),
            dtime(9),
            dtime(18),
            eg_holidays,
        ),
        "extended": _BusinessCalendar(
            frozenset(_WEEKDAY[d] for d in ("Sat", "Sun", "Mon", "Tue", "Wed", "Thu")),
            dtime(8),
            dtime(22),
            eg_holidays,
        ),
    }
    clarus = [t for t in tenants if t.policy_id == CLARUS]

    # (tenant, created_local, final severity, forced on-time?)
    raw: list[tuple[_Tenant, datetime, str, bool]] = []
    for t in clarus:
        cal = calendars[t.plan_tier]
        for ym in months:
            first = date(ym[0], ym[1], 1)
            days = [first + timedelta(days=i) for i in range(_month_days(ym))]
            days = [d for d in days if d >= t.starts_on and (not t.ends_on or d <= t.ends_on)]
            if not days:
                continue
            for _ in range(rng.randint(4, 9)):
                open_days = [d for d in days if cal.is_open_day(d)]
                if open_days and rng.random() < 0.7:
                    day = rng.choice(open_days)
                    span = (cal.closes.hour - cal.opens.hour) * 60
                    minute = cal.opens.hour * 60 + rng.randrange(span)
                else:
                    day = rng.choice(days)
                    minute = rng.randrange(24 * 60)
                created = datetime.combine(day, dtime(minute // 60, minute % 60, rng.randrange(60)))
                severity = rng.choices(["P1", "P2", "P3", "P4"], [6, 22, 44, 28])[0]
                raw.append((t, created, severity, False))
    # Customers open a P1 shortly after a real full outage starts.
    by_id = {t.tenant_id: t for t in clarus}
    for e in events:
        t = by_id.get(e.tenant_id)
        if t is None or e.kind != "outage" or e.locations:
            continue
        if e.end - e.start < timedelta(minutes=30):
            continue
        created = (
            e.start + timedelta(minutes=rng.randint(3, 12), seconds=rng.randrange(60))
        ).replace(tzinfo=None)
        if created.date() < t.starts_on or (t.ends_on and created.date() > t.ends_on):
            continue
        raw.append((t, created, "P1", True))
    raw.sort(key=lambda r: (r[1], r[0].tenant_id))

    def next_export(after: datetime) -> datetime:
        # The helpdesk exports a snapshot daily at 20:00 UTC, after both calendars close.
        candidate = after.astimezone(UTC).replace(hour=20, minute=0, second=0, microsecond=0)
        return candidate if candidate > after else candidate + timedelta(days=1)

    rows: list[tuple[datetime, str, list[str]]] = []
    for n, (t, created_naive, severity, linked) in enumerate(raw, start=1):
        ticket_id = f"INC-{10000 + n}"
        created = created_naive.replace(tzinfo=t.tz)
        minutes, clock = _TARGETS[severity]
        draw = rng.random()
        if draw < 0.04 and not linked:
            response = None
        else:
            # Roughly one in eight answers misses the target; on-time answers skew early, as
            # most first responses are an acknowledgement rather than a fix.
            factor = rng.uniform(1.2, 3.0) if draw < 0.16 else rng.uniform(0.2, 0.92) ** 2
            taken = max(2, round(minutes * factor))
            if clock == "24x7":
                response = (created.astimezone(UTC) + timedelta(minutes=taken)).astimezone(t.tz)
            else:
                walked = calendars[t.plan_tier].add_minutes(created_naive, taken)
                response = walked.replace(second=rng.randrange(60), tzinfo=t.tz)
        channel = "phone" if severity == "P1" and rng.random() < 0.5 else rng.choice(_CHANNELS)
        subject = rng.choice(_SUBJECTS[severity])

        base = [ticket_id, t.tenant_id, created, channel, subject]
        first_export = next_export(created)
        if response is not None and response > first_export:
            # The ticket was exported before anyone answered; triage may also have
            # re-graded it in the meantime.
            initial = severity
            if rng.random() < 0.25 and severity != "P1":
                initial = {"P2": "P3", "P3": "P2", "P4": "P3"}[severity]
            rows.append(_ticket_row(base, initial, None, first_export))
            rows.append(_ticket_row(base, severity, response, next_export(response)))
        else:
            rows.append(_ticket_row(base, severity, response, first_export))
            if rng.random() < 0.05:
                # Export job re-run: identical content, later exported_at.
                rows.append(_ticket_row(base, severity, response, first_export + timedelta(days=1)))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


# --------------------------------------------------------------------------------------------
# Orchestration


def _write_csv(path: pathlib.Path, header: list[str], rows: list[list[str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def generate_sample_data(
    data_dir: pathlib.Path,
    months: tuple[str, ...] = DEFAULT_MONTHS,
    force: bool = False,
) -> dict:
    """Write the sample inputs under ``data_dir`` and return file and row counts.

    Existing data (detected via ``reference/contracts.csv``) is left alone unless ``force``
    so a developer's hand-edited inputs are never clobbered by accident.
    """
    root = pathlib.Path(data_dir)
    if (root / "reference" / "contracts.csv").exists() and not force:
        return {"skipped": True}
    began = time.perf_counter()
    parsed = _parse_months(months)
    rng = random.Random(SEED)
    tenants = _tenants(parsed[0])
    scenario = _scenario(tenants, parsed[0])
    files: dict[str, int] = {}
    rows: dict[str, int] = {}

    def rel(path: pathlib.Path) -> str:
        return str(path.relative_to(root))

    reference = root / "reference"
    reference.mkdir(parents=True, exist_ok=True)
    (reference / "policies.yaml").write_text(POLICIES_YAML, encoding="utf-8")
    files[rel(reference / "policies.yaml")] = rows["policies"] = 2

    path = reference / "contracts.csv"
    files[rel(path)] = rows["contracts"] = _write_csv(
        path,
        [
            "tenant_id",
            "tenant_name",
            "policy_id",
            "plan_tier",
            "currency",
            "starts_on",
            "ends_on",
            "prepaid_from",
            "prepaid_through",
            "prepaid_amount",
        ],
        _contract_rows(tenants),
    )
    path = reference / "charges.csv"
    files[rel(path)] = rows["charges"] = _write_csv(
        path,
        ["charge_id", "tenant_id", "service_month", "charge_type", "amount", "currency", "paid"],
        _charge_rows(tenants, parsed),
    )

    path = root / "raw" / "maintenance" / "windows.csv"
    files[rel(path)] = rows["maintenance_windows"] = _write_csv(
        path,
        ["window_id", "tenant_id", "starts_at", "ends_at", "announced_at", "kind"],
        scenario.windows,
    )
    path = root / "raw" / "maintenance" / "platform.ics"
    path.write_bytes(scenario.ics.to_ical())
    files[rel(path)] = rows["maintenance_ics_events"] = len(scenario.ics.walk("VEVENT"))

    path = root / "raw" / "exclusions" / "exclusions.csv"
    files[rel(path)] = rows["exclusions"] = _write_csv(
        path,
        ["exclusion_id", "tenant_id", "component", "starts_at", "ends_at", "reason", "note"],
        scenario.exclusions,
    )
    path = root / "raw" / "claims" / "claims.csv"
    files[rel(path)] = rows["claims"] = _write_csv(
        path, ["claim_id", "tenant_id", "service_month", "received_at"], scenario.claims
    )

    probes = _probe_frame(rng, tenants, parsed, scenario)
    probe_files: dict[str, int] = {}
    _write_probes(probes, parsed, root, probe_files)
    files.update(probe_files)
    rows["probes"] = sum(probe_files.values())

    path = root / "raw" / "tickets" / "tickets.csv"
    files[rel(path)] = rows["tickets"] = _write_csv(
        path,
        [
            "ticket_id",
            "tenant_id",
            "severity",
            "created_at",
            "first_response_at",
            "exported_at",
            "channel",
            "subject",
        ],
        _ticket_rows(rng, tenants, parsed, scenario.events),
    )
    return {
        "skipped": False,
        "months": [_month_label(ym) for ym in parsed],
        "files": files,
        "rows": rows,
        "seconds": round(time.perf_counter() - began, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=pathlib.Path, default=pathlib.Path("data"))
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite even if reference/contracts.csv already exists",
    )
    args = parser.parse_args(argv)
    result = generate_sample_data(args.data_dir, force=args.force)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
