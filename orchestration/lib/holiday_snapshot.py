"""Public holidays as a versioned snapshot: `dbt_project/seeds/public_holidays.csv`.

Business-hours response times skip public holidays. The `holidays` package estimates Islamic
holidays and its lists change between releases, so the models never call it: they read this
committed snapshot (one row per country and date, with the package version that produced it),
corrected by `public_holiday_overrides.csv`. Regenerating the snapshot is a reviewed change,
so an upgrade never silently rewrites a past month.

    python -m orchestration.lib.holiday_snapshot                       # EG, JP, US 2024-2028
    python -m orchestration.lib.holiday_snapshot --policies data/reference/policies.yaml
"""

from __future__ import annotations

import argparse
import csv
import sys
import warnings
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import holidays
import pyarrow as pa
import yaml

from orchestration.lib.config import DBT_PROJECT_DIR

SNAPSHOT_PATH = DBT_PROJECT_DIR / "seeds" / "public_holidays.csv"
# What the warehouse keeps for the country-years the committed snapshot does not cover.
KEPT_TABLE = "raw.public_holidays_kept"
KEPT_YEARS = range(2000, 2051)
DEFAULT_COUNTRIES = ("EG", "JP", "US")
DEFAULT_YEARS = range(2024, 2029)
COLUMNS = ("country_code", "holiday_on", "name", "snapshot_version")


def snapshot_version() -> str:
    return f"holidays-{holidays.__version__}"


def countries_in_policies(path: Path) -> set[str]:
    """Every `business_calendar.holidays` country a policies.yaml names, overrides included."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    found: set[str] = set()
    for policy in data:
        if not isinstance(policy, dict):
            continue
        calendars = [policy.get("business_calendar") or {}]
        for override in (policy.get("plan_overrides") or {}).values():
            calendars.append((override or {}).get("business_calendar") or {})
        for calendar in calendars:
            country = calendar.get("holidays")
            if country:
                found.add(str(country).strip().upper())
    return found


def holiday_rows(countries: Iterable[str], years: Iterable[int]) -> list[dict[str, str]]:
    """One row per country and date; observed days are included (the package's default)."""
    version = snapshot_version()
    years = list(years)
    rows: list[dict[str, str]] = []
    for country in sorted({c.strip().upper() for c in countries}):
        calendar = holidays.country_holidays(country, years=years)
        # English names whatever the machine's locale, so the file does not churn.
        if "en_US" in (getattr(calendar, "supported_languages", ()) or ()):
            calendar = holidays.country_holidays(country, years=years, language="en_US")
        for day, name in sorted(calendar.items()):
            rows.append(
                {
                    "country_code": country,
                    "holiday_on": day.isoformat(),
                    "name": name,
                    "snapshot_version": version,
                }
            )
    return rows


def ensure_kept_table(con: duckdb.DuckDBPyConnection) -> None:
    """The table exists from the first landing on, so the models can always read it."""
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {KEPT_TABLE} (country_code VARCHAR, holiday_on DATE,
            name VARCHAR, snapshot_version VARCHAR, kept_at TIMESTAMPTZ)"""
    )


def keep_holidays(con: duckdb.DuckDBPyConnection, countries: Iterable[str]) -> list[str]:
    """Keep in the warehouse, once per country, what the installed `holidays` lists.

    The committed snapshot covers the shipped policies' countries for a few years. A month
    outside them, or a policy a user adds for another country, would otherwise run as if the
    country had no public holidays. The first run that needs a country stores its holidays for
    KEPT_YEARS here, with the package version; later runs read them as stored, so an upgrade
    of the package never changes a past month of this warehouse either. Returns the countries
    added now. A code the package does not know is left out (the calendar's dbt test says so).
    """
    ensure_kept_table(con)
    have = {r[0] for r in con.execute(f"SELECT DISTINCT country_code FROM {KEPT_TABLE}").fetchall()}
    added = []
    now = datetime.now(UTC)
    for country in sorted({c.strip().upper() for c in countries if c and c.strip()} - have):
        try:
            with warnings.catch_warnings():
                # years the package's data does not reach hold what it lists for them: nothing
                warnings.simplefilter("ignore", UserWarning)
                rows = holiday_rows([country], KEPT_YEARS)
        except NotImplementedError:
            continue
        # one statement for the country: 2,300 inserts row by row took 2 s
        kept = pa.table(  # noqa: F841 - read by DuckDB's replacement scan
            {
                "country_code": [r["country_code"] for r in rows],
                "holiday_on": [date.fromisoformat(r["holiday_on"]) for r in rows],
                "name": [r["name"] for r in rows],
                "snapshot_version": [r["snapshot_version"] for r in rows],
            }
        )
        con.execute(f"INSERT INTO {KEPT_TABLE} SELECT *, ? FROM kept", [now])
        added.append(country)
    return added


def write_holiday_snapshot(
    path: Path = SNAPSHOT_PATH,
    countries: Iterable[str] = DEFAULT_COUNTRIES,
    years: Iterable[int] = DEFAULT_YEARS,
) -> int:
    """Write the snapshot CSV; returns the number of holidays written."""
    rows = holiday_rows(countries, years)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=SNAPSHOT_PATH)
    parser.add_argument(
        "--policies", type=Path, action="append", default=[], help="add the countries it names"
    )
    parser.add_argument("--countries", nargs="*", default=list(DEFAULT_COUNTRIES))
    parser.add_argument("--first-year", type=int, default=DEFAULT_YEARS.start)
    parser.add_argument("--last-year", type=int, default=DEFAULT_YEARS.stop - 1)
    args = parser.parse_args(argv)
    countries = set(args.countries)
    for policies in args.policies:
        countries |= countries_in_policies(policies)
    count = write_holiday_snapshot(
        args.output, countries, range(args.first_year, args.last_year + 1)
    )
    print(f"wrote {count} holidays for {', '.join(sorted(countries))} to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
