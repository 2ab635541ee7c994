"""Idempotent landing of raw files into DuckDB `raw.*`, one ledger row per file version.

A file already landed with the same content is skipped; a new file adds only its rows; a
reference file that finance replaced is swapped whole. Each row keeps `source_file` (relative
to SLA_DATA_DIR) and `source_line`, so quarantine can point a person at the exact line.

Probes are the one source with a row per check per location (a provider's month is 10⁸ rows):
their instant, state and latency are parsed once, here, by the same rules as the staging macros,
into typed columns (`checked_at_us`, `is_ok`, `latency_ms_value`); the text is kept only where it
did not parse, for quarantine to show. A Parquet file of the usual shape is not copied into the
warehouse at all: it is kept as is beside it (`<warehouse>.landed/probes/<sha256>.parquet`) and
read by DuckDB straight into the typed columns. What came another way (CSV, JSON Lines,
adapters, odd Parquet) is parsed once and written beside it as Parquet too. `raw.probes` is a
view over those files plus the table `raw.probe_rows`, which holds the rows of an in-memory
warehouse and of text files landed before this design. Landing a provider's month is then a
file copy or one Parquet write, not a 10⁸-row insert.

A source's adapter files (`sources/<tool>/`, see adapters/) land in the same table under the
same rules. Their ledger `sha256` fingerprints the file together with what its rows depend on
(mapping.yaml, companion files), so editing the mapping re-lands the file whole.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb
import polars as pl

from .adapters import adapter_files
from .adapters.common import PARSE_ERROR
from .holiday_snapshot import ensure_kept_table
from .readers import UnreadableFileError, read_any
from .sources import FILE_SUFFIXES, SOURCES, Source

LEDGER = "raw._ingested_files"
# The quarantined rows of file versions that were since replaced or removed: "quarantine keeps
# every bad row it has seen", also after the file was corrected (quarantine_* union them).
REPLACED_QUARANTINE = "raw._replaced_quarantine"
_QUARANTINE_OWN_COLUMNS = ("source_file", "source_line", "reason", "ingested_at", "replaced_at")
PROBE_ROWS = "raw.probe_rows"
PROBE_FILES = "raw._probe_files"

# The staging macros' rules, in DuckDB SQL over the landed text (keep them in step:
# has_utc_offset, parse_timestamp_us, parse_boolean and try_decimal in dbt_project/macros).
# Each rule first tries the text as it is, which is where the answer lies for nearly every probe
# row: DuckDB's trim() copies the text, and over 10⁸ rows those copies were most of the parse.
# A cast that succeeds on the text as it is gives what it gives on the trimmed text, because
# DuckDB's casts skip the surrounding whitespace themselves; only a null tries the trimmed one.
# An offset right after a time of day ("2026-10-13" is a date, not -13 hours), within ISO 8601's
# ±23:59: has_utc_offset.
# The usual "...:00Z" is told without the pattern.
_HAS_OFFSET = (
    "(case when (suffix({0}, 'Z') or suffix({0}, 'z')) and contains({0}, ':') then true "
    "else regexp_matches(trim({0}), "
    "'[0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}}([.,][0-9]+)?)? ?"
    "(Z|z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$') end)"
)
# a lowercase "z" (RFC 3339 allows it) is read as "Z", the only one DuckDB's cast accepts
_PARSE_INSTANT = (
    "epoch_us(coalesce(try_cast({0} as timestamptz), try_cast(trim({0}) as timestamptz), "
    "try_cast(regexp_replace(trim({0}), 'z$', 'Z') as timestamptz)))"
)
_PARSE_BOOLEAN = (
    "case {0} when 'true' then true when 'false' then false else "
    "case lower(trim({0})) when 'true' then true when '1' then true when 't' then true "
    "when 'false' then false when '0' then false when 'f' then false end end"
)
_PARSE_LATENCY = "coalesce(try_cast({0} as decimal(18, 3)), try_cast(trim({0}) as decimal(18, 3)))"
# A landed row whose own values are all there, parsed and kept without text: the rule of
# own_values_present in stg_probes__results_quarantined (a test keeps the two in step). A
# landed file version whose every row holds it gets `file_values_present` true in raw.probes,
# a constant that lets the probe models skip the per-row test on the whole file: at 10⁸ rows
# the test (the latency's cast above all) cost about 2 s a scan, and five scans made it.
ROW_VALUES_PRESENT = (
    "checked_at_us is not null and is_ok is not null and parse_error is null "
    "and latency_ms is null and coalesce(trim(location), '') != ''"
)
PROBE_TYPED_COLUMNS = {
    "checked_at_us": "BIGINT",
    "is_ok": "BOOLEAN",
    "latency_ms_value": "DECIMAL(18, 3)",
}
_PROBE_KEYS = ("tenant_id", "component", "location")
_LANDING = ("extra", "parse_error", "source_file", "source_line", "file_sha256", "ingested_at")


def _probe_select(
    checked_us: str, is_ok: str, latency: str, checked_text: str, ok_text: str, latency_text: str
) -> str:
    """raw.probes' columns from typed values, keeping each text only where its value is null."""
    return ", ".join(
        [
            *_PROBE_KEYS,
            f"case when {checked_us} is null then {checked_text} end as checked_at",
            f"case when {is_ok} is null then {ok_text} end as ok",
            f"case when {latency} is null then {latency_text} end as latency_ms",
            *_LANDING,
            f"{checked_us} as checked_at_us",
            f"{is_ok} as is_ok",
            f"{latency} as latency_ms_value",
        ]
    )


