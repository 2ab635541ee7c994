"""Realistic probe data at scale, in the SLA_DATA_DIR layout the platform reads.

    python -m bench.generate --tenants N --month YYYY-MM --format parquet|csv [--out DIR]

N Clarus tenants (policy and contract writers reused from orchestration.lib.sample_data), three
locations each checking once a minute with their own phase and a little jitter, over the service
month in Cairo time: about 134 M rows at N=1000 for a 31-day month. Each tenant draws its own
outages, 2-of-3 failures, flapping, single-location failures, monitoring gaps, lone failed
checks, maintenance windows (announced in time, too late, emergency), exclusions and tickets.

Everything for tenant i derives from numpy's generator seeded with (seed, i), so a tenant's data
do not depend on N or on the batch size. Probes are written one file per batch of tenants, so
memory stays at one batch; Parquet goes through DuckDB's COPY with zstd and PARQUET_VERSION v2
(delta-encoded timestamps are several times smaller than v1's plain int64 pages).

One tenant's `fra` results for six hours are held back from raw/probes and written to late/:
bench.run drops that file in later to time the restatement of one tenant.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import polars as pl

from orchestration.lib.sample_data import (
    CLARUS,
    POLICIES_YAML,
    _contract_rows,
    _money,
    _Tenant,
    _write_csv,
)

SEED = 2026
LOCATIONS = ("fra", "iad", "sin")
COMPONENT = "core"
TZ = ZoneInfo("Africa/Cairo")
CHECK_SECONDS = 60
# Phases stop 3 s short of the minute so phase + jitter never reaches the next minute's slot.
MAX_PHASE_SECONDS = 57
JITTER_SECONDS = 2
BATCH_TENANTS = 50
LONE_FAILURE_PROBABILITY = 0.0005
# The tenant whose late file times a one-tenant restatement, and what is held back.
LATE_TENANT = 0
LATE_LOCATION = 0
LATE_DAY = 15
LATE_HOURS = 6
CURRENCIES = ("EGP", "USD", "EUR", "KWD")
FEES = {"EGP": 42500, "USD": 1250, "EUR": 980, "KWD": 385}
CONTRACT_COLUMNS = [
    "tenant_id",
    "tenant_name",
    "policy_id",
    "plan_tier",
    "currency",
    "starts_on",
    "ends_on",
    "prepaid_from",
    "prepaid_through",
    "prepaid_amount",
]


@dataclass(frozen=True)
class Month:
    label: str
    start: int  # epoch seconds of local midnight on the 1st
    end: int

    @property
    def minutes(self) -> int:
        return (self.end - self.start) // 60


def month_bounds(label: str) -> Month:
    year, month = (int(p) for p in label.split("-"))
    nxt = (year + month // 12, month % 12 + 1)
    start = datetime(year, month, 1, tzinfo=TZ)
    end = datetime(nxt[0], nxt[1], 1, tzinfo=TZ)
    return Month(label, int(start.timestamp()), int(end.timestamp()))


def tenant_id(i: int) -> str:
    return f"bench-t{i:05d}"


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, TZ).isoformat(timespec="seconds")


def _iso_z(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class TenantWorld:
    ts: np.ndarray  # (locations, checks) epoch seconds
    ok: np.ndarray
    keep: np.ndarray
    latency: np.ndarray
    windows: list[list[str]]
    exclusions: list[list[str]]
    tickets: list[list[str]]
    events: dict[str, int]


def _span(rng: np.random.Generator, m: Month, median_min: float, cap_min: int) -> tuple[int, int]:
    minutes = int(np.clip(rng.lognormal(np.log(median_min), 0.9), 1, cap_min))
    seconds = minutes * 60 + int(rng.integers(0, 60))
    start = int(rng.integers(m.start + 3600, m.end - seconds - 3600))
    return start, start + seconds


def _mark(ts: np.ndarray, arr: np.ndarray, loc: int, s: int, e: int, value: bool) -> None:
    lo, hi = np.searchsorted(ts[loc], [s, e])
    arr[loc, lo:hi] = value


def tenant_world(i: int, m: Month, seed: int = SEED) -> TenantWorld:
    """One tenant's month: probes per location plus its windows, exclusions and tickets."""
    rng = np.random.default_rng([seed, i])
    n = m.minutes
    n_loc = len(LOCATIONS)
    phase = rng.integers(0, MAX_PHASE_SECONDS - JITTER_SECONDS + 1, n_loc)
    base = m.start + np.arange(n, dtype=np.int64) * CHECK_SECONDS
    ts = base[None, :] + phase[:, None] + rng.integers(0, JITTER_SECONDS + 1, (n_loc, n))
    ok = np.ones((n_loc, n), dtype=bool)
    keep = np.ones((n_loc, n), dtype=bool)
    events = dict.fromkeys(("outage", "majority", "flap", "single", "gap", "single_gap", "lone"), 0)
    outages: list[tuple[int, int]] = []

    for _ in range(rng.poisson(0.9)):  # every location fails
        s, e = _span(rng, m, 18, 600)
        outages.append((s, e))
        events["outage"] += 1
        for loc in range(n_loc):
            _mark(ts, ok, loc, s, e, False)
    for _ in range(rng.poisson(0.3)):  # two of three fail: still a majority
        s, e = _span(rng, m, 12, 240)
        outages.append((s, e))
        events["majority"] += 1
        for loc in rng.choice(n_loc, 2, replace=False):
            _mark(ts, ok, int(loc), s, e, False)
    for _ in range(rng.poisson(0.5)):  # flapping: every other check fails, everywhere
        s, e = _span(rng, m, 15, 60)
        events["flap"] += 1
        for loc in range(n_loc):
            lo, hi = np.searchsorted(ts[loc], [s, e])
            ok[loc, lo:hi] &= (np.arange(lo, hi) % 2) == 1
    for _ in range(rng.poisson(1.0)):  # one location's own trouble: never a majority
        s, e = _span(rng, m, 30, 300)
        events["single"] += 1
        _mark(ts, ok, int(rng.integers(0, n_loc)), s, e, False)
    for _ in range(rng.poisson(0.3)):  # monitoring silent everywhere: Unmonitored
        s, e = _span(rng, m, 25, 300)
        events["gap"] += 1
        for loc in range(n_loc):
            _mark(ts, keep, loc, s, e, False)
    for _ in range(rng.poisson(0.6)):  # one probe silent: two locations still decide
        s, e = _span(rng, m, 40, 600)
        events["single_gap"] += 1
        _mark(ts, keep, int(rng.integers(0, n_loc)), s, e, False)
    lone = rng.random((n_loc, n)) < LONE_FAILURE_PROBABILITY
    events["lone"] = int(lone.sum())
    ok &= ~lone

    latency = np.array([38.0, 112.0, 146.0])[:, None] * np.exp(rng.normal(0, 0.18, (n_loc, n)))
    latency = np.where(ok, np.round(latency, 1), np.nan)

    tid = tenant_id(i)
    windows: list[list[str]] = []
    for k in range(rng.poisson(1.2)):
        # Maintenance starts on the quarter hour; often it is where an outage happened.
        if outages and rng.random() < 0.5:
            anchor = outages[int(rng.integers(0, len(outages)))][0] - 15 * 60
        else:
            anchor = int(rng.integers(m.start + 86400, m.end - 86400))
        start = anchor - anchor % 900
        end = start + int(rng.integers(1, 17)) * 900
        kind = "emergency" if rng.random() < 0.1 else "scheduled"
        notice_h = int(rng.choice([120, 72, 48])) if kind == "scheduled" else None
        windows.append(
            [
                f"mw-{tid}-{k}",
                tid,
                _iso(start),
                _iso(end),
                _iso_z(start - notice_h * 3600) if notice_h else "",
                kind,
            ]
        )
    exclusions: list[list[str]] = []
    if outages and rng.random() < 0.15:
        s, e = outages[0]
        exclusions.append(
            [f"ex-{tid}", tid, "", _iso(s - 300), _iso(e - 120), "customer_caused", "firewall"]
        )

    tickets: list[list[str]] = []
    for k in range(int(rng.poisson(25))):
        created = int(rng.integers(m.start, m.end - 3600))
        severity = str(rng.choice(["P1", "P2", "P3", "P4"], p=[0.06, 0.22, 0.44, 0.28]))
        answered = rng.random() > 0.04
        response = created + int(rng.integers(120, 36 * 3600)) if answered else None
        exported = max(created, response or created) + 86400
        tickets.append(
            [
                f"INC-{i:05d}-{k:03d}",
                tid,
                severity,
                _iso(created),
                _iso(response) if response else "",
                _iso_z(exported),
                "portal",
                "benchmark ticket",
            ]
        )
    return TenantWorld(ts, ok, keep, latency, windows, exclusions, tickets, events)


