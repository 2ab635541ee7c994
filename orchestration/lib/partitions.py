"""Service months as Dagster partitions (keys are the month's first day, e.g. 2026-10-01)."""

from __future__ import annotations

import re
from datetime import date

import dagster as dg

# Far enough back for disputed history, far enough ahead that a month being computed early
# (or a test's hand-worked future month) is still a partition.
monthly_partitions = dg.MonthlyPartitionsDefinition(start_date="2020-01-01", end_offset=36)

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def partition_key_of(month: str) -> str:
    if not MONTH_RE.match(month):
        raise ValueError(f"a service month looks like YYYY-MM, not {month!r}")
    return f"{month}-01"


def month_of(partition_key: str) -> str:
    return partition_key[:7]


def months_between(first: str, last: str) -> list[str]:
    """Every service month from first through last, in order."""
    y, m = (int(x) for x in first.split("-"))
    ly, lm = (int(x) for x in last.split("-"))
    if (y, m) > (ly, lm):
        raise ValueError(f"--from {first} is after --to {last}")
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def months_outside_partitions(months: list[str]) -> tuple[list[str], str, str]:
    """The months no partition holds, and the first and last month that one does."""
    keys = monthly_partitions.get_partition_keys()
    first, last = month_of(keys[0]), month_of(keys[-1])
    return [m for m in months if not first <= m <= last], first, last


def previous_month(today: date) -> str:
    y, m = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{y:04d}-{m:02d}"
