"""Markdown tables for docs/BENCHMARKS.md from bench/out/result-*.json.

python -m bench.report [bench/out]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

STAGES = (
    "startup",
    "ingest",
    "raw_checks",
    "dbt",
    "mart_checks",
    "reconcile_checks",
    "publish",
    "between_steps",
    "teardown",
)


def _f(value: object, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def load(folder: Path) -> list[dict]:
    docs = [json.loads(p.read_text()) for p in sorted(folder.glob("result-*.json"))]
    return sorted(
        docs,
        key=lambda d: (
            d["summary"].get("engine", "duckdb") != "duckdb",
            d["summary"]["format"] != "parquet",
            d["summary"]["tenants"],
        ),
    )


def label(s: dict) -> str:
    engine = s.get("engine", "duckdb")
    return f"N={s['tenants']} {s['format']}" + ("" if engine == "duckdb" else f" {engine}")


def headline(docs: list[dict]) -> str:
    head = (
        "| run | rows | MB | runs | floor s | platform s | CPU s | peak RSS GiB | dbt s "
        "| probe models s | peer s | peer RSS GiB | plat/floor | dbt/floor | peer/plat "
        "| peer/plat compute | peer/plat mem | ns/row |\n|" + "---|" * 18
    )
    lines = [head]
    for d in docs:
        s = d["summary"]
        peer = _f(s["peer_wall_s"]) + (" (scaled)" if s["peer_scaled"] else "")
        lines.append(
            f"| {label(s)} | {_f(s['rows'])} | {s['probe_bytes'] / 1e6:.0f} "
            f"| {s['runs']} | {_f(s['floor_query_s'])} | {_f(s['platform_wall_s'], 1)} "
            f"| {_f(s['platform_cpu_s'], 1)} | {_f(s['platform_peak_rss_gib'])} "
            f"| {_f(s['platform_stages_s'].get('dbt'), 1)} | {_f(s['dbt_probe_models_s'], 1)} "
            f"| {peer} | {_f(s['peer_peak_rss_gib'])} | {_f(s['ratio_platform_floor_total'], 0)}× "
            f"| {_f(s['ratio_platform_floor_compute'], 0)}× "
            f"| {_f(s['ratio_peer_platform_total'])}× "
            f"| {_f(s['ratio_peer_platform_compute'])}× | {_f(s['ratio_peer_platform_memory'])}× "
            f"| {_f(s['ns_per_row'], 0)} |"
        )
    return "\n".join(lines)


def stages(docs: list[dict]) -> str:
    lines = ["| run | " + " | ".join(STAGES) + " |", "|---|" + "---|" * len(STAGES)]
    for d in docs:
        s = d["summary"]
        cells = " | ".join(_f(s["platform_stages_s"].get(k), 1) for k in STAGES)
        lines.append(f"| {label(s)} | {cells} |")
    return "\n".join(lines)


def models(docs: list[dict], top: int = 10) -> str:
    out = []
    for d in docs:
        runs = [p for p in d["platform"] if p.get("returncode") == 0 and p.get("dbt")]
        if not runs:
            continue
        dbt = runs[-1]["dbt"]
        s = d["summary"]
        out.append(
            f"{label(s)} (last run; dbt elapsed {dbt['elapsed_s']} s, "
            f"{dbt['nodes']} nodes, models {dbt['models_sum_s']} s + tests {dbt['tests_sum_s']} s "
            f"summed over 4 threads, {dbt['before_first_node_s']} s before the first node):\n"
        )
        out.append("| node | kind | s |\n|---|---|---|")
        for n in dbt["top_nodes"][:top]:
            out.append(f"| {n['name']} | {n['kind']} | {n['execution_s']} |")
        out.append("")
    return "\n".join(out)


def extras(docs: list[dict]) -> str:
    out = []
    for d in docs:
        s = d["summary"]
        c = d.get("comparison") or {}
        r = d.get("restate") or {}
        bits = [f"{label(s)}:"]
        if c.get("tenants"):
            bits.append(
                f"peer vs platform on {c['tenants']} tenants: max |Δ downtime| "
                f"{c['max_abs_downtime_diff_s']} s, mean {c['mean_abs_downtime_diff_s']} s, "
                f"{c['tenants_within_60s']} within 60 s;"
            )
        if r.get("wall_s"):
            bits.append(
                f"restate after a late file {r['wall_s']} s (dbt {r['stages_s']['dbt']} s);"
            )
        if "csv_ingest_mb_per_s" in s:
            bits.append(f"CSV probe ingestion {s['csv_ingest_mb_per_s']} MB/s;")
        for p in d["platform"]:
            if p.get("returncode") != 0:
                where = ", ".join(p.get("unfinished_steps") or []) or "an unknown step"
                why = "killed at the memory guard" if p.get("killed_for_memory") else "failed"
                bits.append(
                    f"platform {why} after {p['wall_s']} s at {p['peak_rss_gib']} GiB, in {where};"
                )
        bits.append(f"probe ingestion {s['probe_ingest_s']} s.")
        out.append("- " + " ".join(bits))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    folder = Path(args[0]) if args else Path(__file__).parent / "out"
    docs = load(folder)
    print(headline(docs), "", stages(docs), "", models(docs), extras(docs), sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
