"""One hand-shaped world, materialised once per session through the real CLI, Dagster, dbt
and DuckDB; each test then reads the marts for the tenant that carries its case."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.commitments_world import add_commitment_cases, write_commitment_files
from tests.scenario import Tenant, World, utc, warehouse_env

# Every materialisation writes the month's tenant statements; printing each to PDF would cost
# seconds per page, so the suite's runs write HTML only and test_statements prints its own.
os.environ.setdefault("SLA_STATEMENT_PDF", "off")

AS_OF = "2026-11-25T00:00:00Z"
OCT = [(utc(2026, 9, 29), utc(2026, 11, 2))]
H = timedelta(hours=1)
M = timedelta(minutes=1)


def build_world(root: Path) -> World:
    w = World(root)
    t = w.tenants
    oct10 = utc(2026, 10, 10, 10)
    oct12 = utc(2026, 10, 12, 8)
    t.append(
        Tenant("blip", spans=OCT, failures=[("core", None, oct10, oct10 + timedelta(seconds=30))])
    )
    t.append(
        Tenant(
            "one-of-three", spans=OCT, fmt="parquet", failures=[("core", "fra", oct10, oct10 + H)]
        )
    )
    t.append(
        Tenant(
            "two-of-three",
            spans=OCT,
            fmt="jsonl",
            failures=[("core", "fra", oct10, oct10 + H), ("core", "iad", oct10, oct10 + H)],
        )
    )
    t.append(
        Tenant("down-44", spans=OCT, fmt="csv.gz", failures=[("core", None, oct12, oct12 + 44 * M)])
    )
    t.append(Tenant("down-45", spans=OCT, failures=[("core", None, oct12, oct12 + 45 * M)]))
    t.append(
        Tenant(
            "edge-999",
            spans=OCT,
            fmt="parquet",
            failures=[("core", None, oct12, oct12 + 44 * M + timedelta(seconds=42))],
        )
    )
    t.append(Tenant("edge-99", spans=OCT, failures=[("core", None, oct12, oct12 + 447 * M)]))
    t.append(
        Tenant(
            "month-end",
            spans=OCT,
            fmt="jsonl",
            failures=[("core", None, utc(2026, 9, 30, 20, 30), utc(2026, 9, 30, 21, 30))],
        )
    )
    for name, notice in (("maint-71", 71), ("maint-72", 72)):
        start = utc(2026, 10, 14, 1)
        t.append(Tenant(name, spans=OCT, failures=[("core", None, start, start + 2 * H)]))
        w.maintenance.append(
            {
                "window_id": f"w-{name}",
                "tenant_id": name,
                "starts_at": start.isoformat(),
                "ends_at": (start + 2 * H).isoformat(),
                "announced_at": (start - notice * H).isoformat(),
                "kind": "scheduled",
            }
        )
    o16 = utc(2026, 10, 16)
    t.append(Tenant("overlap", spans=OCT, failures=[("core", None, o16, o16 + 3 * H)]))
    w.maintenance.append(
        {
            "window_id": "w-overlap",
            "tenant_id": "overlap",
            "starts_at": o16.isoformat(),
            "ends_at": (o16 + 2 * H).isoformat(),
            "announced_at": (o16 - 100 * H).isoformat(),
            "kind": "scheduled",
        }
    )
    w.exclusions.append(
        {
            "exclusion_id": "x-overlap",
            "tenant_id": "overlap",
            "component": "",
            "starts_at": (o16 + H).isoformat(),
            "ends_at": (o16 + 3 * H).isoformat(),
            "reason": "customer_caused",
            "note": "their firewall",
        }
    )
    o18 = utc(2026, 10, 18)
    t.append(Tenant("window-30", spans=OCT, failures=[("core", None, o18 + H, o18 + H + 30 * M)]))
    w.maintenance.append(
        {
            "window_id": "w-four-hours",
            "tenant_id": "window-30",
            "starts_at": o18.isoformat(),
            "ends_at": (o18 + 4 * H).isoformat(),
            "announced_at": (o18 - 100 * H).isoformat(),
            "kind": "scheduled",
        }
    )
    t.append(Tenant("fees", spans=OCT, failures=[("core", None, oct12, oct12 + 45 * M)]))
    # Clara: hardware down 8 h at every location; Tokyo October has 44,640 minutes.
    o20 = utc(2026, 10, 20)
    for name in ("clara-claimed", "clara-late", "clara-unclaimed"):
        t.append(
            Tenant(
                name,
                policy_id="clara-dedicated-2024",
                currency="JPY",
                plan_tier="dedicated",
                components=("hardware", "network", "internet"),
                spans=OCT,
                interval=120,
                failures=[("hardware", None, o20, o20 + 8 * H)],
            )
        )
        w.fee(name, "2026-10", "123457", "JPY")
    w.claims += [
        {
            "claim_id": "cl-1",
            "tenant_id": "clara-claimed",
            "service_month": "2026-10",
            "received_at": "2026-11-03T23:59:00+09:00",
        },
        {
            "claim_id": "cl-1",
            "tenant_id": "clara-claimed",
            "service_month": "2026-10",
            "received_at": "2026-11-03T23:59:00+09:00",
        },
        {
            "claim_id": "cl-2",
            "tenant_id": "clara-late",
            "service_month": "2026-10",
            "received_at": "2026-11-04T00:00:00+09:00",
        },
        # received after the run's as-of: not there yet as of AS_OF (still expired, not late)
        {
            "claim_id": "cl-3",
            "tenant_id": "clara-unclaimed",
            "service_month": "2026-10",
            "received_at": "2026-11-26T09:00:00+09:00",
        },
    ]
    # Three breached months in a row on a prepaid year.
    term_spans = [(utc(2026, 7, 30), utc(2026, 11, 2))]
    t.append(
        Tenant(
            "term",
            spans=term_spans,
            interval=120,
            prepaid=("2026-01-01", "2026-12-31", "12000.00"),
            failures=[("core", None, utc(2026, m, 10), utc(2026, m, 10) + H) for m in (8, 9, 10)],
        )
    )
    for month in ("2026-08", "2026-09", "2026-10"):
        w.fee("term", month, "1000.00", "EGP")
    # The same on a prepaid amount finer than EGP's minor unit: the whole unused year refunds
    # 1000.005, which rounds to 1000.01 and is then kept within the prepaid amount (Meaning 9).
    t.append(
        Tenant(
            "term-fine",
            spans=[(utc(2026, m, 9, 23), utc(2026, m, 10, 2)) for m in (8, 9, 10)],
            prepaid=("2026-11-01", "2027-10-31", "1000.005"),
            failures=[("core", None, utc(2026, m, 10), utc(2026, m, 10) + H) for m in (8, 9, 10)],
        )
    )
    for month in ("2026-08", "2026-09", "2026-10"):
        w.fee("term-fine", month, "1000.00", "EGP")
    t.append(Tenant("silent"))
    o22 = utc(2026, 10, 22)
    t.append(Tenant("gap", spans=OCT, interval=120, silences=[("core", None, o22, o22 + 2 * H)]))

    # The third policy: New York, two components, quorum 2, minimum 120 s.
    def acme(tenant_id: str, plan_tier: str, **kwargs: Any) -> Tenant:
        return Tenant(
            tenant_id,
            policy_id="acme-2027",
            currency="USD",
            plan_tier=plan_tier,
            components=("api", "web"),
            **kwargs,
        )

    o6 = utc(2026, 10, 6, 12)
    t.append(
        acme(
            "acme-1",
            "basic",
            spans=OCT,
            interval=120,
            fmt="parquet",
            failures=[
                ("api", "fra", o6, o6 + 5 * H),
                ("api", "iad", o6, o6 + 5 * H),
                ("web", "sin", o6, o6 + H),
                ("web", None, utc(2026, 10, 8), utc(2026, 10, 8, 0, 1, 40)),
            ],
        )
    )
    w.fee("acme-1", "2026-10", "2000.00", "USD")
    t.append(
        acme(
            "acme-premium",
            "premium",
            spans=OCT,
            interval=120,
            failures=[("api", "fra", o6, o6 + H), ("api", "iad", o6, o6 + H)],
        )
    )
    w.fee("acme-premium", "2026-10", "2000.00", "USD")
    # A minimum of two days: both outages start in October's last local hour (Nov 1 03:00 UTC,
    # New York daylight time); api's lasts 48.5 h and counts, web's lasts 47 h and does not.
    o31 = utc(2026, 11, 1, 3)
    t.append(
        acme(
            "acme-long",
            "longmin",
            locations=("fra", "iad"),
            # watched only around the month end: the rows that matter, not a month of passes
            spans=[(utc(2026, 10, 30), utc(2026, 11, 5))],
            interval=240,
            failures=[
                ("api", "fra", o31, o31 + 48 * H + H / 2),
                ("api", "iad", o31, o31 + 48 * H + H / 2),
                ("web", "fra", o31, o31 + 47 * H),
                ("web", "iad", o31, o31 + 47 * H),
            ],
        )
    )
    w.fee("acme-long", "2026-10", "2000.00", "USD")
    # A 100 % credit on a fee finer than the cent: 100.005 USD rounds half-up to 100.01, more
    # than the fee itself, as Meaning 7 computes it; no blocking check may withhold the month.
    o12 = utc(2026, 10, 12)
    t.append(
        acme(
            "acme-full",
            "fullcredit",
            spans=[(o12 - H, o12 + 6 * H)],
            failures=[("api", None, o12, o12 + 5 * H)],
        )
    )
    w.fee("acme-full", "2026-10", "100.005", "USD")
    # Casablanca keeps GMT+1 in October 2026 by the pinned tzdata (2025b), so its October starts
    # at 30 September 23:00 UTC; DuckDB's own zone data (ICU) has Morocco on GMT from 20
    # September 2026, which would move this 30-minute outage into September.
    s30 = utc(2026, 9, 30, 23, 10)
    t.append(
        acme(
            "casablanca",
            "morocco",
            spans=[(utc(2026, 9, 30, 22), utc(2026, 10, 1, 1))],
            failures=[("api", None, s30, s30 + H / 2)],
        )
    )
    w.fee("casablanca", "2026-10", "2000.00", "USD")
    t.append(
        Tenant(
            "partial",
            starts_on="2026-10-16",
            spans=OCT,
            failures=[
                ("core", None, utc(2026, 10, 10), utc(2026, 10, 10, 2)),
                ("core", None, utc(2026, 10, 20), utc(2026, 10, 20, 0, 45)),
            ],
        )
    )
    w.fee("partial", "2026-10", "1000.00", "EGP")
    for name in (
        "blip",
        "one-of-three",
        "two-of-three",
        "down-44",
        "down-45",
        "edge-999",
        "edge-99",
        "month-end",
        "maint-71",
        "maint-72",
        "overlap",
        "window-30",
        "gap",
        "silent",
    ):
        w.fee(name, "2026-10", "1000.00", "EGP")
    w.fee("fees", "2026-10", "1000.00", "EGP")
    w.fee("fees", "2026-10", "500.00", "EGP", paid=False)
    w.fee("fees", "2026-10", "300.00", "EGP", charge_type="setup")
    add_commitment_cases(w)
    return w


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def materialized(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Path]:
    """The world's August–October 2026 materialised in one range run, like a backfill.

    Built once per test run, not once per pytest-xdist worker: the first worker to need it
    materialises it under a lock in the run's shared temp folder and the others read it.
    """
    from orchestration.cli import main

    base = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        base = base.parent  # shared by every worker of this run
    root = base / "session-world"
    with _exclusive(base / "session-world.lock"):
        if not (root / ".materialized").exists():
            shutil.rmtree(root, ignore_errors=True)
            build_world(root).write()
            write_commitment_files(root)
            with warehouse_env(root):
                code = main(
                    [
                        "materialize",
                        "--from",
                        "2026-08",
                        "--to",
                        "2026-10",
                        "--as-of",
                        AS_OF,
                        "--log-level",
                        "WARNING",
                    ]
                )
            assert code == 0, "the session's materialisation failed"
            (root / ".materialized").touch()
    with warehouse_env(root):
        yield root


@pytest.fixture(scope="session")
def marts(materialized: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(materialized / "warehouse.duckdb"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con
    con.close()


# The longest files first: pytest-xdist (--dist loadfile) hands files out in queue order,
# and a long file handed out last keeps one worker busy after the others are done. Longest
# first leaves the short files to fill the gaps. The Spark parity run (about 4 minutes, its own
# worlds) leads. xdist reorders the queue by each file's number of tests unless told not to:
# `make test` passes --no-loadscope-reorder (until session 15 it did not, and this order was
# ignored). With it, the suite kept both cores busy until its last 30 s.
# test_statements.py is the first of five files to ask for the session's shared world, so it
# starts at once: handed out fifth, it built that world while test_uptime_and_credits.py's
# worker waited on the lock for 100 s (session 20).
FIRST_FILES = (
    "test_spark_parity.py",
    "test_statements.py",
    "test_restatements.py",
    "test_tickets.py",
    "test_uptime_and_credits.py",
    "test_pipeline_months.py",
    "test_quality_gate.py",
    "test_adapters.py",
    "test_sla_server.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return FIRST_FILES.index(name) if name in FIRST_FILES else len(FIRST_FILES)

    items.sort(key=rank)