def _late_mask(ts: np.ndarray, m: Month) -> np.ndarray:
    start = m.start + (LATE_DAY - 1) * 86400
    held = np.zeros(ts.shape, dtype=bool)
    _mark(ts, held, LATE_LOCATION, start, start + LATE_HOURS * 3600, True)
    return held


def _frame(ids: list[str], worlds: list[TenantWorld], masks: list[np.ndarray]) -> pl.DataFrame:
    n_loc = len(LOCATIONS)
    tenant_idx, loc_idx, ts, ok, lat = [], [], [], [], []
    for t, (w, mask) in enumerate(zip(worlds, masks, strict=True)):
        for loc in range(n_loc):
            sel = mask[loc]
            count = int(sel.sum())
            tenant_idx.append(np.full(count, t, dtype=np.int32))
            loc_idx.append(np.full(count, loc, dtype=np.int32))
            ts.append(w.ts[loc][sel])
            ok.append(w.ok[loc][sel])
            lat.append(w.latency[loc][sel])
    tidx = pl.Series(np.concatenate(tenant_idx))
    lidx = pl.Series(np.concatenate(loc_idx))
    return pl.DataFrame(
        {
            "tenant_id": pl.Series(ids).gather(tidx),
            "component": pl.repeat(COMPONENT, len(tidx), eager=True),
            "location": pl.Series(list(LOCATIONS)).gather(lidx),
            "checked_at": pl.from_epoch(pl.Series(np.concatenate(ts)), time_unit="s")
            .dt.replace_time_zone("UTC")
            .cast(pl.Datetime("us", "UTC")),
            "ok": np.concatenate(ok),
            "latency_ms": pl.Series(np.concatenate(lat), nan_to_null=True),
        }
    )


