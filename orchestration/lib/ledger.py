"""The publication ledger: invoice credit lines that are added, never altered or deleted.

Each publish of a month compares the month's payable credits with the lines already in
force (those no later line supersedes). An unchanged month adds nothing; a changed credit gets
a new line with the full restated amount naming the line it replaces; a credit that
disappeared gets a 0 line. Ids are hashes of their content, so the same inputs always give the
same ids, on any machine.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import duckdb

from orchestration.lib.publish import PUBLISHED_MARTS

DDL = (
    "CREATE SCHEMA IF NOT EXISTS marts",
    """CREATE TABLE IF NOT EXISTS marts.publications (
        publication_id VARCHAR PRIMARY KEY,
        service_month VARCHAR NOT NULL,
        as_of TIMESTAMPTZ,
        published_at TIMESTAMPTZ NOT NULL,
        input_fingerprint VARCHAR NOT NULL,
        credits_hash VARCHAR NOT NULL,
        previous_publication_id VARCHAR,
        lines_added INTEGER NOT NULL)""",
    # Everything the month publishes, not only its credits: a re-run that changes only the
    # response marts is a new publication too (it records the inputs it was computed from).
    "ALTER TABLE marts.publications ADD COLUMN IF NOT EXISTS marts_hash VARCHAR",
    """CREATE TABLE IF NOT EXISTS marts.invoice_credit_lines (
        line_id VARCHAR PRIMARY KEY,
        tenant_id VARCHAR NOT NULL,
        service_month VARCHAR NOT NULL,
        invoice_month VARCHAR,
        credit_amount DECIMAL(18, 4) NOT NULL,
        currency VARCHAR NOT NULL,
        publication_id VARCHAR NOT NULL,
        supersedes_line_id VARCHAR,
        claim_status VARCHAR,
        created_at TIMESTAMPTZ NOT NULL)""",
    # The file versions each publication was computed from: what changed between two.
    """CREATE TABLE IF NOT EXISTS marts.publication_inputs (
        publication_id VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        source_file VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL)""",
    # "The amount owed is the sum of the lines that no other line supersedes": one definition,
    # used by the ledger itself, the adjustments view and the backfill report.
    """CREATE OR REPLACE VIEW marts.invoice_lines_in_force AS
    SELECT * FROM marts.invoice_credit_lines AS line
    WHERE NOT EXISTS (
        SELECT 1 FROM marts.invoice_credit_lines AS later
        WHERE later.supersedes_line_id = line.line_id)""",
    # Per tenant-month: what was first published, what is in force now, and the inputs that
    # differ between the two publications (added or changed files).
    """CREATE OR REPLACE VIEW marts.credit_adjustments AS
    WITH lines AS (
        SELECT * FROM marts.invoice_credit_lines
    ),
    firsts AS (
        SELECT tenant_id, service_month,
               arg_min(credit_amount, created_at) AS originally_published,
               arg_min(publication_id, created_at) AS first_publication_id,
               count(*) AS lines
        FROM lines GROUP BY tenant_id, service_month
    ),
    in_force AS (
        SELECT tenant_id, service_month, credit_amount AS restated,
               publication_id AS latest_publication_id
        FROM marts.invoice_lines_in_force
    ),
    changed AS (
        SELECT f.tenant_id, f.service_month,
               string_agg(DISTINCT latest.source || ':' || latest.source_file, ', '
                          ORDER BY latest.source || ':' || latest.source_file) AS inputs_changed
        FROM firsts AS f
        JOIN in_force AS i USING (tenant_id, service_month)
        JOIN marts.publication_inputs AS latest
            ON latest.publication_id = i.latest_publication_id
        WHERE NOT EXISTS (
            SELECT 1 FROM marts.publication_inputs AS earlier
            WHERE earlier.publication_id = f.first_publication_id
              AND earlier.source_file = latest.source_file
              AND earlier.sha256 = latest.sha256)
        GROUP BY f.tenant_id, f.service_month
    )
    SELECT f.tenant_id, f.service_month, f.originally_published, i.restated,
           i.restated - f.originally_published AS difference, f.lines,
           f.first_publication_id, i.latest_publication_id, c.inputs_changed
    FROM firsts AS f
    JOIN in_force AS i USING (tenant_id, service_month)
    LEFT JOIN changed AS c USING (tenant_id, service_month)""",
)


@dataclass(frozen=True)
class LedgerResult:
    publication_id: str | None
    new_publication: bool
    lines_added: int


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:20]


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def month_credits(con: duckdb.DuckDBPyConnection, month: str) -> tuple[list[dict], str]:
    """The month's service_credits rows and the hash a publication records of them."""
    cur = con.execute(
        "SELECT * FROM marts.service_credits WHERE service_month = ? ORDER BY tenant_id", [month]
    )
    names = [d[0] for d in cur.description]
    credits = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    # What was published is the credit content, not when it was judged: as_of is left out.
    credits_hash = hashlib.sha256(
        json.dumps(
            [{k: v for k, v in c.items() if k != "as_of"} for c in credits], default=str
        ).encode()
    ).hexdigest()
    return credits, credits_hash


