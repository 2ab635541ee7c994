"""The floor: one DuckDB scan that reads every probe row once and aggregates per tenant.

    python -m bench.floor DATA_DIR parquet|csv

Nothing the platform does can be cheaper than reading its input once; this reads every column
the uptime arithmetic needs (tenant, location, instant, ok) and prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def scan_sql(data_dir: Path, fmt: str) -> str:
    folder = data_dir / "raw" / "probes"
    if fmt == "parquet":
        source = f"read_parquet('{folder}/**/*.parquet')"
    else:
        source = f"""read_csv('{folder}/**/*.csv', header = true, columns = {{
            'tenant_id': 'VARCHAR', 'component': 'VARCHAR', 'location': 'VARCHAR',
            'checked_at': 'TIMESTAMPTZ', 'ok': 'BOOLEAN', 'latency_ms': 'DOUBLE'}})"""
    return f"""
        select tenant_id, count(*) as results, count(*) filter (where not ok) as failures,
               min(checked_at) as first_at, max(checked_at) as last_at
        from {source}
        group by tenant_id
    """


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    data_dir, fmt = Path(args[0]), args[1]
    began = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(scan_sql(data_dir, fmt)).fetchall()
    seconds = time.perf_counter() - began
    print(
        json.dumps(
            {
                "tenants": len(rows),
                "rows": sum(r[1] for r in rows),
                "failures": sum(r[2] for r in rows),
                "query_s": round(seconds, 4),
                "duckdb": duckdb.__version__,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