# an instant without an offset is bad input however it parses
_PARSE_CHECKED_AT = (
    f"(case when {_HAS_OFFSET.format('checked_at')} then {_PARSE_INSTANT.format('checked_at')} end)"
)
# A landed text frame: parse it on the way in.
_PROBE_FROM_TEXT = _probe_select(
    _PARSE_CHECKED_AT,
    f"({_PARSE_BOOLEAN.format('ok')})",
    f"({_PARSE_LATENCY.format('latency_ms')})",
    "checked_at",
    "ok",
    "latency_ms",
)


@dataclass
class IngestReport:
    source: str
    files_seen: int = 0
    files_new: int = 0
    files_replaced: int = 0
    rows_added: int = 0
    rows_total: int = 0
    unreadable: list[str] = field(default_factory=list)

    def as_metadata(self) -> dict[str, int | str]:
        return {
            "files_seen": self.files_seen,
            "files_new": self.files_new,
            "files_replaced": self.files_replaced,
            "rows_added": self.rows_added,
            "rows_total": self.rows_total,
        }


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    ensure_kept_table(con)
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {LEDGER} (
            source VARCHAR, source_file VARCHAR, sha256 VARCHAR, row_count BIGINT,
            ingested_at TIMESTAMPTZ, PRIMARY KEY (source, source_file))"""
    )
    _migrate_probe_table(con)
    _widen_credit_percentages(con)
    for source in SOURCES.values():
        cols = ", ".join(f'"{c}" VARCHAR' for c in source.columns)
        typed = "".join(
            f", {c} {t}" for c, t in PROBE_TYPED_COLUMNS.items() if source.name == "probes"
        )
        table = PROBE_ROWS if source.name == "probes" else source.table
        con.execute(
            f"""CREATE TABLE IF NOT EXISTS {table} ({cols}, extra VARCHAR,
                parse_error VARCHAR, source_file VARCHAR, source_line BIGINT,
                file_sha256 VARCHAR, ingested_at TIMESTAMPTZ{typed})"""
        )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {REPLACED_QUARANTINE} (source VARCHAR,
            source_file VARCHAR, source_line BIGINT, raw_values VARCHAR, reason VARCHAR,
            ingested_at TIMESTAMPTZ, replaced_at TIMESTAMPTZ)"""
    )
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {PROBE_FILES} (source_file VARCHAR PRIMARY KEY,
            file_sha256 VARCHAR, ingested_at TIMESTAMPTZ, landed_name VARCHAR,
            select_sql VARCHAR, values_present BOOLEAN DEFAULT false)"""
    )
    # a warehouse landed before the column: its files keep the per-row test until re-landed
    con.execute(
        f"ALTER TABLE {PROBE_FILES} ADD COLUMN IF NOT EXISTS values_present BOOLEAN DEFAULT false"
    )
    refresh_probe_view(con)


def _migrate_probe_table(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse from before: raw.probes was a table; its rows become raw.probe_rows."""
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'probes'"
    ).fetchone()
    if kind is None or kind[0] != "BASE TABLE":
        return
    _migrate_probe_columns(con)
    con.execute("ALTER TABLE raw.probes RENAME TO probe_rows")


