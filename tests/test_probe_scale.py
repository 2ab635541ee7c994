"""What makes probes cheap at scale keeps their meaning: typed landing, bucket summaries, GX.

- Probe rows land with their instant, state and latency parsed once (Parquet straight through
  DuckDB); the text stays only where it did not parse, and quarantine still shows it. Text files
  (CSV, JSON Lines) land as Parquet beside the warehouse, by the staging macros' own rules.
- int_location_states_compressed, built from bucket summaries, gives exactly the runs of the
  straightforward definition (every result sorted, lag/lead), checked here against that SQL.
- Great Expectations on a large table sees only the rows DuckDB finds breaking the suite, and
  reaches the same verdict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.lib import gx_checks, ingest
from orchestration.lib.ingest import ensure_raw_schema, ingest_source

# The runs by the definition itself (Meaning 1), as the model computed them before buckets.
ORACLE = """
with components as (
    select tenant_id, component, stale_after_us, probes_from_us, probes_until_us
    from intermediate.int_tenant_components_monthly
),
results as (
    select distinct p.tenant_id, p.component, p.location, p.checked_at_us, p.is_ok,
        c.stale_after_us
    from staging.stg_probes__results p
    join components c on p.tenant_id = c.tenant_id and p.component = c.component
    where p.checked_at_us >= c.probes_from_us and p.checked_at_us < c.probes_until_us
),
neighboured as (
    select *,
        lag(checked_at_us) over w as previous_at_us,
        lag(is_ok) over w as previous_is_ok,
        lead(checked_at_us) over w as next_at_us
    from results
    window w as (partition by tenant_id, component, location order by checked_at_us)
),
flagged as (
    select *,
        case when previous_at_us is null or previous_is_ok <> is_ok
            or checked_at_us > previous_at_us + stale_after_us then 1 else 0 end as starts_run,
        case when next_at_us is not null and next_at_us < checked_at_us + stale_after_us
            then next_at_us else checked_at_us + stale_after_us end as holds_until_us
    from neighboured
),
numbered as (
    select *, sum(starts_run) over (partition by tenant_id, component, location
        order by checked_at_us rows between unbounded preceding and current row) as run_number
    from flagged
)
select tenant_id, component, location, is_ok, min(checked_at_us), max(holds_until_us)
from numbered group by tenant_id, component, location, run_number, is_ok
"""


def test_bucket_runs_equal_the_definition(marts: duckdb.DuckDBPyConnection):
    built = set(
        marts.execute(
            "select tenant_id, component, location, is_ok, started_at_us, ended_at_us "
            "from intermediate.int_location_states_compressed"
        ).fetchall()
    )
    oracle = set(marts.execute(ORACLE).fetchall())
    assert built and built == oracle
    # the world has failures and gaps, so the buckets that are read one by one are exercised
    unsteady = marts.execute(
        "select count(*) from intermediate.int_probe_buckets_summarised where not is_steady"
    ).fetchone()[0]
    assert unsteady > 0


def _land(tmp_path: Path, name: str, table: pa.Table) -> duckdb.DuckDBPyConnection:
    folder = tmp_path / "raw" / "probes"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_source(con, tmp_path, "probes")
    return con


def test_typed_parquet_lands_without_text(tmp_path: Path):
    at = datetime(2026, 10, 5, 10, 0, 30, 123456, tzinfo=UTC)
    table = pa.table(
        {
            "tenant_id": ["t1", "t1", None],
            "component": ["core", "core", "core"],
            "location": ["eu", "us", "eu"],
            "checked_at": pa.array([at, None, at], pa.timestamp("us", tz="UTC")),
            "ok": [True, False, None],
            "latency_ms": [12.5, None, 3.0],
        }
    )
    con = _land(tmp_path, "typed.parquet", table)
    rows = con.execute(
        "select source_line, checked_at, checked_at_us, ok, is_ok, latency_ms_value "
        "from raw.probes order by source_line"
    ).fetchall()
    micros = int(at.timestamp()) * 1_000_000 + 123456
    assert rows[0][:6] == (1, None, micros, None, True, pytest.approx(12.5))
    assert rows[1][1:3] == (None, None)  # a missing instant: no text, no value
    assert rows[2][3:5] == (None, None)
    ledger = con.execute("select row_count from raw._ingested_files").fetchone()
    assert ledger == (3,)


def test_text_instants_in_parquet_keep_bad_text(tmp_path: Path):
    table = pa.table(
        {
            "tenant_id": ["t1", "t1", "t1"],
            "component": ["core"] * 3,
            "location": ["eu"] * 3,
            "checked_at": ["2026-10-05T12:00:00+02:00", "2026-10-05T10:00:00", "yesterday"],
            "ok": ["1", "f", "maybe"],
        }
    )
    con = _land(tmp_path, "text.parquet", table)
    rows = con.execute(
        "select checked_at, checked_at_us, ok, is_ok from raw.probes order by source_line"
    ).fetchall()
    ten_utc = int(datetime(2026, 10, 5, 10, tzinfo=UTC).timestamp()) * 1_000_000
    assert rows[0] == (None, ten_utc, None, True)
    assert rows[1] == ("2026-10-05T10:00:00", None, None, False)  # no offset: kept as text
    assert rows[2] == ("yesterday", None, "maybe", None)


def test_csv_and_parquet_land_the_same_values(tmp_path: Path):
    folder = tmp_path / "raw" / "probes"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(
        "tenant_id,component,location,checked_at,ok,latency_ms\n"
        "t1,core,eu,2026-10-05T10:00:30.5Z,true,7\n"
    )
    df = pl.DataFrame(
        {
            "tenant_id": ["t1"],
            "component": ["core"],
            "location": ["eu"],
            "checked_at": [datetime(2026, 10, 5, 10, 0, 30, 500000, tzinfo=UTC)],
            "ok": [True],
            "latency_ms": [7],
        }
    )
    df.write_parquet(folder / "b.parquet")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_source(con, tmp_path, "probes")
    rows = con.execute(
        "select checked_at_us, is_ok, latency_ms_value, source_line from raw.probes "
        "order by source_file"
    ).fetchall()
    assert rows[0][:3] == rows[1][:3]
    assert [r[3] for r in rows] == [2, 1]  # CSV line 2 (after the header), Parquet row 1


def test_gx_on_breaking_rows_only_reaches_the_same_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_raw_schema(con)
    con.execute(
        "insert into raw.probe_rows (tenant_id, source_file, source_line) "
        "select 't1', 'raw/probes/a.csv', range + 1 from range(5000)"
    )
    monkeypatch.setenv(gx_checks.FULL_SCAN_ROWS_ENV, "100")
    passed = gx_checks.validate_table(con, "raw.probes")
    assert passed.passed and passed.metadata["rows_given_to_gx"].value == 0
    assert passed.metadata["rows"].value == 5000
    con.execute("update raw.probe_rows set source_line = 0 where source_line <= 3")
    failed = gx_checks.validate_table(con, "raw.probes")
    assert not failed.passed
    assert "3 of 5000 rows" in failed.description
    monkeypatch.setenv(gx_checks.FULL_SCAN_ROWS_ENV, "100000")
    whole = gx_checks.validate_table(con, "raw.probes")
    assert not whole.passed and "3 of 5000 rows" in whole.description


def test_breaking_rows_predicate_gives_up_on_what_sql_cannot_say_exactly():
    assert (
        gx_checks.breaking_rows_predicate(
            [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "a"}}]
        )
        is None
    )
    assert (
        gx_checks.breaking_rows_predicate(
            [
                {
                    "type": "expect_column_values_to_not_be_null",
                    "kwargs": {"column": "a", "mostly": 0.9},
                }
            ]
        )
        is None
    )
    assert (
        gx_checks.breaking_rows_predicate(
            [
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": "k", "value_set": ["a'b"]},
                },
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {"column": "n", "min_value": 1, "strict_max": True, "max_value": 9},
                },
            ]
        )
        == '("k" is not null and "k" not in (\'a\'\'b\')) or ("n" is not null and ("n" < 1 or "n" >= 9))'
    )


def test_landed_parquet_is_read_in_place_and_replaced_whole(tmp_path: Path):
    at = datetime(2026, 10, 5, 10, tzinfo=UTC)
    table = pa.table(
        {
            "tenant_id": ["t1", "t1"],
            "component": ["core", "core"],
            "location": ["eu", "us"],
            "checked_at": pa.array([at, at], pa.timestamp("us", tz="UTC")),
            "ok": [True, False],
        }
    )
    con = _land(tmp_path, "p.parquet", table)
    landed = list((tmp_path / "w.duckdb.landed" / "probes").glob("*.parquet"))
    assert len(landed) == 1
    assert con.execute("select count(*) from raw.probe_rows").fetchone() == (0,)
    assert con.execute("select count(*), count(is_ok) from raw.probes").fetchone() == (2, 2)
    # the same file again: nothing changes; a new version replaces the old one's rows and copy
    ingest_source(con, tmp_path, "probes")
    assert con.execute("select count(*) from raw.probes").fetchone() == (2,)
    pq.write_table(table.slice(0, 1), tmp_path / "raw" / "probes" / "p.parquet")
    report = ingest_source(con, tmp_path, "probes")
    assert report.files_replaced == 1
    assert con.execute("select count(*) from raw.probes").fetchone() == (1,)
    assert len(list((tmp_path / "w.duckdb.landed" / "probes").glob("*.parquet"))) == 1
    # a later connection sees the same view
    con.close()
    again = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert again.execute("select source_line from raw.probes").fetchall() == [(1,)]


def test_a_warehouse_with_a_probe_table_keeps_its_rows(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("create schema raw")
    con.execute(
        "create table raw.probes (tenant_id varchar, component varchar, location varchar, "
        "checked_at varchar, ok varchar, latency_ms varchar, extra varchar, "
        "parse_error varchar, source_file varchar, source_line bigint, file_sha256 varchar, "
        "ingested_at timestamptz)"
    )
    con.execute(
        "insert into raw.probes values ('t1','core','eu','2026-10-05T10:00:00Z','0',null,"
        "null,null,'raw/probes/a.csv',2,'x',now())"
    )
    ensure_raw_schema(con)
    assert con.execute("select is_ok, source_line from raw.probes").fetchall() == [(False, 2)]


# The staging macros' rules as dbt_project/macros writes them (default__ dispatch, DuckDB).
MACRO_RULES = {
    "has_offset": (
        "regexp_matches(trim(v), "
        "'[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?(Z|z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')"
    ),
    "instant": (
        "epoch_us(coalesce(try_cast(trim(v) as timestamptz), "
        "try_cast(regexp_replace(trim(v), 'z$', 'Z') as timestamptz)))"
    ),
    "boolean": (
        "case lower(trim(v)) when 'true' then true when '1' then true when 't' then true "
        "when 'false' then false when '0' then false when 'f' then false end"
    ),
    "latency": "try_cast(trim(v) as decimal(18, 3))",
}
NBSP = "\u00a0"
AWKWARD_TEXT = [
    "2026-10-05T10:00:00Z",
    " 2026-10-05T10:00:00Z",
    "2026-10-05T10:00:00Z ",
    "\t2026-10-05T10:00:00+02:00\n",
    "2026-10-05T10:00:00z",
    "2026-10-05 10:00:00+0200",
    "2026-10-05T10:00:00",
    "2026-10-05T10:00:00 Z",
    f"{NBSP}2026-10-05T10:00:00Z{NBSP}",
    "2026-02-30T00:00:00Z",
    "2026-10-05T10:00:00.123456789Z",
    "2026-10-05T10:00:00+02",
    "2026-10-05",  # a date, not an instant at -05 hours
    "2026-10-05z",
    "2026-10-05T10:00z",
    "2026-10-05T10:00:00-0230",
    "2026-10-05T10:00:00+23:59",
    "2026-10-05T10:00:00+24:00",  # ISO 8601 offsets stop at 23:59
    "2026-10-05T10:00:00+25:00",
    "2026-10-05T10:00:00+02:75",
    "2026-10-05T10:00:00+99",
    "2026-10-05 10:00:00 Europe/Cairo",
    "2026-10-05",
    "yesterday",
    "",
    " ",
    "47.3",
    " 47.3 ",
    "\t5",
    "1e3",
    "-1",
    "1,5",
    "0.0005",
    f"{NBSP}5",
    "12345678901234567.5",
    "true",
    "TRUE",
    " true",
    "True",
    "1",
    "0",
    "t",
    "f",
    "yes",
    "false ",
    f"{NBSP}false",
    None,
]


def test_landing_parse_rules_equal_the_staging_macros():
    """Landing skips trim() where it cannot matter; on awkward text it answers as staging does."""
    con = duckdb.connect()
    con.execute("create table t (v varchar)")
    con.executemany("insert into t values (?)", [[v] for v in AWKWARD_TEXT])
    landing = {
        "has_offset": ingest._HAS_OFFSET,
        "instant": ingest._PARSE_INSTANT,
        "boolean": ingest._PARSE_BOOLEAN,
        "latency": ingest._PARSE_LATENCY,
    }
    for rule, macro in MACRO_RULES.items():
        fast = landing[rule].format("v")
        differ = con.execute(
            f"select v, {macro}, {fast} from t where ({macro}) is distinct from ({fast})"
        ).fetchall()
        assert differ == [], rule
    parsed = con.execute(f"select count({ingest._PARSE_INSTANT.format('v')}) from t").fetchone()
    assert parsed is not None and parsed[0] >= 8  # the battery exercises both branches


def test_csv_probes_land_as_parquet_with_their_lines_and_bad_text(tmp_path: Path):
    folder = tmp_path / "raw" / "probes"
    folder.mkdir(parents=True)
    csv = folder / "a.csv"
    csv.write_text(
        "tenant_id,component,location,checked_at,ok,latency_ms,probe_host\n"
        "t1,core,eu,2026-10-05T10:00:00Z,true,7.25,h1\n"
        "t1,core,eu, 2026-10-05T12:01:00+02:00 , TRUE ,,h2\n"
        "t1,core,us,2026-10-05T10:02:00,maybe,fast,h3\n"
    )
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_source(con, tmp_path, "probes")
    assert con.execute("select count(*) from raw.probe_rows").fetchone() == (0,)
    assert len(list((tmp_path / "w.duckdb.landed" / "probes").glob("*.parquet"))) == 1
    columns = (
        "source_file, source_line, checked_at, checked_at_us, ok, is_ok, latency_ms, "
        "latency_ms_value, extra"
    )
    rows = con.execute(f"select {columns} from raw.probes order by source_line").fetchall()
    ten = int(datetime(2026, 10, 5, 10, tzinfo=UTC).timestamp()) * 1_000_000
    assert rows[0][:6] == ("raw/probes/a.csv", 2, None, ten, None, True)
    assert rows[0][7] == pytest.approx(7.25) and rows[0][8] == '{"probe_host":"h1"}'
    assert rows[1][1:8] == (3, None, ten + 60_000_000, None, True, None, None)
    assert rows[2][1:8] == (4, "2026-10-05T10:02:00", None, "maybe", None, "fast", None)
    # the same rows in an in-memory warehouse, which keeps them in raw.probe_rows
    memory = duckdb.connect()
    ingest_source(memory, tmp_path, "probes")
    assert memory.execute(f"select {columns} from raw.probe_rows order by 2").fetchall() == rows
    # a corrected file replaces the landed one whole
    csv.write_text(
        "tenant_id,component,location,checked_at,ok,latency_ms\n"
        "t1,core,us,2026-10-05T10:02:00Z,false,9\n"
    )
    report = ingest_source(con, tmp_path, "probes")
    assert report.files_replaced == 1
    assert con.execute("select source_line, is_ok from raw.probes").fetchall() == [(2, False)]
    assert len(list((tmp_path / "w.duckdb.landed" / "probes").glob("*.parquet"))) == 1


def test_file_values_present_is_the_quarantine_rule():
    """The ingestion's per-file test is the quarantine model's own_values_present, word for word."""
    model = (
        Path(__file__).resolve().parents[1]
        / "dbt_project/models/staging/probes/stg_probes__results_quarantined.sql"
    ).read_text()
    block = model.split("{%- set own_values_present -%}")[1].split("{%- endset -%}")[0]
    per_row = block.split("or (", 1)[1].rsplit(")", 2)[0]

    def words(sql: str) -> list[str]:
        return sql.replace("landed.", "").split()

    assert words(per_row) == words(ingest.ROW_VALUES_PRESENT)


def _present(con: duckdb.DuckDBPyConnection) -> list[tuple[str, bool]]:
    return con.execute(
        "select source_file, bool_and(file_values_present) from raw.probes group by 1 order by 1"
    ).fetchall()


def test_a_file_is_known_clean_only_when_every_row_is(tmp_path: Path):
    at = datetime(2026, 10, 5, 10, tzinfo=UTC)
    stamps = pa.array([at, at], pa.timestamp("us", tz="UTC"))
    base = {"tenant_id": ["t1", "t1"], "component": ["core"] * 2, "checked_at": stamps}
    clean = pa.table({**base, "location": ["eu", "us"], "ok": [True, False], "latency_ms": [1, 2]})
    blank_location = pa.table({**base, "location": ["eu", " "], "ok": [True, True]})
    null_ok = pa.table({**base, "location": ["eu", "us"], "ok": [True, None]})
    con = _land(tmp_path, "a-clean.parquet", clean)
    for name, table in (("b-blank.parquet", blank_location), ("c-null-ok.parquet", null_ok)):
        pq.write_table(table, tmp_path / "raw" / "probes" / name)
    pq.write_table(clean.slice(0, 0), tmp_path / "raw" / "probes" / "d-empty.parquet")
    folder = tmp_path / "raw" / "probes"
    # text route: a latency that does not parse keeps its text; a blank one is no value at all
    (folder / "e-clean.csv").write_text(
        "tenant_id,component,location,checked_at,ok,latency_ms\n"
        "t1,core,eu,2026-10-05T10:00:00Z,1,\nt1,core,us,2026-10-05T10:00:00Z,0,3.5\n"
    )
    (folder / "f-bad-latency.csv").write_text(
        "tenant_id,component,location,checked_at,ok,latency_ms\n"
        "t1,core,eu,2026-10-05T10:00:00Z,1,fast\n"
    )
    (folder / "g-no-offset.csv").write_text(
        "tenant_id,component,location,checked_at,ok\nt1,core,eu,2026-10-05T10:00:00,1\n"
    )
    ingest_source(con, tmp_path, "probes")
    assert _present(con) == [
        ("raw/probes/a-clean.parquet", True),
        ("raw/probes/b-blank.parquet", False),
        ("raw/probes/c-null-ok.parquet", False),
        ("raw/probes/e-clean.csv", True),
        ("raw/probes/f-bad-latency.csv", False),
        ("raw/probes/g-no-offset.csv", False),
    ]
    stored = con.execute(
        "select source_file, values_present from raw._probe_files where source_file like '%empty%'"
    ).fetchall()
    assert stored == [("raw/probes/d-empty.parquet", False)]
    # a corrected version is tested again
    pq.write_table(blank_location.slice(0, 1), folder / "b-blank.parquet")
    ingest_source(con, tmp_path, "probes")
    assert ("raw/probes/b-blank.parquet", True) in _present(con)


def test_a_warehouse_landed_before_the_flag_tests_every_row(tmp_path: Path):
    at = datetime(2026, 10, 5, 10, tzinfo=UTC)
    table = pa.table(
        {
            "tenant_id": ["t1"],
            "component": ["core"],
            "location": ["eu"],
            "checked_at": pa.array([at], pa.timestamp("us", tz="UTC")),
            "ok": [True],
        }
    )
    con = _land(tmp_path, "p.parquet", table)
    con.execute("alter table raw._probe_files drop column values_present")
    ensure_raw_schema(con)
    assert _present(con) == [("raw/probes/p.parquet", False)]
