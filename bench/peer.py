"""The naive peer: the same uptime arithmetic as a data team would write it in pandas.

    python -m bench.peer DATA_DIR MONTH OUT_JSON [--tenants-file FILE]

Read the probe files into one DataFrame, put every location's results on a one-minute grid
(last result of the minute, forward-filled for the staleness limit), take the majority of the
known locations per minute, cut episodes, drop those under the minimum, subtract maintenance
and exclusions, and sum per tenant. It is deliberately the straightforward version (a dense row
per tenant-minute, object columns, groupby-ffill), not a tuned one: that is the point of the
comparison. Clarus-style policies only (majority quorum, one policy zone), as bench.generate
writes.

Minute granularity is where it differs from the platform: a result is taken to hold for its
whole minute, so each episode edge can be off by up to a minute, and episodes the platform
measures as just under a minute (flapping, two lone failures in the same minute) count here.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
import yaml


def read_probes(data_dir: Path, tenants: list[str] | None) -> pd.DataFrame:
    folder = data_dir / "raw" / "probes"
    frames = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".parquet":
            filters = [("tenant_id", "in", tenants)] if tenants else None
            frame = pd.read_parquet(path, filters=filters)
        elif path.suffix == ".csv":
            frame = pd.read_csv(path)
            frame["checked_at"] = pd.to_datetime(frame["checked_at"], utc=True, format="ISO8601")
            if tenants:
                frame = frame[frame["tenant_id"].isin(tenants)]
        else:
            continue
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def excluded_windows(data_dir: Path, notice_hours: float) -> pd.DataFrame:
    """(tenant_id, start, end) of every period that may be excluded."""
    parts = []
    maint_path = data_dir / "raw" / "maintenance" / "windows.csv"
    if maint_path.exists():
        maint = pd.read_csv(maint_path, dtype=str, keep_default_na=False)
        for col in ("starts_at", "ends_at"):
            maint[col] = pd.to_datetime(maint[col], utc=True, format="ISO8601")
        announced = pd.to_datetime(
            maint["announced_at"].replace("", None), utc=True, format="ISO8601"
        )
        notice = maint["starts_at"] - announced
        ok = (maint["kind"] == "emergency") | (notice >= pd.Timedelta(hours=notice_hours))
        parts.append(maint.loc[ok, ["tenant_id", "starts_at", "ends_at"]])
    excl_path = data_dir / "raw" / "exclusions" / "exclusions.csv"
    if excl_path.exists():
        excl = pd.read_csv(excl_path, dtype=str, keep_default_na=False)
        if len(excl):
            for col in ("starts_at", "ends_at"):
                excl[col] = pd.to_datetime(excl[col], utc=True, format="ISO8601")
            parts.append(excl[["tenant_id", "starts_at", "ends_at"]])
    if not parts:
        return pd.DataFrame(columns=["tenant_id", "starts_at", "ends_at"])
    return pd.concat(parts, ignore_index=True)


def availability(data_dir: Path, month: str, tenants: list[str] | None) -> tuple[dict, dict]:
    timings = {}
    began = time.perf_counter()
    policies = {
        p["policy_id"]: p
        for p in yaml.safe_load((data_dir / "reference" / "policies.yaml").read_text())
    }
    contracts = pd.read_csv(data_dir / "reference" / "contracts.csv", dtype=str)
    if tenants:
        contracts = contracts[contracts["tenant_id"].isin(tenants)]
    policy = policies[contracts["policy_id"].iloc[0]]
    tz = policy["timezone"]
    stale_minutes = int(policy["stale_after_seconds"]) // 60
    min_minutes = int(policy["min_downtime_seconds"]) / 60

    probes = read_probes(data_dir, tenants)
    timings["read_s"] = time.perf_counter() - began

    t0 = time.perf_counter()
    month_start = pd.Timestamp(f"{month}-01", tz=tz).tz_convert("UTC")
    month_end = (pd.Timestamp(f"{month}-01", tz=tz) + pd.offsets.MonthBegin(1)).tz_convert("UTC")
    minutes = pd.date_range(month_start, month_end, freq="1min", inclusive="left")

    probes = probes[(probes["checked_at"] >= month_start) & (probes["checked_at"] < month_end)]
    probes["minute"] = probes["checked_at"].dt.floor("min")
    probes = probes.sort_values(["tenant_id", "location", "checked_at"])
    # One state per location and minute: the last result seen in that minute.
    per_minute = probes.groupby(["tenant_id", "location", "minute"])["ok"].last()
    grid = per_minute.unstack("location")
    full = pd.MultiIndex.from_product(
        [sorted(contracts["tenant_id"]), minutes], names=["tenant_id", "minute"]
    )
    grid = grid.reindex(full)
    # The minute of a result is the first of its stale window, hence limit = stale - 1.
    grid = grid.groupby(level="tenant_id").ffill(limit=stale_minutes - 1)

    known = grid.notna().sum(axis=1)
    failing = (grid == False).sum(axis=1)  # noqa: E712 - NaN must not count as failing
    down = 2 * failing > known
    frame = pd.DataFrame({"down": down, "unmonitored": known == 0}).reset_index()

    # Episodes: consecutive down minutes of a tenant; the minimum applies to the whole run.
    frame["run"] = (
        (frame["down"] != frame.groupby("tenant_id")["down"].shift())
        .groupby(frame["tenant_id"])
        .cumsum()
    )
    run_length = frame.groupby(["tenant_id", "run"])["down"].transform("size")
    frame["counted"] = frame["down"] & (run_length >= min_minutes)

    # Excluded Downtime: every window exploded to its minutes ('*' to every tenant), so a
    # minute under several windows is excluded once.
    windows = excluded_windows(data_dir, float(policy["maintenance_notice_hours"]))
    windows["minute"] = [
        pd.date_range(s.ceil("min"), e, freq="1min", inclusive="left")
        for s, e in zip(windows["starts_at"], windows["ends_at"], strict=True)
    ]
    windows = windows.explode("minute")
    everyone = windows[windows["tenant_id"] == "*"].drop(columns="tenant_id")
    everyone = everyone.merge(contracts[["tenant_id"]], how="cross")
    windows = pd.concat([windows[windows["tenant_id"] != "*"], everyone])
    windows = windows[["tenant_id", "minute"]].drop_duplicates()
    windows["minute"] = pd.to_datetime(windows["minute"], utc=True)
    windows["excluded"] = True
    frame = frame.merge(windows, on=["tenant_id", "minute"], how="left")
    frame["excluded"] = frame["excluded"].fillna(False).astype(bool)

    frame["downtime"] = frame["counted"] & ~frame["excluded"]
    frame["excluded_down"] = frame["counted"] & frame["excluded"]
    result = frame.groupby("tenant_id").agg(
        downtime_minutes=("downtime", "sum"),
        excluded_minutes=("excluded_down", "sum"),
        unmonitored_minutes=("unmonitored", "sum"),
    )
    total = len(minutes)
    result["uptime_pct"] = (total - result["downtime_minutes"]) / total * 100
    timings["compute_s"] = time.perf_counter() - t0
    timings["rows"] = int(len(probes))
    out = {
        tid: {k: float(v) for k, v in row.items()} for tid, row in result.to_dict("index").items()
    }
    return out, timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("month")
    parser.add_argument("out", type=Path)
    parser.add_argument("--tenants-file", type=Path)
    args = parser.parse_args(argv)
    tenants = args.tenants_file.read_text().split() if args.tenants_file else None
    began = time.perf_counter()
    result, timings = availability(args.data_dir, args.month, tenants)
    timings["total_s"] = time.perf_counter() - began
    args.out.write_text(
        json.dumps({"timings": timings, "tenants": result, "pandas": pd.__version__})
    )
    print(json.dumps(timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
