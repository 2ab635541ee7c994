"""The zone-offsets table the SQL converts times with reads exactly what Python's zoneinfo reads."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import UTC, datetime, timedelta

import pytest

from orchestration.lib.zones import pinned_zone, zone_periods

ZONES = [
    "Africa/Cairo",  # DST since 2023, changes at midnight
    "America/New_York",
    "America/Vancouver",  # where DuckDB 2.0's ICU disagrees with tzdata 2025b from Nov 2026
    "Africa/Casablanca",  # Ramadan changes
    "Australia/Lord_Howe",  # a 30-minute DST change
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "UTC",
]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(at: datetime) -> int:
    return (at - EPOCH) // timedelta(microseconds=1)


@pytest.mark.parametrize("name", ZONES)
def test_instants_and_wall_times_read_as_zoneinfo_reads_them(name: str) -> None:
    zone = pinned_zone(name)
    periods = zone_periods(name)
    # the wall ranges partition the wall clock, as the instants' ranges partition time
    for before, after in zip(periods, periods[1:], strict=False):
        assert before["utc_until_us"] == after["utc_from_us"]
        assert before["wall_until_us"] == after["wall_from_us"]
    utc_starts = [p["utc_from_us"] for p in periods]
    wall_starts = [p["wall_from_us"] for p in periods]
    rng = random.Random(name)
    start, span = datetime(1990, 1, 1, tzinfo=UTC), timedelta(days=70 * 365)
    instants = [(start + span * rng.random()).replace(microsecond=0) for _ in range(2000)]
    walls = [at.astimezone(zone).replace(tzinfo=None) for at in instants]
    # and around every change: the seconds either side of it, and wall times every 15 minutes
    # from 2 hours before to 2 hours after it, skipped and repeated ones included
    for before, after in zip(periods, periods[1:], strict=False):
        at = EPOCH + timedelta(microseconds=after["utc_from_us"])
        instants += [at - timedelta(seconds=1), at, at + timedelta(seconds=1)]
        wall = (at + timedelta(microseconds=before["offset_us"])).replace(tzinfo=None)
        walls += [wall + timedelta(minutes=15 * k) for k in range(-8, 9)]
    for at in instants:
        period = periods[bisect_right(utc_starts, _us(at)) - 1]
        offset = at.astimezone(zone).utcoffset()
        assert period["offset_us"] == offset // timedelta(microseconds=1), (name, at)
    for wall in walls:
        # a repeated time is its first occurrence (fold=0); a skipped one, which does not come
        # back from UTC as it was, is the instant the clock jumps over it: the period's end
        wall_us = _us(wall.replace(tzinfo=UTC))
        period = periods[bisect_right(wall_starts, wall_us) - 1]
        expected = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if expected.astimezone(zone).replace(tzinfo=None) != wall:
            # fold=0 read it with the offset before the change: an instant just after it
            skipped_to = periods[bisect_right(utc_starts, _us(expected)) - 1]["utc_from_us"]
            expected = EPOCH + timedelta(microseconds=skipped_to)
            assert period["utc_until_us"] == skipped_to, (name, wall)
        instant = min(wall_us - period["offset_us"], period["utc_until_us"])
        assert instant == _us(expected), (name, wall)


def test_a_zone_tzdata_does_not_know_is_refused() -> None:
    from zoneinfo import ZoneInfoNotFoundError

    with pytest.raises(ZoneInfoNotFoundError):
        pinned_zone("Africa/Kairo")
