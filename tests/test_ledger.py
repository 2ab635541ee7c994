"""The ledger's rules on a hand-made service_credits table (the pipeline tests cover the rest)."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from orchestration.lib.ledger import publish_ledger


def credits(con, rows):
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw._ingested_files (source VARCHAR, "
        "source_file VARCHAR, sha256 VARCHAR, row_count BIGINT, ingested_at TIMESTAMPTZ)"
    )
    con.execute("""CREATE OR REPLACE TABLE marts.service_credits (tenant_id VARCHAR,
        service_month VARCHAR, credit_amount DECIMAL(18, 4), currency VARCHAR,
        invoice_month VARCHAR, claim_status VARCHAR, payable BOOLEAN, as_of TIMESTAMPTZ)""")
    for tenant, amount, payable in rows:
        con.execute(
            "INSERT INTO marts.service_credits VALUES (?, '2026-10', ?, 'EGP', "
            "'2026-11', 'not_required', ?, '2026-11-25 00:00:00+00')",
            [tenant, amount, payable],
        )


def lines(con):
    return con.execute(
        "SELECT tenant_id, credit_amount, supersedes_line_id, line_id "
        "FROM marts.invoice_credit_lines ORDER BY created_at, tenant_id"
    ).fetchall()


def test_a_withdrawn_credit_gets_a_zero_line_and_a_return_supersedes_it():
    con = duckdb.connect()
    credits(con, [("a", Decimal("100"), True), ("b", Decimal("50"), True)])
    first = publish_ledger(con, "2026-10", "f1")
    assert first.new_publication and first.lines_added == 2
    assert not publish_ledger(con, "2026-10", "f1").new_publication
    credits(con, [("a", Decimal("100"), True), ("b", Decimal("50"), False)])  # b no longer payable
    assert publish_ledger(con, "2026-10", "f2").lines_added == 1
    a, b, b0 = lines(con)
    assert (b0[0], b0[1], b0[2]) == ("b", Decimal("0"), b[3])
    credits(con, [("a", Decimal("100"), True), ("b", Decimal("50"), True)])
    publish_ledger(con, "2026-10", "f3")
    assert lines(con)[-1][:3] == ("b", Decimal("50"), b0[3])
    in_force = con.execute(
        "SELECT sum(credit_amount) FROM marts.invoice_credit_lines AS l WHERE NOT EXISTS ("
        "SELECT 1 FROM marts.invoice_credit_lines s WHERE s.supersedes_line_id = l.line_id)"
    ).fetchone()[0]
    assert in_force == Decimal("150")


def test_line_ids_depend_only_on_the_inputs():
    ids = []
    for _ in range(2):
        con = duckdb.connect()
        credits(con, [("a", Decimal("100"), True)])
        publish_ledger(con, "2026-10", "f1")
        ids.append([r[3] for r in lines(con)])
    assert ids[0] == ids[1]


def test_every_current_iso_4217_currency_has_its_minor_unit():
    """A contract in any real currency gets credits: the seed is ISO 4217's list, not a sample.

    An unlisted code quarantines the contract, and with it every probe and charge of the
    tenant, so a missing code silently takes a paying tenant out of every mart.
    """
    import csv
    from pathlib import Path

    seed = Path(__file__).resolve().parents[1] / "dbt_project/seeds/currencies.csv"
    with seed.open(newline="") as handle:
        units = {row["currency_code"]: int(row["minor_unit"]) for row in csv.DictReader(handle)}
    assert len(units) >= 150
    assert set(units.values()) <= {0, 2, 3, 4}
    spot = {"PYG": 0, "GHS": 2, "XAF": 0, "KWD": 3, "TND": 3, "CLF": 4, "UYW": 4, "VUV": 0}
    assert {code: units.get(code) for code in spot} == spot
    assert not {"XAU", "XDR", "XTS", "XXX"} & set(units)  # no minor unit: not billable money


def test_a_warehouse_from_before_keeps_credit_percentages_to_six_places():
    from orchestration.lib.ingest import ensure_raw_schema

    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.service_credits (tenant_id VARCHAR, credit_pct DECIMAL(9, 4))")
    con.execute("INSERT INTO marts.service_credits VALUES ('t1', 12.3456)")
    ensure_raw_schema(con)
    assert con.execute(
        "select data_type from information_schema.columns where table_name = 'service_credits' "
        "and column_name = 'credit_pct'"
    ).fetchone() == ("DECIMAL(10,6)",)
    assert con.execute("select credit_pct from marts.service_credits").fetchone() == (
        Decimal("12.345600"),
    )


def test_a_change_to_another_published_mart_is_a_new_publication_without_lines():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    credits(con, [("t1", Decimal("10.00"), True)])
    con.execute("""CREATE TABLE marts.response_compliance_monthly (tenant_id VARCHAR,
        service_month VARCHAR, severity VARCHAR, met BIGINT, breached BIGINT)""")
    con.execute(
        "INSERT INTO marts.response_compliance_monthly VALUES ('t1', '2026-10', 'P2', 0, 1)"
    )
    first = publish_ledger(con, "2026-10", "inputs-1")
    assert (first.new_publication, first.lines_added) == (True, 1)
    assert publish_ledger(con, "2026-10", "inputs-1").new_publication is False
    # a later export shows the ticket answered in time: only the response marts change
    con.execute("UPDATE marts.response_compliance_monthly SET met = 1, breached = 0")
    second = publish_ledger(con, "2026-10", "inputs-2")
    assert (second.new_publication, second.lines_added) == (True, 0)
    assert second.publication_id != first.publication_id
    assert publish_ledger(con, "2026-10", "inputs-2").new_publication is False
    # another month's rows are not this month's publication
    con.execute(
        "INSERT INTO marts.response_compliance_monthly VALUES ('t1', '2026-11', 'P2', 1, 0)"
    )
    assert publish_ledger(con, "2026-10", "inputs-3").new_publication is False