def month_marts_hash(con: duckdb.DuckDBPyConnection, month: str) -> str:
    """One hash of the month's rows in every published mart, in no particular order.

    The run's as-of is left out, as in the credits hash: what a publication records is what it
    says, not when it was judged.
    """
    parts = []
    for mart in PUBLISHED_MARTS:
        columns = [
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_schema = "
                "'marts' and table_name = ? and column_name <> 'as_of' order by ordinal_position",
                [mart],
            ).fetchall()
        ]
        if not columns:
            parts.append(f"{mart}:absent")
            continue
        listed = ", ".join(f'"{c}"' for c in columns)
        rows, digest = con.execute(
            f"""select count(*), coalesce(md5(string_agg(row_hash, '|' order by row_hash)), '')
                from (
                    select md5(cast(row({listed}) as varchar)) as row_hash
                    from marts.{mart} where service_month = ?
                )""",
            [month],
        ).fetchone()
        parts.append(f"{mart}:{','.join(columns)}:{rows}:{digest}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def publish_ledger(
    con: duckdb.DuckDBPyConnection, month: str, input_fingerprint: str
) -> LedgerResult:
    ensure_ledger(con)
    credits, credits_hash = month_credits(con, month)
    marts_hash = month_marts_hash(con, month)
    as_of = credits[0]["as_of"] if credits else None

    wanted = {
        c["tenant_id"]: (
            Decimal(c["credit_amount"]),
            c["currency"],
            c["invoice_month"],
            c["claim_status"],
        )
        for c in credits
        if c["payable"] and c["credit_amount"] and Decimal(c["credit_amount"]) > 0
    }
    in_force = {
        row[1]: row
        for row in con.execute(
            """SELECT line_id, tenant_id, credit_amount, currency, invoice_month
               FROM marts.invoice_lines_in_force WHERE service_month = ?""",
            [month],
        ).fetchall()
    }
    new_lines: list[tuple[str, Decimal, str, str | None, str | None, str]] = []
    for tenant, (amount, currency, invoice_month, status) in sorted(wanted.items()):
        current = in_force.get(tenant)
        if current is not None and (Decimal(current[2]), current[3], current[4]) == (
            amount,
            currency,
            invoice_month,
        ):
            continue
        new_lines.append(
            (tenant, amount, currency, invoice_month, current[0] if current else None, status)
        )
    for tenant, current in sorted(in_force.items()):
        if tenant not in wanted and Decimal(current[2]) != 0:
            new_lines.append((tenant, Decimal(0), current[3], current[4], current[0], "withdrawn"))

    last = con.execute(
        """SELECT publication_id, credits_hash, marts_hash FROM marts.publications
           WHERE service_month = ? ORDER BY published_at DESC LIMIT 1""",
        [month],
    ).fetchone()
    # A publication from before marts_hash was recorded has none: the next run records one.
    if last is not None and not new_lines and (last[1], last[2]) == (credits_hash, marts_hash):
        return LedgerResult(publication_id=last[0], new_publication=False, lines_added=0)

    previous = last[0] if last else None
    publication_id = _digest(month, credits_hash, previous)
    now = datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            """INSERT INTO marts.publications (publication_id, service_month, as_of,
                   published_at, input_fingerprint, credits_hash, previous_publication_id,
                   lines_added, marts_hash)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                publication_id,
                month,
                as_of,
                now,
                input_fingerprint,
                credits_hash,
                previous,
                len(new_lines),
                marts_hash,
            ],
        )
        con.execute(
            "INSERT INTO marts.publication_inputs SELECT ?, source, source_file, sha256 "
            "FROM raw._ingested_files",
            [publication_id],
        )
        for tenant, amount, currency, invoice_month, supersedes, status in new_lines:
            line_id = _digest(tenant, month, amount, currency, invoice_month, supersedes)
            con.execute(
                "INSERT INTO marts.invoice_credit_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    line_id,
                    tenant,
                    month,
                    invoice_month,
                    amount,
                    currency,
                    publication_id,
                    supersedes,
                    status,
                    now,
                ],
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return LedgerResult(
        publication_id=publication_id, new_publication=True, lines_added=len(new_lines)
    )
