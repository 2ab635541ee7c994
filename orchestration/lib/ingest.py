"""Idempotent landing of raw files into DuckDB `raw.*`, one ledger row per file version.

A file already landed with the same content is skipped; a new file adds only its rows; a
reference file that finance replaced is swapped whole. Each row keeps `source_file` (relative
to SLA_DATA_DIR) and `source_line`, so quarantine can point a person at the exact line.

A source's adapter files (`sources/<tool>/`, see adapters/) land in the same table under the
same rules. Their ledger `sha256` fingerprints the file together with what its rows depend on
(mapping.yaml, companion files), so editing the mapping re-lands the file whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb
import polars as pl

from .adapters import adapter_files
from .adapters.common import PARSE_ERROR
from .readers import UnreadableFileError, read_any
from .sources import FILE_SUFFIXES, SOURCES, Source

LEDGER = "raw._ingested_files"


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
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {LEDGER} (
            source VARCHAR, source_file VARCHAR, sha256 VARCHAR, row_count BIGINT,
            ingested_at TIMESTAMPTZ, PRIMARY KEY (source, source_file))"""
    )
    for source in SOURCES.values():
        cols = ", ".join(f'"{c}" VARCHAR' for c in source.columns)
        con.execute(
            f"""CREATE TABLE IF NOT EXISTS {source.table} ({cols}, extra VARCHAR,
                parse_error VARCHAR, source_file VARCHAR, source_line BIGINT,
                file_sha256 VARCHAR, ingested_at TIMESTAMPTZ)"""
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


def ingest_source(con: duckdb.DuckDBPyConnection, data_dir: Path, name: str) -> IngestReport:
    source = SOURCES[name]
    ensure_raw_schema(con)
    report = IngestReport(source=name)
    landed = dict(
        con.execute(f"SELECT source_file, sha256 FROM {LEDGER} WHERE source = ?", [name]).fetchall()
    )
    now = datetime.now(UTC)
    for version in source_versions(data_dir, source):
        report.files_seen += 1
        rel = version.rel
        sha = fingerprint_files(data_dir, version.paths)
        if landed.get(rel) == sha:
            continue
        try:
            df = version.read()
        except UnreadableFileError as exc:
            # name the file that could not be read: a companion or mapping.yaml, maybe
            where = (
                exc.path.relative_to(data_dir).as_posix()
                if exc.path.is_relative_to(data_dir)
                else rel
            )
            report.unreadable.append(f"{where}: {exc.reason}")
            continue
        shaped = _shape(df, source, rel, sha, now)
        con.execute("BEGIN TRANSACTION")
        try:
            if rel in landed:
                con.execute(f"DELETE FROM {source.table} WHERE source_file = ?", [rel])
                con.execute(
                    f"DELETE FROM {LEDGER} WHERE source = ? AND source_file = ?", [name, rel]
                )
                report.files_replaced += 1
            else:
                report.files_new += 1
            arrow = shaped.to_arrow()  # noqa: F841 - read by DuckDB's replacement scan
            con.execute(f"INSERT INTO {source.table} SELECT * FROM arrow")
            con.execute(
                f"INSERT INTO {LEDGER} VALUES (?, ?, ?, ?, ?)",
                [name, rel, sha, shaped.height, now],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        report.rows_added += shaped.height
    if source.file is not None:
        # A reference file that disappeared no longer describes anything: drop its rows.
        present = {p.relative_to(data_dir).as_posix() for p in source_files(data_dir, source)}
        for rel in set(landed) - present:
            con.execute(f"DELETE FROM {source.table} WHERE source_file = ?", [rel])
            con.execute(f"DELETE FROM {LEDGER} WHERE source = ? AND source_file = ?", [name, rel])
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
