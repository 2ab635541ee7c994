"""Parquet copies of the published marts, one folder per mart and service month."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

PUBLISHED_MARTS = (
    "availability_monthly",
    "downtime_episodes",
    "service_credits",
    "ticket_response",
    "response_compliance_monthly",
    "commitments_monthly",
)


def publish_month(
    con: duckdb.DuckDBPyConnection,
    published_dir: Path,
    month: str,
    marts: tuple[str, ...] = PUBLISHED_MARTS,
) -> dict[str, int]:
    """Rewrite published/<mart>/month=YYYY-MM/ from the warehouse; returns rows per mart."""
    counts: dict[str, int] = {}
    for mart in marts:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = ?",
            [mart],
        ).fetchone()
        if not exists or not exists[0]:
            continue
        folder = published_dir / mart / f"month={month}"
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        con.execute(
            f"COPY (SELECT * FROM marts.{mart} WHERE service_month = ? ORDER BY ALL) "
            f"TO '{(tmp / 'part-0.parquet').as_posix()}' (FORMAT parquet)",
            [month],
        )
        row = con.execute(
            f"SELECT count(*) FROM marts.{mart} WHERE service_month = ?", [month]
        ).fetchone()
        counts[mart] = int(row[0]) if row else 0
        # Swap the folder whole so a reader never sees half a month.
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
    return counts
