"""The same month on DuckDB and on Spark (dbt-spark, local session) publishes the same marts.

One generated October 2026: three policies in three zones (Cairo leaves summer time on the
29th), maintenance with and without notice, an exclusion, an outage across the month start,
claims in and out of time, tickets in and out of business hours, backups and a breach notice,
and fees in EGP, JPY, USD and KWD. Both engines run it through `sla materialize`; the
published Parquet must agree: same rows, money exactly, percentages within 1e-9.

Spark is slow to start and slow per model on one machine, so its side runs once, in one
fixture, on a world kept small (probes every 170 s, two or three locations).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tests.scenario import Tenant, World, utc

AS_OF = "2026-11-25T00:00:00Z"
MONTH = "2026-10"
# Probes only around the cases (no data = up, so the arithmetic is unchanged): Spark's cost
# grows with probe rows, and the parity is about the arithmetic, not the volume.
SPAN = [
    (utc(2026, 9, 30, 12), utc(2026, 10, 1, 12)),
    (utc(2026, 10, 4, 12), utc(2026, 10, 9)),
    (utc(2026, 10, 13, 12), utc(2026, 10, 15)),
    (utc(2026, 10, 29), utc(2026, 10, 30, 12)),
]
H = timedelta(hours=1)
M = timedelta(minutes=1)
MARTS = (
    "availability_monthly",
    "downtime_episodes",
    "service_credits",
    "ticket_response",
    "response_compliance_monthly",
    "commitments_monthly",
)


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]'; make test does)"
    if importlib.util.find_spec("dbt.adapters.spark") is None:
        return "dbt-spark is not installed (pip install -e '.[spark]'; make test does)"
    if shutil.which("java") is None:
        return "no Java on PATH: Spark needs Java 17"
    return None


pytestmark = pytest.mark.skipif(_spark_missing() is not None, reason=str(_spark_missing()))


def build_parity_world(root: Path) -> World:
    w = World(root)
    t = w.tenants
    two = ("fra", "iad")
    # Cairo: 50 min down on the DST change day, a noticed window over part of it.
    t.append(
        Tenant(
            "p-cairo",
            spans=SPAN,
            interval=170,
            failures=[("core", None, utc(2026, 10, 29, 20), utc(2026, 10, 29, 20, 50))],
        )
    )
    w.maintenance.append(
        {
            "window_id": "mw-1",
            "tenant_id": "p-cairo",
            "starts_at": "2026-10-29T22:30:00+02:00",
            "ends_at": "2026-10-29T22:40:00+02:00",
            "announced_at": "2026-10-25T10:00:00+03:00",
            "kind": "scheduled",
        }
    )
    # Cairo, short notice (60 h): its window's Downtime counts.
    t.append(
        Tenant(
            "p-notice",
            currency="EUR",
            spans=SPAN,
            interval=170,
            locations=two,
            failures=[("core", None, utc(2026, 10, 14, 1), utc(2026, 10, 14, 2, 30))],
        )
    )
    w.maintenance.append(
        {
            "window_id": "mw-2",
            "tenant_id": "p-notice",
            "starts_at": "2026-10-14T01:00:00Z",
            "ends_at": "2026-10-14T02:00:00Z",
            "announced_at": "2026-10-11T13:00:00Z",
            "kind": "scheduled",
        }
    )
    # Cairo, KWD (3 decimals): an outage across the month start in Cairo time.
    t.append(
        Tenant(
            "p-kwd",
            currency="KWD",
            spans=SPAN,
            interval=170,
            failures=[("core", None, utc(2026, 9, 30, 20, 30), utc(2026, 9, 30, 23, 10))],
        )
    )
    # Tokyo, three components, worst decides; a claim in time.
    t.append(
        Tenant(
            "p-tokyo",
            policy_id="clara-dedicated-2024",
            currency="JPY",
            components=("hardware", "network", "internet"),
            spans=SPAN,
            interval=170,
            locations=two,
            failures=[
                ("network", None, utc(2026, 10, 5, 0), utc(2026, 10, 5, 9)),
                ("hardware", None, utc(2026, 10, 6, 0), utc(2026, 10, 6, 2)),
            ],
        )
    )
    # New York, an exclusion over part of an outage, a late claim.
    t.append(
        Tenant(
            "p-ny",
            policy_id="acme-2027",
            currency="USD",
            components=("api", "web"),
            spans=SPAN,
            interval=170,
            locations=two,
            failures=[("api", None, utc(2026, 10, 8, 12), utc(2026, 10, 8, 16))],
        )
    )
    w.exclusions.append(
        {
            "exclusion_id": "ex-1",
            "tenant_id": "p-ny",
            "component": "api",
            "starts_at": "2026-10-08T12:00:00Z",
            "ends_at": "2026-10-08T13:00:00Z",
            "reason": "customer_caused",
            "note": "customer firewall change",
        }
    )
    w.claims += [
        {
            "claim_id": "cl-1",
            "tenant_id": "p-tokyo",
            "service_month": MONTH,
            "received_at": "2026-10-10T09:00:00+09:00",
        },
        {
            "claim_id": "cl-2",
            "tenant_id": "p-ny",
            "service_month": MONTH,
            "received_at": "2026-11-20T09:00:00-05:00",
        },
    ]
    for tenant, amount, currency in (
        ("p-cairo", "12345.67", "EGP"),
        ("p-notice", "999.99", "EUR"),
        ("p-kwd", "1234.567", "KWD"),
        ("p-tokyo", "123457", "JPY"),
        ("p-ny", "2000.00", "USD"),
    ):
        w.fee(tenant, MONTH, amount, currency)
    w.fee("p-cairo", MONTH, "500.00", "EGP", paid=False)
    return w


def _write_other_sources(root: Path) -> None:
    tickets = root / "raw" / "tickets"
    tickets.mkdir(parents=True, exist_ok=True)
    (tickets / "export.csv").write_text(
        "ticket_id,tenant_id,severity,created_at,first_response_at,exported_at,channel,subject\n"
        # Thursday 17:00 Cairo → Sunday 11:00: 180 business minutes (P2 target 240).
        "t-1,p-cairo,P2,2026-10-15T17:00:00+03:00,2026-10-18T11:00:00+03:00,"
        "2026-11-01T00:00:00Z,email,slow\n"
        # Friday P1 on the 24x7 clock, 61 minutes: a miss.
        "t-2,p-cairo,P1,2026-10-16T10:00:00+03:00,2026-10-16T11:01:00+03:00,"
        "2026-11-01T00:00:00Z,phone,down\n"
        # Across the DST change (Thursday the 29th), unanswered at export.
        "t-3,p-notice,P3,2026-10-29T16:00:00+03:00,,2026-11-01T00:00:00Z,web,question\n"
        "t-4,p-tokyo,P2,2026-10-07T10:00:00+09:00,2026-10-07T12:30:00+09:00,"
        "2026-11-01T00:00:00Z,email,disk\n"
    )
    backups = root / "raw" / "backups"
    backups.mkdir(parents=True, exist_ok=True)
    (backups / "runs.csv").write_text(
        "backup_id,tenant_id,store,started_at,completed_at,status,encrypted\n"
        "b-1,p-cairo,primary_db,2026-10-01T00:00:00Z,2026-10-01T00:30:00Z,succeeded,true\n"
        "b-2,p-cairo,primary_db,2026-10-02T01:00:00Z,2026-10-02T01:31:00Z,succeeded,true\n"
        "b-3,p-cairo,primary_db,2026-10-03T00:00:00Z,2026-10-03T00:20:00Z,failed,true\n"
        "b-4,p-cairo,primary_db,2026-10-03T01:00:00Z,2026-10-03T01:31:00Z,succeeded,true\n"
    )
    incidents = root / "raw" / "security_incidents"
    incidents.mkdir(parents=True, exist_ok=True)
    (incidents / "incidents.csv").write_text(
        "incident_id,tenant_id,became_aware_at,notified_at,personal_data,summary\n"
        "si-1,p-cairo,2026-10-10T00:00:00Z,2026-10-12T23:00:00Z,true,leaked token\n"
        "si-2,p-kwd,2026-10-20T00:00:00Z,2026-10-23T01:00:00Z,true,misdirected email\n"
    )


def _start(root: Path, engine: str) -> subprocess.Popen:
    """The real CLI in its own process, as a user runs it, with the engine chosen by env."""
    import os
    import sys

    env = dict(os.environ)
    env.update(
        SLA_DATA_DIR=str(root),
        SLA_DUCKDB_PATH=str(root / "warehouse.duckdb"),
        SLA_ENGINE=engine,
        SPARK_LOCAL_IP="127.0.0.1",
        # Only C1 compiles: a run of ~150 small queries spent 64 of its 150 JVM CPU seconds in
        # C2. C1's own code cache (48 MB by default) filled up, hence the larger one.
        SLA_SPARK_JAVA_OPTIONS="-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m",
        # Nor is a small month's query worth planning again at each shuffle (a quarter faster).
        SLA_SPARK_ADAPTIVE="false",
    )
    env.pop("SLA_DBT_TARGET", None)
    sla = Path(sys.executable).with_name("sla")
    log = open(root / f"{engine}-run.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [str(sla), "materialize", "--month", MONTH, "--as-of", AS_OF, "--log-level", "WARNING"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process: subprocess.Popen, root: Path, engine: str) -> None:
    code = process.wait(timeout=1500)
    output = (root / f"{engine}-run.log").read_text()
    assert code == 0, f"{engine} run failed:\n{output[-6000:]}"


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    duck = tmp_path_factory.mktemp("parity-duckdb")
    build_parity_world(duck).write()
    _write_other_sources(duck)
    spark = tmp_path_factory.mktemp("parity-spark")
    shutil.copytree(duck, spark, dirs_exist_ok=True)
    # The engines share nothing, so they run side by side: the Spark side sets the pace.
    spark_run = _start(spark, "spark")
    duck_run = _start(duck, "duckdb")
    _finish(duck_run, duck, "duckdb")
    _finish(spark_run, spark, "spark")
    return duck, spark


def _published(root: Path, mart: str) -> pl.DataFrame:
    return pl.read_parquet(root / "published" / mart / f"month={MONTH}" / "*.parquet")


@pytest.mark.parametrize("mart", MARTS)
def test_published_marts_agree(both_engines: tuple[Path, Path], mart: str) -> None:
    duck_root, spark_root = both_engines
    duck, spark = _published(duck_root, mart), _published(spark_root, mart)
    assert duck.columns == spark.columns
    assert duck.schema == spark.schema, f"{mart}: column types differ"
    assert duck.height == spark.height, f"{mart}: {duck.height} rows vs {spark.height}"
    keys = [c for c, t in duck.schema.items() if t != pl.Float64]
    duck, spark = duck.sort(keys, nulls_last=True), spark.sort(keys, nulls_last=True)
    for column, dtype in duck.schema.items():
        a, b = duck[column], spark[column]
        if dtype == pl.Float64:
            gap = (a - b).abs().max()
            assert (a.is_null() == b.is_null()).all(), f"{mart}.{column}: nulls differ"
            assert gap is None or gap <= 1e-9, f"{mart}.{column}: differs by {gap}"
        else:
            # Decimal money, instants, counts and text: exactly equal.
            assert a.to_list() == b.to_list(), f"{mart}.{column} differs"


def test_the_month_is_not_trivial(both_engines: tuple[Path, Path]) -> None:
    """Parity of empty marts would prove nothing: the world exercises credits and tickets."""
    credits = _published(both_engines[1], "service_credits")
    paid = credits.filter(pl.col("credit_amount") > 0)
    assert paid.height >= 3
    assert set(paid["currency"]) >= {"EUR", "JPY", "KWD"}
    assert _published(both_engines[1], "ticket_response").height == 4


@pytest.mark.parametrize("engine", [0, 1], ids=["duckdb", "spark"])
def test_hand_worked_credits(both_engines: tuple[Path, Path], engine: int) -> None:
    credits = {
        r["tenant_id"]: r
        for r in _published(both_engines[engine], "service_credits").iter_rows(named=True)
    }
    # KWD has three minor digits: Cairo's October is 44,700 min; 130 of them down after
    # midnight of the 1st → 99.709 % → 10 % of 1,234.567 = 123.4567 → 123.457.
    assert credits["p-kwd"]["credit_amount"] == Decimal("123.457")
    # 60 h notice is too short, so the window's hour counts: 90 min down → 10 % of 999.99.
    assert credits["p-notice"]["credit_amount"] == Decimal("100.00")
    assert credits["p-notice"]["currency"] == "EUR"
