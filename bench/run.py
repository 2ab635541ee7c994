"""Issue 6 harness: floor, platform and naive peer, measured in one run on the same files.

    python -m bench.run --tenants N [--format parquet|csv] [--repeat K] [--peer-subset M]

1. floor: one DuckDB scan reading every probe row once, aggregating per tenant (bench.floor);
2. platform: `sla materialize --month M` as a subprocess on a fresh warehouse: wall time, peak
   RSS of the whole process tree, CPU time, and each stage's time from the run's events
   (`sla materialize --timings`) and dbt's run_results.json. The CLI's Dagster instance is in
   memory, as a person runs it; `--instance recorded` gives it a DAGSTER_HOME instead;
3. peer: bench.peer, the same arithmetic in straightforward pandas, on all tenants or on the
   first M (its time then scaled by N/M, its memory reported as measured);
4. restate: a late probe file for one tenant is dropped in and the month re-run.

Every subprocess is measured the same way (bench.measure). The machine may be shared, so CPU
time and the load average are recorded beside wall time. Results: bench/out/result-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as pyplatform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench import generate as gen
from bench.measure import GIB, Measured, run

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent / "out"
DBT_TARGET = ROOT / "dbt_project" / "target"
BIN = Path(sys.executable).parent
# The models between a probe file and availability_monthly: the "compute" the issue compares
# with the floor (their tests run inside the same dbt build and are counted with the build).
PROBE_MODELS = (
    "stg_probes__results_screened",
    "stg_probes__failures",
    "stg_probes__conflicts",
    "stg_probes__results_validated",
    "stg_probes__results",
    "quarantine_probes",
    "int_probe_buckets_summarised",
    "int_location_states_compressed",
    "int_component_states_swept",
    "int_downtime_episodes_merged",
    "int_downtime_pieces_minus_exclusions",
    "int_counted_downtime_intervals",
    "int_component_availability_computed",
    "int_breach_instants_found",
    "availability_monthly",
    "downtime_episodes",
)


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Server:
    """`sla serve` for --server: the platform's commands run as children it forks."""

    process: subprocess.Popen | None = None
    folder: Path | None = None

    @classmethod
    def start(cls, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        cls.folder = folder
        os.environ["SLA_SERVER_SOCKET"] = str(folder / "server.sock")
        cls.process = subprocess.Popen(
            [str(BIN / "sla"), "serve"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert cls.process.stdout is not None
        for line in cls.process.stdout:
            if "ready" in line:
                print(line.strip(), flush=True)
                return
        raise SystemExit(f"sla serve did not start (exit {cls.process.wait()})")

    @classmethod
    def stop(cls) -> None:
        if cls.process is not None:
            cls.process.terminate()
            cls.process.wait(timeout=60)
            cls.process = None
        if cls.folder is not None:
            shutil.rmtree(cls.folder, ignore_errors=True)
            cls.folder = None

    @classmethod
    def pid(cls) -> int | None:
        return cls.process.pid if cls.process is not None else None


def measured(cmd: list[str], env: dict[str, str] | None, rss_limit_gib: float) -> dict:
    """Run and measure one subprocess; CPU is what the harness's reaped children used.

    Under --server the command runs in a child of `sla serve`: its RSS is sampled there, but
    the kernel reaps those children, so their CPU is not known (None).
    """
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_children()
    m: Measured = run(
        cmd,
        env=env,
        cwd=ROOT,
        rss_limit_bytes=int(rss_limit_gib * GIB),
        also_under=Server.pid(),
    )
    return {
        "wall_s": round(m.wall_s, 3),
        "cpu_s": None if Server.pid() else round(_cpu_children() - cpu_before, 3),
        "peak_rss_gib": round(m.peak_rss_gib, 3),
        "returncode": m.returncode,
        "killed_for_memory": m.killed_for_memory,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "rss_timeline": m.timeline,
        "_stdout": m.stdout,
        "_stderr": m.stderr,
    }


def ensure_data(
    out_dir: Path, tenants: int, month: str, fmt: str, regenerate: bool
) -> tuple[Path, dict]:
    data = out_dir / "data" / f"n{tenants}-{month}-{fmt}"
    manifest_path = data / "bench_manifest.json"
    if not regenerate and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (manifest["tenants"], manifest["month"], manifest["format"]) == (tenants, month, fmt):
            return data, manifest | {"reused": True}
    return data, gen.generate(data, tenants, month, fmt) | {"reused": False}


# ---------------------------------------------------------------------------------------------
# floor


def run_floor(data: Path, fmt: str, rss_limit_gib: float) -> dict:
    result = measured([sys.executable, "-m", "bench.floor", str(data), fmt], None, rss_limit_gib)
    result |= json.loads(result["_stdout"].strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------------------------------------
# platform


def _fresh_workdir(work: Path, data: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    (work / "dagster_home").mkdir(parents=True)
    # Used only with --instance recorded: runs kept where `dagster dev` shows them.
    (work / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    for folder in ("published", "evidence"):
        shutil.rmtree(data / folder, ignore_errors=True)


def platform_env(data: Path, work: Path, instance: str = "ephemeral") -> dict[str, str]:
    env = dict(os.environ)
    env |= {
        "SLA_DATA_DIR": str(data),
        "SLA_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    # `sla materialize` as a person runs it keeps the run's events in memory; with DAGSTER_HOME
    # (`make ui` users) it writes them to the instance's SQLite event log, which costs seconds.
    if instance == "recorded":
        env["DAGSTER_HOME"] = str(work / "dagster_home")
    else:
        env.pop("DAGSTER_HOME", None)
    # Statement PDFs are one headless Chromium per tenant and language (about 1 s each here):
    # a publishing job of its own, measured apart in docs/BENCHMARKS.md. HTML is still written.
    env.setdefault("SLA_STATEMENT_PDF", "off")
    return env


def platform_cmd(month: str, timings: Path) -> list[str]:
    as_of = _month_after(month) + "-15T00:00:00Z"
    return [
        str(BIN / "sla"),
        "materialize",
        "--month",
        month,
        "--as-of",
        as_of,
        "--timings",
        str(timings),
    ]


def _month_after(month: str) -> str:
    y, m = (int(p) for p in month.split("-"))
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def _stage_of(step: str) -> str:
    if step == "raw_files":
        return "ingest"
    # one step per stage of checks since session 7; per-check steps before (raw__*, ...)
    if step == "raw_expectations" or step.startswith("raw__"):
        return "raw_checks"
    if step == "sla_dbt_models":
        return "dbt"
    if step == "mart_expectations" or step.startswith("marts__"):
        return "mart_checks"
    if step == "raw_equals_staged_plus_quarantined" or step.startswith("quarantine__"):
        return "reconcile_checks"
    if step.startswith("published__"):
        return "publish"
    return "other"


def event_stages(timings: Path, started_epoch: float, ended_epoch: float) -> dict:
    """Step and stage durations of the run, from the events `sla materialize --timings` wrote."""
    events = json.loads(timings.read_text())["events"]
    steps: dict[str, dict[str, float]] = {}
    for ts, kind, step, _ in events:
        if kind == "STEP_START":
            steps.setdefault(step, {})["start"] = ts
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            steps.setdefault(step, {})["end"] = ts
    step_s = {k: v["end"] - v["start"] for k, v in steps.items() if "start" in v and "end" in v}
    stages: dict[str, float] = {}
    for step, seconds in step_s.items():
        stages[_stage_of(step)] = stages.get(_stage_of(step), 0.0) + seconds
    first, last = events[0][0], events[-1][0]
    stages["startup"] = first - started_epoch
    stages["between_steps"] = (last - first) - sum(step_s.values())
    stages["teardown"] = ended_epoch - last
    # Probe ingestion: from the materialisation before raw/probes to raw/probes itself.
    mats = [(ts, key) for ts, kind, _, key in events if kind == "ASSET_MATERIALIZATION"]
    probe_ingest = None
    for index, (ts, key) in enumerate(mats):
        if key == "raw/probes" and index > 0:
            probe_ingest = ts - mats[index - 1][0]
    windows: dict[str, list[float]] = {}
    for step, v in steps.items():
        if "start" in v and "end" in v:
            window = windows.setdefault(_stage_of(step), [v["start"], v["end"]])
            window[0], window[1] = min(window[0], v["start"]), max(window[1], v["end"])
    return {
        # each stage's [first start, last end] in seconds after the process was launched
        "stage_windows_s": {
            k: [round(a - started_epoch, 2), round(b - started_epoch, 2)]
            for k, (a, b) in windows.items()
        },
        "stages_s": {k: round(v, 3) for k, v in sorted(stages.items())},
        "steps_s": {k: round(v, 3) for k, v in sorted(step_s.items(), key=lambda kv: -kv[1])},
        "probe_ingest_s": round(probe_ingest, 3) if probe_ingest is not None else None,
        "unfinished_steps": [k for k, v in steps.items() if "end" not in v],
        "dbt_window": [
            steps.get("sla_dbt_models", {}).get("start"),
            steps.get("sla_dbt_models", {}).get("end"),
        ],
    }


def dbt_timings(since_epoch: float, dbt_window: list[float | None]) -> dict:
    """Per-node timings from the newest run_results.json written after since_epoch."""
    candidates = [
        p for p in DBT_TARGET.glob("*/run_results.json") if p.stat().st_mtime >= since_epoch
    ]
    if not candidates:
        return {}
    path = max(candidates, key=lambda p: p.stat().st_mtime)
    results = json.loads(path.read_text())
    nodes = []
    first_start = last_end = None
    for r in results["results"]:
        execute = [t for t in r.get("timing", []) if t["name"] == "execute"]
        starts = [t["started_at"] for t in r.get("timing", []) if t.get("started_at")]
        ends = [t["completed_at"] for t in r.get("timing", []) if t.get("completed_at")]
        if starts:
            s = datetime.fromisoformat(min(starts).replace("Z", "+00:00")).timestamp()
            first_start = s if first_start is None else min(first_start, s)
        if ends:
            e = datetime.fromisoformat(max(ends).replace("Z", "+00:00")).timestamp()
            last_end = e if last_end is None else max(last_end, e)
        uid = r["unique_id"]
        nodes.append(
            {
                "unique_id": uid,
                "name": uid.split(".")[-1] if not uid.startswith("test.") else uid.split(".")[2],
                "kind": uid.split(".")[0],
                "status": r["status"],
                "execution_s": round(r.get("execution_time") or 0.0, 3),
                "execute_s": round(
                    sum(
                        datetime.fromisoformat(t["completed_at"].replace("Z", "+00:00")).timestamp()
                        - datetime.fromisoformat(t["started_at"].replace("Z", "+00:00")).timestamp()
                        for t in execute
                        if t.get("started_at") and t.get("completed_at")
                    ),
                    3,
                ),
            }
        )
    nodes.sort(key=lambda n: -n["execution_s"])
    probe = [n for n in nodes if n["kind"] == "model" and n["name"] in PROBE_MODELS]
    models = [n for n in nodes if n["kind"] == "model"]
    tests = [n for n in nodes if n["kind"] == "test"]
    start, end = dbt_window
    return {
        "run_results": str(path.relative_to(ROOT)),
        "elapsed_s": round(results.get("elapsed_time", 0.0), 3),
        "nodes": len(nodes),
        "models_sum_s": round(sum(n["execution_s"] for n in models), 3),
        "tests_sum_s": round(sum(n["execution_s"] for n in tests), 3),
        "probe_models_sum_s": round(sum(n["execution_s"] for n in probe), 3),
        "probe_models": {n["name"]: n["execution_s"] for n in probe},
        # dbt's own start (process, parse check, adapter) and end, outside any node
        "before_first_node_s": round(first_start - start, 3) if start and first_start else None,
        "after_last_node_s": round(end - last_end, 3) if end and last_end else None,
        "top_nodes": nodes[:15],
    }


def platform_availability(work: Path, month: str) -> dict[str, dict[str, float]]:
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            """select tenant_id, downtime_minutes, excluded_minutes, unmonitored_minutes,
                      uptime_pct
               from marts.availability_monthly where service_month = ?""",
            [month],
        ).fetchall()
    finally:
        con.close()
    return {
        r[0]: {
            "downtime_minutes": float(r[1]),
            "excluded_minutes": float(r[2]),
            "unmonitored_minutes": float(r[3]),
            "uptime_pct": float(r[4]),
        }
        for r in rows
    }


def run_platform(
    data: Path, work: Path, month: str, rss_limit_gib: float, instance: str = "ephemeral"
) -> dict:
    _fresh_workdir(work, data)
    timings = work / "timings.json"
    started = time.time()
    result = measured(
        platform_cmd(month, timings), platform_env(data, work, instance), rss_limit_gib
    )
    ended = time.time()
    (work / "platform.log").write_text(result["_stdout"] + result["_stderr"])
    if result["returncode"] != 0:
        # Where a killed or failed run got to: the steps that had started, best effort.
        try:
            partial = event_stages(timings, started, ended)
            result["reached"] = partial["stage_windows_s"]
            result["steps_s"] = partial["steps_s"]
            result["unfinished_steps"] = partial["unfinished_steps"]
        except Exception as exc:  # noqa: BLE001 - a run killed early may have no event log
            result["reached"] = f"unknown ({exc.__class__.__name__})"
        return result
    result |= event_stages(timings, started, ended)
    result["instance"] = instance
    result["dbt"] = dbt_timings(started, result.pop("dbt_window"))
    result["peak_rss_by_stage_gib"] = rss_by_stage(result)
    return result


def rss_by_stage(result: dict) -> dict[str, float]:
    """The tree's highest sampled RSS while each stage ran (1 s samples)."""
    out = {}
    for stage, (start, end) in result.get("stage_windows_s", {}).items():
        inside = [rss for t, rss in result["rss_timeline"] if start - 0.5 <= t <= end + 0.5]
        if inside:
            out[stage] = round(max(inside) / GIB, 2)
    return out


def run_restate(
    data: Path,
    work: Path,
    month: str,
    manifest: dict,
    rss_limit_gib: float,
    instance: str = "ephemeral",
) -> dict:
    """A late probe file for one tenant, then the month again on the same warehouse."""
    late = data / manifest["late_file"]
    target = data / "raw" / "probes" / month / ("late-" + late.name)
    before = platform_availability(work, month).get(manifest["late_tenant"])
    shutil.copy(late, target)
    try:
        started = time.time()
        timings = work / "timings-restate.json"
        result = measured(
            platform_cmd(month, timings), platform_env(data, work, instance), rss_limit_gib
        )
        ended = time.time()
        if result["returncode"] == 0:
            result |= event_stages(timings, started, ended)
            result.pop("dbt_window", None)
            result["dbt"] = dbt_timings(started, [None, None])
            result["tenant"] = manifest["late_tenant"]
            result["before"] = before
            result["after"] = platform_availability(work, month).get(manifest["late_tenant"])
    finally:
        # The data set stays reusable: the late file is only in raw/ for this measurement.
        target.unlink(missing_ok=True)
    return result


# ---------------------------------------------------------------------------------------------
# peer


def run_peer(data: Path, work: Path, month: str, subset: int | None, rss_limit_gib: float) -> dict:
    out = work / "peer.json"
    cmd = [sys.executable, "-m", "bench.peer", str(data), month, str(out)]
    if subset:
        tenants_file = work / "peer_tenants.txt"
        tenants_file.write_text("\n".join(gen.tenant_id(i) for i in range(subset)))
        cmd += ["--tenants-file", str(tenants_file)]
    result = measured(cmd, None, rss_limit_gib)
    if result["returncode"] == 0:
        body = json.loads(out.read_text())
        result["timings"] = body["timings"]
        result["tenants"] = body["tenants"]
    return result


def compare(platform: dict, peer: dict) -> dict:
    common = sorted(set(platform) & set(peer))
    diffs = {
        t: (peer[t]["downtime_minutes"] - platform[t]["downtime_minutes"]) * 60 for t in common
    }
    if not diffs:
        return {"tenants": 0}
    worst = max(diffs, key=lambda t: abs(diffs[t]))
    return {
        "tenants": len(common),
        "max_abs_downtime_diff_s": round(abs(diffs[worst]), 3),
        "worst_tenant": worst,
        "worst_platform_min": platform[worst]["downtime_minutes"],
        "worst_peer_min": peer[worst]["downtime_minutes"],
        "mean_abs_downtime_diff_s": round(statistics.fmean(abs(v) for v in diffs.values()), 3),
        "tenants_within_60s": sum(abs(v) <= 60 for v in diffs.values()),
        "tenants_within_180s": sum(abs(v) <= 180 for v in diffs.values()),
        "platform_downtime_min_total": round(
            sum(platform[t]["downtime_minutes"] for t in common), 3
        ),
        "peer_downtime_min_total": round(sum(peer[t]["downtime_minutes"] for t in common), 3),
        "max_abs_unmonitored_diff_min": round(
            max(
                abs(peer[t]["unmonitored_minutes"] - platform[t]["unmonitored_minutes"])
                for t in common
            ),
            3,
        ),
    }


# ---------------------------------------------------------------------------------------------
# report


def _median(values: list[float | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return round(statistics.median(clean), 3) if clean else None


def summarise(
    n: int, fmt: str, manifest: dict, floors: list, platforms: list, peers: list, subset: int | None
) -> dict:
    ok = [p for p in platforms if p["returncode"] == 0]
    rows = manifest["probe_rows"]
    floor_s = _median([f["wall_s"] for f in floors])
    floor_query_s = _median([f["query_s"] for f in floors])
    wall = _median([p["wall_s"] for p in ok])
    dbt = _median([p["stages_s"].get("dbt") for p in ok])
    probe_models = _median([p["dbt"].get("probe_models_sum_s") for p in ok])
    rss = _median([p["peak_rss_gib"] for p in ok])
    scale = n / subset if subset else 1.0
    peer_ok = [p for p in peers if p["returncode"] == 0]
    peer_wall = _median([p["wall_s"] * scale for p in peer_ok])
    peer_compute = _median([p["timings"]["compute_s"] * scale for p in peer_ok])
    peer_rss = _median([p["peak_rss_gib"] for p in peer_ok])

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a and b else None

    stage_names = sorted({k for p in ok for k in p["stages_s"]})
    summary = {
        "tenants": n,
        "format": fmt,
        "rows": rows,
        "probe_bytes": manifest["probe_bytes"],
        "runs": len(ok),
        "floor_wall_s": floor_s,
        "floor_query_s": floor_query_s,
        "platform_wall_s": wall,
        "platform_cpu_s": _median([p["cpu_s"] for p in ok]),
        "platform_peak_rss_gib": rss,
        "platform_stages_s": {s: _median([p["stages_s"].get(s) for p in ok]) for s in stage_names},
        "platform_peak_rss_by_stage_gib": {
            st: _median([p.get("peak_rss_by_stage_gib", {}).get(st) for p in ok])
            for st in stage_names
            if any(st in p.get("peak_rss_by_stage_gib", {}) for p in ok)
        },
        "probe_ingest_s": _median([p.get("probe_ingest_s") for p in ok]),
        "dbt_probe_models_s": probe_models,
        "peer_wall_s": peer_wall,
        "peer_compute_s": peer_compute,
        "peer_peak_rss_gib": peer_rss,
        "peer_subset": subset,
        "peer_scaled": bool(subset and subset < n),
        "ratio_platform_floor_total": ratio(wall, floor_query_s),
        "ratio_platform_floor_compute": ratio(dbt, floor_query_s),
        "ratio_probe_models_floor": ratio(probe_models, floor_query_s),
        "ratio_peer_platform_total": ratio(peer_wall, wall),
        "ratio_peer_platform_compute": ratio(peer_compute, dbt),
        "ratio_peer_platform_memory": ratio(peer_rss, rss),
        "rows_per_s": round(rows / wall) if wall else None,
        "ns_per_row": round(wall / rows * 1e9, 1) if wall else None,
    }
    if fmt == "csv" and summary["probe_ingest_s"]:
        summary["csv_ingest_mb_per_s"] = round(
            manifest["probe_bytes"] / 1e6 / summary["probe_ingest_s"], 1
        )
    return summary


def print_table(s: dict, comparison: dict | None, restate: dict | None) -> None:
    def f(v: object, unit: str = "") -> str:
        return "-" if v is None else f"{v}{unit}"

    lines = [
        f"N={s['tenants']} {s['format']}: {s['rows']:,} probe rows, "
        f"{s['probe_bytes'] / 1e6:.1f} MB, {s['runs']} platform run(s)",
        f"{'':28}{'wall s':>10}{'peak RSS GiB':>14}",
        f"{'floor (DuckDB scan)':28}{f(s['floor_query_s']):>10}{'':>14}",
        f"{'platform end to end':28}{f(s['platform_wall_s']):>10}"
        f"{f(s['platform_peak_rss_gib']):>14}",
        f"{'  dbt build (compute)':28}{f(s['platform_stages_s'].get('dbt')):>10}",
        f"{'  probe models in dbt':28}{f(s['dbt_probe_models_s']):>10}",
        f"{'naive pandas peer' + (' (scaled)' if s['peer_scaled'] else ''):28}"
        f"{f(s['peer_wall_s']):>10}{f(s['peer_peak_rss_gib']):>14}",
        f"{'  peer compute':28}{f(s['peer_compute_s']):>10}",
        "stages (median s): " + ", ".join(f"{k}={v}" for k, v in s["platform_stages_s"].items()),
        f"platform/floor: total {f(s['ratio_platform_floor_total'])}x, "
        f"dbt {f(s['ratio_platform_floor_compute'])}x, probe models "
        f"{f(s['ratio_probe_models_floor'])}x",
        f"peer/platform: total {f(s['ratio_peer_platform_total'])}x, compute "
        f"{f(s['ratio_peer_platform_compute'])}x, memory {f(s['ratio_peer_platform_memory'])}x",
        f"throughput: {f(s['rows_per_s'])} rows/s, {f(s['ns_per_row'])} ns/row",
    ]
    if "csv_ingest_mb_per_s" in s:
        lines.append(f"CSV probe ingestion: {s['csv_ingest_mb_per_s']} MB/s")
    if comparison and comparison.get("tenants"):
        lines.append(
            f"peer vs platform on {comparison['tenants']} tenants: max |downtime diff| "
            f"{comparison['max_abs_downtime_diff_s']} s ({comparison['worst_tenant']}), mean "
            f"{comparison['mean_abs_downtime_diff_s']} s, {comparison['tenants_within_60s']} "
            "within 60 s (minute granularity)"
        )
    if restate and restate.get("returncode") == 0:
        lines.append(
            f"restate one tenant after a late probe file: {restate['wall_s']} s "
            f"(dbt {restate['stages_s'].get('dbt')} s)"
        )
    print("\n".join(lines))


def machine() -> dict:
    import pandas
    import polars

    info = {
        "python": pyplatform.python_version(),
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
        "pandas": pandas.__version__,
        "cpus": os.cpu_count(),
        "kernel": pyplatform.release(),
    }
    try:
        info["mem_total_gib"] = round(
            os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GIB, 1
        )
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except (OSError, ValueError):
        pass
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, required=True)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default=os.environ.get("SLA_ENGINE", "duckdb"),
        help="SLA_ENGINE for the platform runs (the floor and the peer are the same either way)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="floor and platform runs")
    parser.add_argument("--peer-subset", type=int, help="run the peer on the first M tenants")
    parser.add_argument("--peer-repeat", type=int, default=1)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--no-restate", action="store_true")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--append", action="store_true", help="add these runs to an existing result file"
    )
    parser.add_argument(
        "--rss-limit-gib",
        type=float,
        default=14.0,
        help="kill a measured process tree above this (the machine is shared)",
    )
    parser.add_argument(
        "--instance",
        choices=("ephemeral", "recorded"),
        default="ephemeral",
        help="the CLI's in-memory Dagster instance (default, as `sla materialize` runs), or one "
        "recorded under DAGSTER_HOME in the work folder (as `make ui` users run it)",
    )
    parser.add_argument(
        "--server",
        action="store_true",
        help="start `sla serve` first and run the platform's commands through it (change 25)",
    )
    parser.add_argument("--out-dir", type=Path, default=OUT, help="data, work and results")
    parser.add_argument("--out", type=Path, help="result JSON (default OUT_DIR/result-...)")
    args = parser.parse_args(argv)
    n, fmt, month = args.tenants, args.format, args.month
    subset = args.peer_subset if args.peer_subset and args.peer_subset < n else None

    data, manifest = ensure_data(args.out_dir, n, month, fmt, args.regenerate)
    suffix = "" if args.engine == "duckdb" else f"-{args.engine}"
    work = args.out_dir / "work" / f"n{n}-{month}-{fmt}{suffix}"
    os.environ["SLA_ENGINE"] = args.engine
    if args.engine == "spark":
        os.environ["SLA_SPARK_WAREHOUSE"] = str(work / "spark-warehouse")
    if args.server:
        Server.start(Path(tempfile.mkdtemp(prefix="sla-bench-")))
    try:
        return _measure_all(args, n, fmt, month, subset, data, manifest, work, suffix)
    finally:
        Server.stop()


def _measure_all(
    args: argparse.Namespace,
    n: int,
    fmt: str,
    month: str,
    subset: int | None,
    data: Path,
    manifest: dict,
    work: Path,
    suffix: str,
) -> int:
    floors, platforms, peers = [], [], []
    for k in range(args.repeat):
        floors.append(run_floor(data, fmt, args.rss_limit_gib))
        print(f"[{k + 1}/{args.repeat}] floor {floors[-1]['query_s']} s", flush=True)
        platforms.append(run_platform(data, work, month, args.rss_limit_gib, args.instance))
        p = platforms[-1]
        print(
            f"[{k + 1}/{args.repeat}] platform {p['wall_s']} s, {p['peak_rss_gib']} GiB, "
            f"rc={p['returncode']}" + (" (killed: memory limit)" if p["killed_for_memory"] else ""),
            flush=True,
        )
        if p["returncode"] != 0:
            print((p["_stdout"] + p["_stderr"])[-3000:], file=sys.stderr)
    comparison = None
    ok = platforms and platforms[-1]["returncode"] == 0
    plat_avail = platform_availability(work, month) if ok else {}
    if not args.no_peer:
        for k in range(args.peer_repeat):
            peers.append(run_peer(data, work, month, subset, args.rss_limit_gib))
            print(
                f"[{k + 1}/{args.peer_repeat}] peer {peers[-1]['wall_s']} s, "
                f"{peers[-1]['peak_rss_gib']} GiB, rc={peers[-1]['returncode']}",
                flush=True,
            )
            if peers[-1]["returncode"] != 0:
                print(peers[-1]["_stderr"][-3000:], file=sys.stderr)
        good = [p for p in peers if p["returncode"] == 0]
        if good and plat_avail:
            comparison = compare(plat_avail, good[-1]["tenants"])
    restate = None
    if ok and not args.no_restate:
        restate = run_restate(data, work, month, manifest, args.rss_limit_gib, args.instance)

    path = args.out or args.out_dir / f"result-n{n}-{month}-{fmt}{suffix}.json"
    if args.append and path.exists():
        # Runs of another session on the same data join this one's: medians over all of them.
        previous = json.loads(path.read_text())
        floors = previous["floor"] + floors
        platforms = previous["platform"] + platforms
        peers = previous["peer"] + peers
        comparison = comparison or previous.get("comparison")
        restate = restate or previous.get("restate")
    summary = summarise(n, fmt, manifest, floors, platforms, peers, subset)
    summary["engine"] = args.engine
    summary["instance"] = args.instance
    summary["server"] = args.server
    print_table(summary, comparison, restate)

    def clean(d: dict | None) -> dict | None:
        if d is None:
            return None
        return {k: v for k, v in d.items() if not k.startswith("_") and k != "tenants"}

    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "manifest": manifest,
        "summary": summary,
        "comparison": comparison,
        "floor": [clean(f) for f in floors],
        "platform": [clean(p) for p in platforms],
        "peer": [clean(p) for p in peers],
        "restate": clean(restate),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str))
    print(f"wrote {path}")
    failed = any(p["returncode"] != 0 for p in platforms) or any(
        p["returncode"] != 0 for p in peers
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
