"""Bad input is data: every kind of bad row lands in quarantine.<source> with file, line and
reason, and the good tenant's month is exactly what it would be without them."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.scenario import Tenant, World, utc, warehouse_env

OCT = [(utc(2026, 9, 29), utc(2026, 11, 2))]
GOOD_OUTAGE = utc(2026, 10, 12, 8)


def write_csv(path: Path, header: str, *lines: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *lines]) + "\n")


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("dirty")
    w = World(root)
    w.tenants.append(
        Tenant(
            "good",
            spans=OCT,
            failures=[("core", None, GOOD_OUTAGE, GOOD_OUTAGE + timedelta(minutes=45))],
        )
    )
    w.tenants.append(Tenant("other", spans=OCT))
    w.fee("good", "2026-10", "1000.00", "EGP")
    w.fee("other", "2026-10", "1000.00", "EGP")
    w.write()
    ref = root / "reference"
    # contracts: a duplicate, an unknown policy, an unknown currency, a bad date
    with open(ref / "contracts.csv", "a") as f:
        f.write("good,Again,clarus-2026,standard,EGP,2026-01-01,,,,\n")
        f.write("nopolicy,X,no-such-policy,standard,EGP,2026-01-01,,,,\n")
        f.write("nocurrency,X,clarus-2026,standard,XXX,2026-01-01,,,,\n")
        f.write("baddate,X,clarus-2026,standard,EGP,01/02/2026,,,,\n")
        # published money is DECIMAL(18, 4): 10^14 would have failed every tenant's month
        f.write("huge,X,clarus-2026,standard,EGP,2026-01-01,,2026-01-01,2026-12-31,1e14\n")
    with open(ref / "charges.csv", "a") as f:
        f.write("neg,good,2026-10,subscription,-5.00,EGP,true\n")
        f.write("usd,good,2026-10,subscription,5.00,USD,true\n")
        f.write("ghost,nobody,2026-10,subscription,5.00,EGP,true\n")
        f.write("ch-0001,good,2026-10,subscription,999.00,EGP,true\n")
        f.write("huge,other,2026-10,subscription,100000000000000,EGP,true\n")
    probes = "tenant_id,component,location,checked_at,ok,latency_ms"
    write_csv(
        root / "raw" / "probes" / "bad.csv",
        probes,
        ",core,fra,2026-10-05T10:00:00+00:00,true,1",  # line 2: missing key
        "good,core,fra,2026-10-05 10:00:30,false,1",  # 3: no offset
        "good,core,fra,yesterday+00:00,false,1",  # 4: unparseable
        "good,core,fra,2026-10-05T10:00:30+00:00,maybe,1",  # 5: bad ok
        "ghost,core,fra,2026-10-05T10:00:30+00:00,false,1",  # 6: unknown tenant
        "good,network,fra,2026-10-05T10:00:30+00:00,false,1",  # 7: unknown component
        "good,core,fra,2026-10-05T10:00:00+00:00,false,1",  # 8: conflicts with good
        "good,core,,2026-10-05T10:01:00+00:00,true,1",  # 9: missing location
        "good,,fra,2026-10-05T10:01:00+00:00,true,1",  # 10: missing component
        "good,core,fra,2026-10-05T10:01:30+00:00,,1",  # 11: missing ok
        "good,core,fra,2026-10-05T10:01:30+00:00,true,fast",  # 12: bad latency
        "good,core,  ,2026-10-05T10:01:00+00:00,true,1",  # 13: blank location
        " good ,core,fra,2026-10-05T10:00:00+00:00,true, 1 ",  # 14: padded, at the conflict
        "good,core,fra,2026-10-05T10:00:00+00:00,false,fast",  # 15: its own reason first
        "good,core,fra,,true,1",  # 16: missing instant
        " good , core , fra ,2026-10-05T10:02:15+00:00,true, 2 ",  # 17: padded, valid
        "good,core,fra,2026-10-05T10:02:20+00:00,true,",  # 18: no latency, valid
        "good,core,fra,2026-10-05T10:02:25+00:00,true,   ",  # 19: blank latency, valid
        "good,core,fra,2026-10-13,false,1",  # 20: a date, not an instant: no offset
        "good,core,fra,2026-10-05T10:03:00z,true,1",  # 21: lowercase z (RFC 3339), valid
        "good,core,fra,2026-10-05T10:04:00+25:00,true,1",  # 22: no such offset
        "good,core,fra,2026-10-05T10:04:00+02:75,true,1",  # 23: nor this one
    )
    # a clean JSON Lines file (read whole, not line by line) with a null `ok`: missing, not Down
    (root / "raw" / "probes" / "nullok.jsonl").write_text(
        '{"tenant_id": "good", "component": "core", "location": "iad", '
        '"checked_at": "2026-10-05T10:03:30Z", "ok": true}\n'
        '{"tenant_id": "good", "component": "core", "location": "iad", '
        '"checked_at": "2026-10-12T08:30:00Z", "ok": null}\n'
    )
    with gzip.open(root / "raw" / "probes" / "bad.jsonl.gz", "wt") as f:
        f.write(
            json.dumps(
                {
                    "tenant_id": "good",
                    "component": "core",
                    "location": "iad",
                    "checked_at": "2026-10-05T10:00:30Z",
                    "ok": True,
                }
            )
            + "\n"
        )
        f.write("{not json\n")
    pl.DataFrame(
        {
            "tenant_id": ["good"],
            "component": ["core"],
            "location": ["sin"],
            "checked_at": pl.Series([utc(2026, 10, 5, 10, 0, 30).replace(tzinfo=None)]),
            "ok": [False],
        }
    ).write_parquet(root / "raw" / "probes" / "naive.parquet")
    write_csv(
        root / "raw" / "maintenance" / "bad.csv",
        "window_id,tenant_id,starts_at,ends_at,announced_at,kind",
        "m1,good,2026-10-12T10:00:00Z,2026-10-12T09:00:00Z,2026-10-01T00:00:00Z,scheduled",
        "m2,good,2026-10-12T08:00:00Z,2026-10-12T09:00:00Z,2026-10-01T00:00:00Z,planned",
        "m3,ghost,2026-10-12T08:00:00Z,2026-10-12T09:00:00Z,2026-10-01T00:00:00Z,scheduled",
        "m4,good,2026-10-12T08:00:00Z,2026-10-12T09:00:00Z,,scheduled",
        # dates alone: an all-day window in no time zone would cover the good tenant's outage
        "m5,good,2026-10-12,2026-10-13,2026-10-01T00:00:00Z,emergency",
        # one window, one announcement, two different times: both conflicting; a repeat is fine
        "m6,other,2026-10-14T08:00:00Z,2026-10-14T09:00:00Z,2026-10-01T00:00:00Z,scheduled",
        "m6,other,2026-10-15T08:00:00Z,2026-10-15T09:00:00Z,2026-10-01T00:00:00Z,scheduled",
        "m7,other,2026-10-16T08:00:00Z,2026-10-16T09:00:00Z,2026-10-01T00:00:00Z,scheduled",
        "m7,other,2026-10-16T08:00:00Z,2026-10-16T09:00:00Z,2026-10-01T00:00:00Z,scheduled",
    )
    write_csv(
        root / "raw" / "exclusions" / "bad.csv",
        "exclusion_id,tenant_id,component,starts_at,ends_at,reason,note",
        "x1,good,,2026-10-12T08:00:00Z,2026-10-12T09:00:00Z,because,",
        "x2,good,internet,2026-10-12T08:00:00Z,2026-10-12T09:00:00Z,force_majeure,",
        "x3,ghost,,2026-10-12T08:00:00Z,2026-10-12T09:00:00Z,force_majeure,",
        "x4,other,,2026-10-14T08:00:00Z,2026-10-14T09:00:00Z,force_majeure,",
        "x4,other,,2026-10-15T08:00:00Z,2026-10-15T09:00:00Z,force_majeure,",
        "x5,other,,2026-10-16T08:00:00Z,2026-10-16T09:00:00Z,force_majeure,",
        "x5,other,,2026-10-16T08:00:00Z,2026-10-16T09:00:00Z,force_majeure,repeated",
    )
    write_csv(
        root / "raw" / "claims" / "bad.csv",
        "claim_id,tenant_id,service_month,received_at",
        "c1,good,October,2026-11-01T00:00:00Z",
        "c2,ghost,2026-10,2026-11-01T00:00:00Z",
    )
    # one row with a field too many: that row is quarantined, the file is read, the run goes on
    write_csv(
        root / "raw" / "claims" / "ragged.csv",
        "claim_id,tenant_id,service_month,received_at",
        "c3,other,2026-10,2026-11-01T00:00:00Z,by phone",
        "c4,other,2026-10,2026-11-02T00:00:00Z",
        "c5,other,2026-10,2026-11-02T00:00:00+24:00",
    )
    # c6 sent twice counts once, at its earliest receipt; c7 names two tenants and c8 two
    # months: which was meant cannot be told, so all four rows are bad
    write_csv(
        root / "raw" / "claims" / "repeated.csv",
        "claim_id,tenant_id,service_month,received_at",
        "c6,other,2026-10,2026-11-03T00:00:00Z",
        "c6,other,2026-10,2026-11-01T00:00:00Z",
        "c7,other,2026-10,2026-11-03T00:00:00Z",
        "c7,good,2026-10,2026-11-03T00:00:00Z",
        "c8,good,2026-09,2026-11-03T00:00:00Z",
        "c8,good,2026-10,2026-11-04T00:00:00Z",
    )
    with warehouse_env(root):
        from orchestration.cli import main

        assert (
            main(
                [
                    "materialize",
                    "--month",
                    "2026-10",
                    "--as-of",
                    "2026-11-25T00:00:00Z",
                    "--log-level",
                    "WARNING",
                ]
            )
            == 0
        )
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def reasons(con, source: str) -> dict[tuple[str, int], str]:
    return {
        (f, line): r
        for f, line, r in con.execute(
            f"select source_file, source_line, reason from quarantine.{source}"
        ).fetchall()
    }


def test_bad_probe_rows_are_quarantined_with_file_line_and_reason(dirty):
    got = reasons(dirty, "probes")
    assert got[("raw/probes/bad.csv", 2)] == "missing key: tenant_id"
    assert got[("raw/probes/bad.csv", 3)] == "timestamp without offset: checked_at"
    assert got[("raw/probes/bad.csv", 4)] == "unparseable timestamp: checked_at"
    assert got[("raw/probes/bad.csv", 5)] == "unparseable value: ok"
    assert got[("raw/probes/bad.csv", 6)] == "unknown tenant"
    assert got[("raw/probes/bad.csv", 7)] == "unknown component for the tenant's policy"
    assert got[("raw/probes/bad.csv", 8)] == "conflicting results"
    assert got[("raw/probes/bad.jsonl.gz", 2)] == "unparseable JSON line"
    assert got[("raw/probes/naive.parquet", 1)] == "timestamp without offset: checked_at"
    assert got[("raw/probes/bad.csv", 9)] == "missing key: location"
    assert got[("raw/probes/bad.csv", 10)] == "missing key: component"
    assert got[("raw/probes/bad.csv", 11)] == "missing key: ok"
    assert got[("raw/probes/bad.csv", 12)] == "unparseable value: latency_ms"
    assert got[("raw/probes/bad.csv", 13)] == "missing key: location"
    assert got[("raw/probes/bad.csv", 14)] == "conflicting results"
    assert got[("raw/probes/bad.csv", 15)] == "unparseable value: latency_ms"
    assert got[("raw/probes/bad.csv", 16)] == "missing key: checked_at"
    assert got[("raw/probes/bad.csv", 20)] == "timestamp without offset: checked_at"
    assert ("raw/probes/bad.csv", 21) not in got
    # DuckDB would read "+25:00" as 25 hours: an offset outside ISO 8601's ±23:59 does not parse
    assert got[("raw/probes/bad.csv", 22)] == "unparseable timestamp: checked_at"
    assert got[("raw/probes/bad.csv", 23)] == "unparseable timestamp: checked_at"
    assert got[("raw/probes/nullok.jsonl", 2)] == "missing key: ok"
    assert ("raw/probes/nullok.jsonl", 1) not in got
    # the good tenant's own result at that instant conflicts too: all three are quarantined
    conflicting = [k for k, r in got.items() if r == "conflicting results"]
    assert len(conflicting) == 3 and ("raw/probes/good.csv", 2) not in got


def test_quarantine_holds_exactly_the_rows_judged_one_by_one(dirty):
    """quarantine.probes judges only the rows that can break a rule; it finds the same rows."""
    one_by_one = dirty.execute(
        "select source_file, source_line, tenant_id, location, reason "
        "from staging.stg_probes__results_validated where reason is not null order by all"
    ).fetchall()
    found = dirty.execute(
        "select source_file, source_line, tenant_id, location, reason "
        "from quarantine.probes order by all"
    ).fetchall()
    assert found == one_by_one
    assert len({r[4] for r in found}) == 13  # every kind of reason a probe row can have


def test_valid_rows_found_by_join_are_the_rows_the_rules_pass(dirty):
    """stg_probes__results finds valid rows by a join to valid pairs and null tests, not by
    judging each row: the same rows, with the same keys and values, as the rules leave."""
    columns = (
        "tenant_id, component, location, checked_at_us, is_ok, latency_ms, source_file, source_line"
    )
    judged = dirty.execute(
        "select tenant_key, component_key, location_key, checked_at_us, is_ok, "
        "latency_ms_value, source_file, source_line "
        "from staging.stg_probes__results_validated where reason is null order by all"
    ).fetchall()
    joined = dirty.execute(
        f"select {columns} from staging.stg_probes__results order by all"
    ).fetchall()
    assert joined == judged
    valid_in_bad_csv = {
        row[7]: row[:3] + row[5:6] for row in joined if row[6] == "raw/probes/bad.csv"
    }
    assert valid_in_bad_csv == {
        17: ("good", "core", "fra", Decimal("2")),
        18: ("good", "core", "fra", None),
        19: ("good", "core", "fra", None),
        21: ("good", "core", "fra", Decimal("1")),
    }


def test_bad_reference_and_calendar_rows_are_quarantined(dirty):
    assert set(reasons(dirty, "contracts").values()) == {
        "duplicate contract for tenant",
        "unknown policy_id",
        "unknown currency",
        "unparseable date: starts_on",
        "amount too large: prepaid_amount",
    }
    assert set(reasons(dirty, "charges").values()) == {
        "negative amount",
        "amount too large: amount",
        "currency differs from the contract's",
        "unknown tenant",
        "duplicate charge_id",
    }
    assert set(reasons(dirty, "maintenance").values()) == {
        "ends_at before starts_at",
        "unknown kind",
        "unknown tenant",
        "missing key: announced_at",
        "timestamp without offset: starts_at",
        "conflicting windows",
    }
    maintenance = reasons(dirty, "maintenance")
    assert [k[1] for k, r in maintenance.items() if r == "conflicting windows"] == [7, 8]
    assert set(reasons(dirty, "exclusions").values()) == {
        "unknown exclusion reason",
        "unknown component for the tenant's policy",
        "unknown tenant",
        "conflicting exclusions",
    }
    exclusions = reasons(dirty, "exclusions")
    assert sorted(k[1] for k, r in exclusions.items() if r == "conflicting exclusions") == [5, 6]
    assert set(reasons(dirty, "claims").values()) == {
        "unparseable value: service_month",
        "unknown tenant",
        "more fields than the header: 5 for 4",
        "unparseable timestamp: received_at",
        "conflicting claims",
    }
    claims = reasons(dirty, "claims")
    assert sorted(k[1] for k, r in claims.items() if r == "conflicting claims") == [4, 5, 6, 7]
    assert dirty.execute(
        "select claim_id, tenant_id, received_at_us from staging.stg_claims__claims "
        "where claim_id in ('c6', 'c7', 'c8')"
    ).fetchall() == [("c6", "other", 1_793_491_200_000_000)]
    assert reasons(dirty, "claims")[("raw/claims/ragged.csv", 2)].startswith("more fields")
    assert ("raw/claims/ragged.csv", 3) not in reasons(dirty, "claims")
    assert reasons(dirty, "claims")[("raw/claims/ragged.csv", 4)] == (
        "unparseable timestamp: received_at"
    )


def test_raw_rows_equal_staged_plus_quarantined(dirty):
    pairs = {
        "probes": "staging.stg_probes__results",
        "maintenance": "staging.stg_maintenance__windows",
        "exclusions": "staging.stg_exclusions__periods",
        "claims": "staging.stg_claims__claims_validated where reason is null",
        "contracts": "staging.stg_reference__contracts",
        "charges": "staging.stg_reference__charges",
    }
    for source, staged in pairs.items():
        raw = dirty.execute(f"select count(*) from raw.{source}").fetchone()[0]
        ok = dirty.execute(f"select count(*) from {staged}").fetchone()[0]
        bad = dirty.execute(f"select count(*) from quarantine.{source}").fetchone()[0]
        assert raw == ok + bad, source


def test_good_tenants_month_is_unchanged_by_bad_rows(dirty):
    row = dirty.execute(
        "select uptime_pct, credit_pct, monthly_fee, credit_amount from marts.service_credits "
        "where tenant_id = 'good' and service_month = '2026-10'"
    ).fetchone()
    assert row[1:] == (Decimal("10"), Decimal("1000"), Decimal("100"))
    assert row[0] == pytest.approx(100 - 45 * 100 / 44700, abs=1e-12)
    other = dirty.execute(
        "select downtime_minutes, coverage_pct from marts.availability_monthly "
        "where tenant_id = 'other'"
    ).fetchone()
    assert other == (0.0, 100.0)


def test_the_published_run_summary_counts_as_a_full_classification_would(dirty):
    """Publication derives staged = read − quarantined from the passed reconciliation."""
    from orchestration.lib.sources import source_counts

    full, derived = source_counts(dirty), source_counts(dirty, reconciled=True)
    assert derived == full
    assert full["probes"]["quarantined"] > 0 and full["claims"]["quarantined"] > 0


def test_a_replaced_file_version_keeps_its_quarantined_rows_once():
    """Before a corrected file's rows are dropped, what quarantine showed for them is kept,
    raw values and reason intact, however often the ingestion runs."""
    from datetime import UTC, datetime

    from orchestration.lib.ingest import (
        REPLACED_QUARANTINE,
        ensure_raw_schema,
        keep_quarantined_rows,
    )
    from orchestration.lib.sources import SOURCES

    con = duckdb.connect()
    ensure_raw_schema(con)
    con.execute("create schema quarantine")
    con.execute(
        """create table quarantine.charges as select
               'reference/charges.csv' as source_file, cast(3 as bigint) as source_line,
               'c-1' as charge_id, 'acme' as tenant_id, '2026-10' as service_month,
               'subscription' as charge_type, '-5.00' as amount, 'EGP' as currency,
               'true' as paid, cast(null as varchar) as extra, 'negative amount' as reason,
               timestamptz '2026-11-01 00:00:00+00' as ingested_at,
               cast(null as timestamptz) as replaced_at"""
    )
    now = datetime(2026, 11, 2, tzinfo=UTC)
    charges = SOURCES["charges"]
    assert keep_quarantined_rows(con, charges, "reference/charges.csv", now) == 1
    assert keep_quarantined_rows(con, charges, "reference/charges.csv", now) == 0
    assert keep_quarantined_rows(con, charges, "reference/other.csv", now) == 0
    (row,) = con.execute(f"select * from {REPLACED_QUARANTINE}").fetchall()
    source, source_file, line, raw_values, reason, _, replaced_at = row
    assert (source, source_file, line, reason) == (
        "charges",
        "reference/charges.csv",
        3,
        "negative amount",
    )
    assert json.loads(raw_values)["amount"] == "-5.00"
    assert json.loads(raw_values)["extra"] is None
    assert replaced_at == now