def _widen_credit_percentages(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse from before kept credit_pct to 4 places; the published mart now keeps 6.

    The mart is incremental and fails on a schema change, so the column is widened in place
    (lossless: every old value fits) before dbt compares the schemas.
    """
    row = con.execute(
        "select data_type from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'service_credits' and column_name = 'credit_pct'"
    ).fetchone()
    if row is not None and row[0] == "DECIMAL(9,4)":
        con.execute("ALTER TABLE marts.service_credits ALTER credit_pct TYPE DECIMAL(10,6)")


def landed_dir(con: duckdb.DuckDBPyConnection) -> Path | None:
    """Where this warehouse keeps landed probe Parquet files; None for an in-memory one."""
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    if not row or not row[0]:
        return None
    db = Path(row[0]).resolve()
    return db.with_name(db.name + ".landed") / "probes"


def refresh_probe_view(con: duckdb.DuckDBPyConnection) -> None:
    """raw.probes = the landed rows table + every landed Parquet file, read in place.

    `file_values_present` is a constant of each part (see ROW_VALUES_PRESENT): DuckDB folds a
    test on it per file, so a file known clean is never tested row by row.
    """
    parts = [f"SELECT *, false AS file_values_present FROM {PROBE_ROWS}"]
    folder = landed_dir(con)
    if folder is not None:
        for select_sql, name, rel, sha, at, present in con.execute(
            f"SELECT select_sql, landed_name, source_file, file_sha256, ingested_at, "
            f"coalesce(values_present, false) FROM {PROBE_FILES} ORDER BY source_file"
        ).fetchall():
            landed = _landed_select(select_sql, folder / name, rel, sha, at)
            flag = "true" if present else "false"
            parts.append(f"SELECT *, {flag} AS file_values_present FROM ({landed})")
    con.execute("CREATE OR REPLACE VIEW raw.probes AS " + "\nUNION ALL\n".join(parts))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _landed_select(select_sql: str, path: Path, rel: str, sha: str, at: datetime) -> str:
    """A landed file's rows as raw.probes reads them (its stored select, filled in)."""
    return select_sql.format(
        path=_quote(str(path)),
        source_file=_quote(rel),
        sha=_quote(sha),
        ingested_at=_quote(at.isoformat()),
    )


def _values_present(con: duckdb.DuckDBPyConnection, landed: str) -> bool:
    """Whether every row of a landed file holds ROW_VALUES_PRESENT (an empty file: no)."""
    row = con.execute(
        f"SELECT coalesce(bool_and(coalesce({ROW_VALUES_PRESENT}, false)), false) FROM ({landed})"
    ).fetchone()
    return bool(row and row[0])


def _record_probe_file(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    name: str,
    select_sql: str,
    rel: str,
    sha: str,
    now: datetime,
) -> None:
    present = _values_present(con, _landed_select(select_sql, folder / name, rel, sha, now))
    con.execute(
        f"INSERT INTO {PROBE_FILES} (source_file, file_sha256, ingested_at, landed_name, "
        "select_sql, values_present) VALUES (?, ?, ?, ?, ?, ?)",
        [rel, sha, now, name, select_sql, present],
    )


def _migrate_probe_columns(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse landed before probes were typed: add the columns, parse what is there."""
    have = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'probes'"
        ).fetchall()
    }
    if "checked_at_us" in have:
        return
    for column, sql_type in PROBE_TYPED_COLUMNS.items():
        con.execute(f"ALTER TABLE raw.probes ADD COLUMN {column} {sql_type}")
    con.execute(
        f"""UPDATE raw.probes SET
            checked_at_us = case when {_HAS_OFFSET.format("checked_at")}
                then {_PARSE_INSTANT.format("checked_at")} end,
            is_ok = {_PARSE_BOOLEAN.format("ok")},
            latency_ms_value = {_PARSE_LATENCY.format("latency_ms")}"""
    )


def source_files(data_dir: Path, source: Source) -> list[Path]:
    if source.file is not None:
        path = data_dir / source.file
        return [path] if path.exists() else []
    folder = data_dir / (source.folder or "")
    if not folder.exists():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name.lower().endswith(FILE_SUFFIXES) and not p.name.startswith(".")
    )


def unsupported_files(data_dir: Path, source: Source) -> list[Path]:
    """Files in a source's folder that no reader takes: their rows would be lost unseen."""
    if source.file is not None or source.folder is None:
        return []
    folder = data_dir / source.folder
    if not folder.exists():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not p.name.lower().endswith(FILE_SUFFIXES)
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint_files(data_dir: Path, paths: tuple[Path, ...]) -> str:
    """One file: its sha256. Several: the sha256 of their relative paths and sha256s."""
    if len(paths) == 1:
        return file_sha256(paths[0])
    text = "\n".join(f"{p.relative_to(data_dir).as_posix()}:{file_sha256(p)}" for p in paths)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class FileVersion:
    """A ledger entry to land: the file its rows name, what it depends on, and its reader."""

    rel: str
    paths: tuple[Path, ...]
    read: Callable[[], pl.DataFrame]


def source_versions(data_dir: Path, source: Source) -> list[FileVersion]:
    """The contract's files of a source, then the adapter files that feed it."""
    out = [
        FileVersion(p.relative_to(data_dir).as_posix(), (p,), partial(read_any, p))
        for p in source_files(data_dir, source)
    ]
    for adapter, entry in adapter_files(data_dir, source.name):
        out.append(
            FileVersion(
                entry.path.relative_to(data_dir).as_posix(),
                (entry.path, *entry.depends_on),
                partial(adapter.load, data_dir, entry),
            )
        )
    return out


def _shape(df: pl.DataFrame, source: Source, rel: str, sha: str, now: datetime) -> pl.DataFrame:
    known = set(source.columns) | {"source_line", "_unparseable", PARSE_ERROR}
    extras = [c for c in df.columns if c not in known]
    exprs: list[pl.Expr] = [
        (pl.col(c) if c in df.columns else pl.lit(None, dtype=pl.String)).alias(c)
        for c in source.columns
    ]
    if extras:
        # Unknown columns are kept (as one JSON object) and ignored downstream.
        exprs.append(pl.struct([pl.col(c) for c in extras]).struct.json_encode().alias("extra"))
    else:
        exprs.append(pl.lit(None, dtype=pl.String).alias("extra"))
    reasons: list[pl.Expr] = []
    if "_unparseable" in df.columns:
        reasons.append(
            pl.when(pl.col("_unparseable").is_not_null()).then(pl.lit("unparseable JSON line"))
        )
    if PARSE_ERROR in df.columns:  # what an adapter could not map
        reasons.append(pl.col(PARSE_ERROR).cast(pl.String))
    exprs.append(
        (pl.coalesce(reasons) if reasons else pl.lit(None, dtype=pl.String)).alias("parse_error")
    )
    exprs += [
        pl.lit(rel).alias("source_file"),
        pl.col("source_line").cast(pl.Int64),
        pl.lit(sha).alias("file_sha256"),
        pl.lit(now).alias("ingested_at"),
    ]
    return df.select(exprs)


_TEXT = "VARCHAR"
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL")


def _direct_probe_parquet(
    con: duckdb.DuckDBPyConnection, path: Path
) -> Callable[[duckdb.DuckDBPyConnection, str, str, datetime], int] | None:
    """A lander reading a probe Parquet file with DuckDB into the typed columns, or None.

    Only the usual shape qualifies: the contract's columns and no others, keys as text, the
    instant as a UTC-adjusted timestamp (or text), `ok` boolean (or text), latency a number (or
    text). Anything else (a naive timestamp, extra columns, a file DuckDB cannot open) takes the
    text route, which lands it the same way it always has, quarantine reasons included.
    """
    if not path.name.lower().endswith(".parquet"):
        return None
    try:
        schema = dict(
            (r[0], str(r[1]))
            for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        )
    except duckdb.Error:
        return None
    contract = SOURCES["probes"].columns
    if set(schema) - set(contract):
        return None
    if any(schema.get(c, _TEXT) != _TEXT for c in _PROBE_KEYS):
        return None
    checked, ok, latency = (schema.get(c) for c in ("checked_at", "ok", "latency_ms"))
    if checked == "TIMESTAMP WITH TIME ZONE":
        checked_us = "epoch_us(checked_at)"
    elif checked == _TEXT:
        checked_us = _PARSE_CHECKED_AT
    else:
        return None
    if ok == "BOOLEAN":
        is_ok = "ok"
    elif ok == _TEXT:
        is_ok = f"({_PARSE_BOOLEAN.format('ok')})"
    else:
        return None
    if latency is None:
        latency_value = "cast(null as decimal(18, 3))"
    elif latency == _TEXT:
        latency_value = f"({_PARSE_LATENCY.format('latency_ms')})"
    elif latency.startswith(_NUMERIC):
        latency_value = "try_cast(latency_ms as decimal(18, 3))"
    else:
        return None
    keys = ", ".join(
        f"{c}" if c in schema else f"cast(null as varchar) as {c}" for c in _PROBE_KEYS
    )
    # text kept for quarantine: only the rows whose typed value is null ever show it
    checked_text = "cast(checked_at as varchar)" if checked else "cast(null as varchar)"
    ok_text = "cast(ok as varchar)" if ok else "cast(null as varchar)"
    latency_text = "cast(latency_ms as varchar)" if latency else "cast(null as varchar)"
    select = _probe_select(checked_us, is_ok, latency_value, checked_text, ok_text, latency_text)

    inner = (
        f"SELECT {keys}, "
        f"{'checked_at' if checked else 'cast(null as varchar) as checked_at'}, "
        f"{'ok' if ok else 'cast(null as boolean) as ok'}, "
        f"{'latency_ms' if latency else 'cast(null as varchar) as latency_ms'}, "
        "cast(null as varchar) as extra, cast(null as varchar) as parse_error, "
        "{source_file} as source_file, file_row_number + 1 as source_line, "
        "{sha} as file_sha256, cast({ingested_at} as timestamptz) as ingested_at "
        "FROM read_parquet({path}, file_row_number = true)"
    )
    escaped = select.replace("{", "{{").replace("}", "}}")
    template = f"SELECT {escaped} FROM ({inner})"

    def land(con: duckdb.DuckDBPyConnection, rel: str, sha: str, now: datetime) -> int:
        values = {"source_file": _quote(rel), "sha": _quote(sha)}
        values["ingested_at"] = _quote(now.isoformat())
        folder = landed_dir(con)
        if folder is None:  # an in-memory warehouse has nowhere to keep files: copy the rows
            sql = template.format(path=_quote(str(path)), **values)
            inserted = con.execute(f"INSERT INTO {PROBE_ROWS} {sql}").fetchone()
            return int(inserted[0]) if inserted else 0
        folder.mkdir(parents=True, exist_ok=True)
        name = _landed_name(rel, sha)
        staged = folder / f".{name}.tmp"
        shutil.copyfile(path, staged)
        staged.replace(folder / name)
        _record_probe_file(con, folder, name, template, rel, sha, now)
        counted = con.execute(
            "SELECT count(*) FROM read_parquet(?)", [str(folder / name)]
        ).fetchone()
        return int(counted[0]) if counted else 0

    return land


def _arrow(frame: pl.DataFrame):
    """The frame as Arrow without a copy: DuckDB reads polars' string views as they are."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


# A probe file landed by the text route, as raw.probes reads it back: the per-row columns
# come from the file, the file's own constants from _probe_files.
_TEXT_LANDED_SELECT = (
    "SELECT tenant_id, component, location, checked_at, ok, latency_ms, extra, parse_error, "
    "{source_file} AS source_file, source_line, {sha} AS file_sha256, "
    "cast({ingested_at} AS timestamptz) AS ingested_at, checked_at_us, is_ok, latency_ms_value "
    "FROM read_parquet({path})"
)


def _landed_name(rel: str, sha: str) -> str:
    return hashlib.sha256(f"{rel}\0{sha}".encode()).hexdigest()[:32] + ".parquet"


def _land_probe_text(
    con: duckdb.DuckDBPyConnection, shaped: pl.DataFrame, rel: str, sha: str, now: datetime
) -> int:
    """Parse a text frame's probes once and keep them as a landed Parquet file.

    Inserting 10⁷ rows into a DuckDB table costs twice what writing them to Parquet does, and
    the probe models read Parquet as fast as a table; so a CSV or JSON Lines month lands like
    a Parquet one. An in-memory warehouse has nowhere to keep files: it gets the rows.
    """
    constants = ["source_file", "file_sha256", "ingested_at"]
    # the file's constants as SQL parameters: as polars columns they cost a copy per row
    arrow = _arrow(shaped.drop(constants))  # noqa: F841 - read by DuckDB's replacement scan
    parsed = (
        f"SELECT {_PROBE_FROM_TEXT} FROM (SELECT *, ?::varchar AS source_file, "
        "?::varchar AS file_sha256, ?::timestamptz AS ingested_at FROM arrow)"
    )
    folder = landed_dir(con)
    if folder is None:
        con.execute(f"INSERT INTO {PROBE_ROWS} {parsed}", [rel, sha, now])
        return shaped.height
    folder.mkdir(parents=True, exist_ok=True)
    name = _landed_name(rel, sha)
    staged = folder / f".{name}.tmp"
    per_row = (
        "tenant_id, component, location, checked_at, ok, latency_ms, extra, parse_error, "
        "source_line, checked_at_us, is_ok, latency_ms_value"
    )
    con.execute(
        f"COPY (SELECT {per_row} FROM ({parsed})) TO {_quote(str(staged))} "
        "(FORMAT parquet, COMPRESSION zstd, PARQUET_VERSION v2)",
        [rel, sha, now],
    )
    staged.replace(folder / name)
    _record_probe_file(con, folder, name, _TEXT_LANDED_SELECT, rel, sha, now)
    return shaped.height


def keep_quarantined_rows(
    con: duckdb.DuckDBPyConnection, source: Source, rel: str, now: datetime
) -> int:
    """Keep what quarantine.<source> shows for a file version about to be replaced or dropped.

    The quarantine models are rebuilt from the landed rows on every run, so a corrected file
    would otherwise take its bad rows out of quarantine with it. Their raw values are kept as
    JSON with the reason and the version's ingested_at; a version is kept once, however often
    this runs. Rows of a version that no run modelled were never seen, and are not invented.
    """
    columns = _columns(con, "quarantine", source.name)
    if not columns:
        return 0
    values = ", ".join(f"'{c}', q.\"{c}\"" for c in columns if c not in _QUARANTINE_OWN_COLUMNS)
    current = "and q.replaced_at is null" if "replaced_at" in columns else ""
    row = con.execute(
        f"""insert into {REPLACED_QUARANTINE}
            select ?, q.source_file, q.source_line, cast(json_object({values}) as varchar),
                   q.reason, q.ingested_at, ?
            from quarantine."{source.name}" as q
            where q.source_file = ? {current}
              and not exists (
                  select 1 from {REPLACED_QUARANTINE} as kept
                  where kept.source = ? and kept.source_file = q.source_file
                    and kept.source_line = q.source_line
                    and kept.ingested_at = q.ingested_at and kept.reason = q.reason)""",
        [source.name, now, rel, source.name],
    ).fetchone()
    return int(row[0]) if row else 0


# The rows each quarantine table showed after the last run's models, one table per source.
SEEN_SCHEMA = "quarantine_seen"


def keep_resolved_rows(con: duckdb.DuckDBPyConnection, now: datetime) -> dict[str, int]:
    """After the models ran: keep the bad rows the last run showed and this one no longer does,
    although their file version is still landed.

    Another file made them valid: an unknown tenant's probe rows once its contract is added, a
    charge once its tenant appears. "Quarantine keeps every bad row it has seen", so they stay,
    with `replaced_at` = this run (when they stopped being bad input), like the rows of a file
    version since replaced: in raw._replaced_quarantine, which the quarantine models union
    back, and in this run's quarantine table, built before anyone knew. Returns rows kept per
    source; a second run over the same inputs keeps none.
    """
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SEEN_SCHEMA}")
    tables = [
        r[0]
        for r in con.execute(
            "select t.table_name from information_schema.tables as t "
            "join information_schema.columns as c "
            "  on c.table_schema = t.table_schema and c.table_name = t.table_name "
            "where t.table_schema = 'quarantine' and c.column_name = 'replaced_at' "
            "order by 1"
        ).fetchall()
    ]
    kept: dict[str, int] = {}
    for name in tables:
        seen = f'{SEEN_SCHEMA}."{name}"'
        current = _columns(con, "quarantine", name)
        if _columns(con, SEEN_SCHEMA, name) == current:
            con.execute(
                f"""create or replace temp table resolved as
                    select s.* from {seen} as s
                    where not exists (
                        select 1 from quarantine."{name}" as q
                        where q.replaced_at is null and q.source_file = s.source_file
                          and q.source_line = s.source_line and q.ingested_at = s.ingested_at)
                      and not exists (
                        select 1 from {REPLACED_QUARANTINE} as r
                        where r.source = ? and r.source_file = s.source_file
                          and r.source_line = s.source_line and r.ingested_at = s.ingested_at
                          and r.reason = s.reason)""",
                [name],
            )
            values = ", ".join(
                f"'{c}', s.\"{c}\"" for c in current if c not in _QUARANTINE_OWN_COLUMNS
            )
            row = con.execute(
                f"""insert into {REPLACED_QUARANTINE}
                    select ?, s.source_file, s.source_line,
                           cast(json_object({values}) as varchar), s.reason, s.ingested_at, ?
                    from resolved as s""",
                [name, now],
            ).fetchone()
            kept[name] = int(row[0]) if row else 0
            if kept[name] and _is_table(con, "quarantine", name):
                con.execute(
                    f"""insert into quarantine."{name}" by name
                        select * replace (cast(? as timestamptz) as replaced_at) from resolved""",
                    [now],
                )
            con.execute("drop table resolved")
        # what this run shows is what the next one compares with
        con.execute(
            f"create or replace table {seen} as "
            f'select * from quarantine."{name}" where replaced_at is null'
        )
    return kept


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _is_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select table_type from information_schema.tables where table_schema = ? "
        "and table_name = ?",
        [schema, table],
    ).fetchone()
    return row is not None and row[0] == "BASE TABLE"


def forget_file(con: duckdb.DuckDBPyConnection, source: Source, rel: str) -> None:
    """Drop a file version's rows (the caller removes its ledger row in the same transaction)."""
    if source.name != "probes":
        con.execute(f"DELETE FROM {source.table} WHERE source_file = ?", [rel])
        return
    con.execute(f"DELETE FROM {PROBE_ROWS} WHERE source_file = ?", [rel])
    old = con.execute(f"SELECT landed_name FROM {PROBE_FILES} WHERE source_file = ?", [rel])
    names = [r[0] for r in old.fetchall()]
    con.execute(f"DELETE FROM {PROBE_FILES} WHERE source_file = ?", [rel])
    folder = landed_dir(con)
    for name in names if folder is not None else []:
        (folder / name).unlink(missing_ok=True)


def ingest_source(con: duckdb.DuckDBPyConnection, data_dir: Path, name: str) -> IngestReport:
    source = SOURCES[name]
    ensure_raw_schema(con)
    report = IngestReport(source=name)
    landed = dict(
        con.execute(f"SELECT source_file, sha256 FROM {LEDGER} WHERE source = ?", [name]).fetchall()
    )
    now = datetime.now(UTC)
    for path in unsupported_files(data_dir, source):
        report.unreadable.append(
            f"{path.relative_to(data_dir).as_posix()}: not a file type the platform reads "
            f"({', '.join(FILE_SUFFIXES)})"
        )
    for version in source_versions(data_dir, source):
        report.files_seen += 1
        rel = version.rel
        sha = fingerprint_files(data_dir, version.paths)
        if landed.get(rel) == sha:
            continue
        direct = (
            _direct_probe_parquet(con, version.paths[0])
            if name == "probes" and version.paths == (data_dir / rel,)
            else None
        )
        try:
            df = pl.DataFrame() if direct is not None else version.read()
        except UnreadableFileError as exc:
            # name the file that could not be read: a companion or mapping.yaml, maybe
            where = (
                exc.path.relative_to(data_dir).as_posix()
                if exc.path.is_relative_to(data_dir)
                else rel
            )
            report.unreadable.append(f"{where}: {exc.reason}")
            continue
        shaped = None if direct is not None else _shape(df, source, rel, sha, now)
        con.execute("BEGIN TRANSACTION")
        try:
            if rel in landed:
                keep_quarantined_rows(con, source, rel, now)
                forget_file(con, source, rel)
                con.execute(
                    f"DELETE FROM {LEDGER} WHERE source = ? AND source_file = ?", [name, rel]
                )
                report.files_replaced += 1
            else:
                report.files_new += 1
            if direct is not None:
                rows = direct(con, rel, sha, now)
            elif name == "probes":
                assert shaped is not None
                rows = _land_probe_text(con, shaped, rel, sha, now)
            else:
                assert shaped is not None
                arrow = _arrow(shaped)  # noqa: F841 - read by DuckDB's replacement scan
                con.execute(f"INSERT INTO {source.table} SELECT * FROM arrow")
                rows = shaped.height
            con.execute(
                f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, ?)",
                [name, rel, sha, rows, now],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        report.rows_added += rows
    if source.file is not None:
        # A reference file that disappeared no longer describes anything: drop its rows.
        present = {p.relative_to(data_dir).as_posix() for p in source_files(data_dir, source)}
        for rel in set(landed) - present:
            keep_quarantined_rows(con, source, rel, now)
            forget_file(con, source, rel)
            con.execute(f"DELETE FROM {LEDGER} WHERE source = ? AND source_file = ?", [name, rel])
    if name == "probes" and (report.files_new or report.files_replaced):
        refresh_probe_view(con)
    row = con.execute(f"SELECT count(*) FROM {source.table}").fetchone()
    report.rows_total = int(row[0]) if row else 0
    return report


def raise_if_unreadable(reports: list[IngestReport]) -> None:
    bad = [item for r in reports for item in r.unreadable]
    if bad:
        raise UnreadableFileError(Path(bad[0].split(":", 1)[0]), "; ".join(bad))


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """One hash over every landed file version: what a publication was computed from."""
    rows = con.execute(f"SELECT source, source_file, sha256 FROM {LEDGER} ORDER BY 1, 2").fetchall()
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()
