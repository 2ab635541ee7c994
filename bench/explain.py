"""Where a model's time goes: its compiled SQL under DuckDB's profiler, on a bench warehouse.

    python -m bench.explain --work bench/out/work/n100-2026-10-parquet --month 2026-10 \
        [--models a,b,...]

The project's dbt compiles the models (full-refresh form, the month's vars) against a copy of
the warehouse a bench run left behind; each compiled query then runs as CREATE TEMP TABLE AS
(what a table materialisation does) with JSON profiling on. Written to WORK/explain/: the
EXPLAIN ANALYZE text per model and a summary of the heaviest operators.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
DBT_DIR = ROOT / "dbt_project"
DEFAULT_MODELS = (
    "stg_probes__failures",
    "stg_probes__conflicts",
    "quarantine_probes",
    "int_probe_buckets_summarised",
    "int_location_states_compressed",
    "int_component_states_swept",
    "int_downtime_episodes_merged",
    "int_component_availability_computed",
)


def compile_models(db: Path, models: list[str], month: str, target: Path) -> dict[str, str]:
    env = dict(os.environ) | {
        "SLA_DUCKDB_PATH": str(db),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "compile",
            "--quiet",
            "--full-refresh",
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(target),
            "--select",
            " ".join(models),
            "--vars",
            json.dumps({"month": month, "as_of": ""}),
        ],
        check=True,
        env=env,
        cwd=DBT_DIR,
        stdout=subprocess.DEVNULL,
    )
    out = {}
    for model in models:
        found = list((target / "compiled").rglob(f"{model}.sql"))
        out[model] = found[0].read_text()
    return out


def _label(node: dict) -> str:
    extra = node.get("extra_info") or {}
    detail = extra.get("CTE Name") or extra.get("Table") or extra.get("Function") or ""
    return f"{node.get('name', '?').strip()}{f' [{detail}]' if detail else ''}"


def _operators(node: dict, depth: int = 0) -> list[dict]:
    """DuckDB's JSON profile (1.x/2.x): operators under "operator", each with its own time."""
    rows = [
        {
            "operator": _label(node),
            "seconds": round(float(node.get("timing") or 0.0), 4),
            "rows_out": node.get("intermediate_rows"),
            "depth": depth,
        }
    ]
    for child in node.get("children", []):
        rows += _operators(child, depth + 1)
    return rows


def _tree_text(node: dict, depth: int = 0) -> list[str]:
    lines = [
        f"{'  ' * depth}{_label(node)}  {float(node.get('timing') or 0):.3f} s"
        f"  rows={node.get('intermediate_rows')}"
    ]
    for child in node.get("children", []):
        lines += _tree_text(child, depth + 1)
    return lines


def profile(db: Path, sql: str, folder: Path, model: str) -> dict:
    """Run the model's query once, as dbt's table materialisation does, under the profiler.

    One run, not a run plus EXPLAIN ANALYZE: the slowest model takes minutes at N=100.
    """
    con = duckdb.connect(str(db))
    con.execute("SET TimeZone = 'UTC'")
    profile_path = folder / f"{model}.profile.json"
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"SET profiling_output = '{profile_path}'")
    began = time.perf_counter()
    con.execute(f"CREATE OR REPLACE TABLE main.bench_explain AS {sql}")
    seconds = time.perf_counter() - began
    con.execute("PRAGMA disable_profiling")
    rows = con.execute("SELECT count(*) FROM main.bench_explain").fetchone()[0]
    con.execute("DROP TABLE main.bench_explain")
    con.close()
    document = json.loads(profile_path.read_text())
    roots = document.get("operator", [])
    text = [line for root in roots for line in _tree_text(root)]
    (folder / f"{model}.explain.txt").write_text("\n".join(text) + "\n")
    ops = sorted((op for root in roots for op in _operators(root)), key=lambda r: -r["seconds"])
    system = document.get("system", {})
    return {
        "model": model,
        "seconds": round(seconds, 3),
        "rows": rows,
        "cpu_s": round(document.get("query", {}).get("cpu_time") or 0.0, 3),
        "peak_buffer_gib": round((system.get("peak_buffer_memory") or 0) / 2**30, 3),
        "spilled_gib": round((system.get("total_bytes_spilled") or 0) / 2**30, 3),
        "top_operators": ops[:8],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    args = parser.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    # dbt runs in the project folder: every path it is given must be absolute.
    folder = args.work.resolve() / "explain"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # A copy: profiling creates temp tables and dbt compile opens the file for writing.
    db = folder / "warehouse.duckdb"
    shutil.copy(args.work.resolve() / "warehouse.duckdb", db)
    compiled = compile_models(db, models, args.month, folder / "target")
    results = [profile(db, compiled[m], folder, m) for m in models]
    (folder / "summary.json").write_text(json.dumps(results, indent=2))
    for r in results:
        print(
            f"{r['model']}: {r['seconds']} s wall, {r['cpu_s']} s CPU, {r['rows']:,} rows, "
            f"peak buffer {r['peak_buffer_gib']} GiB, spilled {r['spilled_gib']} GiB"
        )
        for op in r["top_operators"][:5]:
            print(f"    {op['seconds']:>8} s  {op['operator']}  -> {op['rows_out']}")
    db.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
