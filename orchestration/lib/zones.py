"""The UTC offsets of the policies' time zones, from the pinned `tzdata`, as a table for SQL.

Months, contract days, business hours and claim deadlines are local to a policy's zone. The
engines' own zone libraries (DuckDB's ICU, Spark's Java) carry zone rules of their own release,
which can differ from the pinned `tzdata` and from each other: DuckDB 2.0's ICU keeps
America/Vancouver on UTC−7 from November 2026 where tzdata 2025b returns to UTC−8. So the SQL
converts between instants and wall-clock times through this table, and every part of the
platform (the SQL on either engine, the `.ics` reader, the policy checks, the statements) reads
the same rules.

One row per zone and period of constant offset:
    utc_from_us, utc_until_us    the instants of the period, [from, until)
    offset_us                    local wall time − UTC during it
    wall_from_us, wall_until_us  the wall-clock times read with this offset, [from, until),
                                 as microseconds since 1970-01-01T00:00 on the wall clock

The wall ranges partition the wall clock. A wall time a change repeats (fall back) is its first
occurrence, as Python's zoneinfo (fold=0) and Java read it. A wall time a change skips (spring
forward) belongs to the period before the change, and the SQL reads it as that period's end:
the instant the clock jumps over it (macros/engine/timestamps.sql). Business hours opening at
00:30 on the night Cairo goes from 00:00 to 01:00 open at the jump, when the clock first shows a
time past 00:30.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import cache

# Instants before and after the scanned years keep the first and last offset found.
FIRST_YEAR = 1970
LAST_YEAR = 2100
_US = 1_000_000
# a sentinel beyond any instant the data holds, small enough that adding an offset cannot overflow
_FOREVER_US = 2**62
_STEP = timedelta(days=1)


def pinned_zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone as the pinned `tzdata` package defines it: `orchestration/__init__.py` empties
    zoneinfo's search path, so no system copy is read. Raises ZoneInfoNotFoundError for a name
    the package does not know."""
    return zoneinfo.ZoneInfo(name)


def _offset_us(zone: zoneinfo.ZoneInfo, at: datetime) -> int:
    offset = at.astimezone(zone).utcoffset()
    return (offset.days * 86_400 + offset.seconds) * _US + offset.microseconds if offset else 0


def _epoch_us(at: datetime) -> int:
    delta = at - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


@cache
def offset_changes(name: str) -> tuple[tuple[int, int], ...]:
    """(instant in epoch µs, offset in µs from then on) for each change of the zone's offset
    between FIRST_YEAR and LAST_YEAR, after the offset in force at the start."""
    zone = pinned_zone(name)
    at = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(LAST_YEAR, 1, 1, tzinfo=UTC)
    current = _offset_us(zone, at)
    changes = [(-_FOREVER_US, current)]
    while at < end:
        nxt = at + _STEP
        offset = _offset_us(zone, nxt)
        if offset != current:
            # zones change on whole seconds: find the first second of the new offset
            low, high = at, nxt
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset_us(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            changes.append((_epoch_us(high), _offset_us(zone, high)))
            current = _offset_us(zone, high)
        at = nxt
    return tuple(changes)


def zone_periods(name: str) -> list[dict[str, object]]:
    """The zone's rows of the offsets table (see the module's docstring)."""
    changes = offset_changes(name)
    rows = []
    for i, (starts, offset) in enumerate(changes):
        last = i + 1 == len(changes)
        ends = _FOREVER_US if last else changes[i + 1][0]
        before = changes[i - 1][1] if i > 0 else offset
        after = offset if last else changes[i + 1][1]
        # The wall time where the offset changes belongs to the larger offset's side: the
        # period before a change reads the times it skips or repeats, after it none of them.
        rows.append(
            {
                "timezone": name,
                "utc_from_us": starts,
                "utc_until_us": ends,
                "offset_us": offset,
                "wall_from_us": -_FOREVER_US if i == 0 else starts + max(before, offset),
                "wall_until_us": _FOREVER_US if last else ends + max(offset, after),
            }
        )
    return rows