def write_probe_file(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, path: pathlib.Path, fmt: str
) -> None:
    arrow = frame.to_arrow()  # noqa: F841 - read by DuckDB's replacement scan
    if fmt == "parquet":
        con.execute(
            f"COPY (SELECT * FROM arrow) TO '{path}' "
            "(FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2, ROW_GROUP_SIZE 1000000)"
        )
    else:
        # The contract's text form: ISO 8601 with an explicit offset, booleans as true/false.
        con.execute(
            f"""COPY (SELECT tenant_id, component, location,
                             strftime(checked_at, '%Y-%m-%dT%H:%M:%SZ') AS checked_at,
                             ok, latency_ms FROM arrow)
                TO '{path}' (FORMAT csv, HEADER)"""
        )


def generate(
    out: pathlib.Path,
    tenants: int,
    month: str,
    fmt: str,
    seed: int = SEED,
    batch: int = BATCH_TENANTS,
) -> dict:
    """Write the world under `out` (replacing it) and return what was written."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be parquet or csv, not {fmt!r}")
    began = time.perf_counter()
    m = month_bounds(month)
    if out.exists():
        shutil.rmtree(out)
    probes_dir = out / "raw" / "probes" / month
    probes_dir.mkdir(parents=True)
    (out / "late").mkdir()
    ext = "parquet" if fmt == "parquet" else "csv"

    ids = [tenant_id(i) for i in range(tenants)]
    infos = [
        _Tenant(
            tid,
            f"Bench tenant {i}",
            CLARUS,
            "standard",
            CURRENCIES[i % len(CURRENCIES)],
            str(FEES[CURRENCIES[i % len(CURRENCIES)]]),
            date(2025, 1, 1),
        )
        for i, tid in enumerate(ids)
    ]
    ref = out / "reference"
    ref.mkdir()
    (ref / "policies.yaml").write_text(POLICIES_YAML, encoding="utf-8")
    _write_csv(ref / "contracts.csv", CONTRACT_COLUMNS, _contract_rows(infos))
    _write_csv(
        ref / "charges.csv",
        ["charge_id", "tenant_id", "service_month", "charge_type", "amount", "currency", "paid"],
        [
            [
                f"ch-{i:05d}",
                t.tenant_id,
                month,
                "subscription",
                _money(t.monthly_fee, t.currency),
                t.currency,
                "true",
            ]
            for i, t in enumerate(infos, start=1)
        ],
    )

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = 0
    files = 0
    windows: list[list[str]] = []
    exclusions: list[list[str]] = []
    tickets: list[list[str]] = []
    events: dict[str, int] = {}
    for lo in range(0, tenants, batch):
        chunk = list(range(lo, min(lo + batch, tenants)))
        worlds = [tenant_world(i, m, seed) for i in chunk]
        masks = []
        for i, w in zip(chunk, worlds, strict=True):
            held = _late_mask(w.ts, m) if i == LATE_TENANT else np.zeros(w.ts.shape, bool)
            masks.append(w.keep & ~held)
            if i == LATE_TENANT:
                late = _frame([ids[i]], [w], [w.keep & held])
                write_probe_file(con, late, out / "late" / f"probes-late.{ext}", fmt)
            windows += w.windows
            exclusions += w.exclusions
            tickets += w.tickets
            for key, value in w.events.items():
                events[key] = events.get(key, 0) + value
        frame = _frame([ids[i] for i in chunk], worlds, masks)
        write_probe_file(con, frame, probes_dir / f"probes-{lo // batch:04d}.{ext}", fmt)
        rows += frame.height
        files += 1
        del frame, worlds, masks

    # One platform-wide window, announced in time, over a quiet Sunday night.
    sunday = m.start + 9 * 86400 + 2 * 3600
    windows.append(
        [
            "mw-all-0",
            "*",
            _iso(sunday),
            _iso(sunday + 1800),
            _iso_z(sunday - 7 * 86400),
            "scheduled",
        ]
    )
    _write_csv(
        out / "raw" / "maintenance" / "windows.csv",
        ["window_id", "tenant_id", "starts_at", "ends_at", "announced_at", "kind"],
        windows,
    )
    _write_csv(
        out / "raw" / "exclusions" / "exclusions.csv",
        ["exclusion_id", "tenant_id", "component", "starts_at", "ends_at", "reason", "note"],
        exclusions,
    )
    _write_csv(
        out / "raw" / "tickets" / "tickets.csv",
        [
            "ticket_id",
            "tenant_id",
            "severity",
            "created_at",
            "first_response_at",
            "exported_at",
            "channel",
            "subject",
        ],
        tickets,
    )
    probe_bytes = sum(p.stat().st_size for p in probes_dir.iterdir())
    manifest = {
        "tenants": tenants,
        "month": month,
        "format": fmt,
        "seed": seed,
        "batch_tenants": batch,
        "month_minutes": m.minutes,
        "probe_rows": rows,
        "probe_files": files,
        "probe_bytes": probe_bytes,
        "late_file": f"late/probes-late.{ext}",
        "late_tenant": ids[LATE_TENANT],
        "maintenance_windows": len(windows),
        "exclusions": len(exclusions),
        "tickets": len(tickets),
        "events": events,
        "seconds": round(time.perf_counter() - began, 2),
    }
    (out / "bench_manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def default_out(tenants: int, month: str, fmt: str) -> pathlib.Path:
    return pathlib.Path(__file__).parent / "out" / "data" / f"n{tenants}-{month}-{fmt}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, required=True)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--out", type=pathlib.Path)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--batch", type=int, default=BATCH_TENANTS)
    args = parser.parse_args(argv)
    out = args.out or default_out(args.tenants, args.month, args.format)
    manifest = generate(out, args.tenants, args.month, args.format, args.seed, args.batch)
    print(json.dumps(manifest | {"out": str(out)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
