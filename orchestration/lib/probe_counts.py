"""The reconciliation's count of valid probe rows, recounted only for the tenants that changed.

`staging.stg_probes__results` (a view) finds the valid rows among every landed probe row:
counting it reads them all, about 3 s at 134 M rows, for a restatement that changed one
tenant. A tenant's count is a function of what the tenant-incremental probe models fingerprint
per tenant (its landed files, how the contracts judge its pairs, the month's windows and the
models' logic: `intermediate.int_probe_inputs_fingerprinted`) and of the view's own SQL. So the
count of each tenant is kept with that fingerprint and that SQL's hash, and a run counts again
only the rows of tenants whose pair no longer matches, reading only the landed files that hold
such a tenant or that the fingerprints do not know. The raw and quarantine sides of the
reconciliation are counted whole every time, so a row landed behind the models' back still
shows as a difference.
"""

from __future__ import annotations

import hashlib

import duckdb

COUNTS_TABLE = "raw._reconciled_probe_counts"
STAGED_VIEW = ("staging", "stg_probes__results")
FINGERPRINTS = "intermediate.int_probe_inputs_fingerprinted"
FILE_PAIRS = "staging.stg_probes__file_pairs"


def _exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    row = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def _sql_list(values: list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def staged_probe_rows(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(valid probe rows, tenants counted again). Falls back to one count of the whole view
    when the view is not DuckDB's or the fingerprints are not there (Spark's tables)."""
    view = con.execute(
        "select sql from duckdb_views() where schema_name = ? and view_name = ?", list(STAGED_VIEW)
    ).fetchone()
    relation = ".".join(STAGED_VIEW)
    if view is None or not _exists(con, FINGERPRINTS) or not _exists(con, FILE_PAIRS):
        row = con.execute(f"select count(*) from {relation}").fetchone()
        return (int(row[0]) if row else 0), -1
    logic = hashlib.sha256(str(view[0]).encode()).hexdigest()
    try:
        con.execute(
            f"create table if not exists {COUNTS_TABLE} "
            "(tenant_key varchar, fingerprint varchar, logic varchar, staged_rows bigint)"
        )
    except duckdb.Error:  # a read-only connection keeps nothing: count the whole view
        row = con.execute(f"select count(*) from {relation}").fetchone()
        return (int(row[0]) if row else 0), -1
    hits = [
        str(r[0])
        for r in con.execute(
            f"""select counts.tenant_key
                from {COUNTS_TABLE} as counts
                inner join {FINGERPRINTS} as f
                    on counts.tenant_key = f.tenant_key and counts.fingerprint = f.fingerprint
                where counts.logic = ?""",
            [logic],
        ).fetchall()
    ]
    where = ""
    if hits:
        # the kept tenants' rows are not counted again, and a file whose every tenant is kept
        # is not read; any other file is, including one the fingerprints do not know (landed
        # behind the models' back). Constants, so DuckDB drops those files from the plan.
        kept = _sql_list(hits)
        skipped = [
            r[0]
            for r in con.execute(
                f"""select source_file from {FILE_PAIRS}
                    group by source_file
                    having bool_and(coalesce(trim(tenant_id), '') in {kept})"""
            ).fetchall()
        ]
        where = f"where tenant_id not in {kept}"
        if skipped:
            where += f" and source_file not in {_sql_list(skipped)}"
    con.execute(
        f"""create or replace temp table _probe_counts_fresh as
            select tenant_id, count(*) as staged_rows from {relation} {where} group by tenant_id"""
    )
    # every fingerprinted tenant's count under its fingerprint: counted now, or kept
    con.execute(
        f"""create or replace temp table _probe_counts_new as
            select
                f.tenant_key,
                f.fingerprint,
                ? as logic,
                coalesce(fresh.staged_rows, kept.staged_rows, 0) as staged_rows
            from {FINGERPRINTS} as f
            left join _probe_counts_fresh as fresh on f.tenant_key = fresh.tenant_id
            left join {COUNTS_TABLE} as kept
                on f.tenant_key = kept.tenant_key
                and f.fingerprint = kept.fingerprint
                and kept.logic = ?""",
        [logic, logic],
    )
    con.execute(f"delete from {COUNTS_TABLE}")
    con.execute(f"insert into {COUNTS_TABLE} select * from _probe_counts_new")
    # a tenant the fingerprints do not know is counted, never kept
    row = con.execute(
        f"""select
                (select coalesce(sum(staged_rows), 0) from _probe_counts_new)
                + (select coalesce(sum(staged_rows), 0) from _probe_counts_fresh
                   where tenant_id not in (select tenant_key from {FINGERPRINTS})),
                (select count(*) from _probe_counts_new) - ?""",
        [len(hits)],
    ).fetchone()
    con.execute("drop table _probe_counts_fresh")
    con.execute("drop table _probe_counts_new")
    total, recounted = row if row else (0, 0)
    return int(total), int(recounted)
