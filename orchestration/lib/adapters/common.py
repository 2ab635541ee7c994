"""What every source adapter shares: its folder, its mapping.yaml, and the shape of its rows.

An adapter reads a tool's own export and returns the contract's columns as text (timestamps
ISO 8601 with offset, booleans 'true'/'false'), plus `source_line` and `_parse_error`: the
reason a row could not be mapped, which staging turns into the quarantine reason. Columns an
adapter adds beyond the contract's (prefixed with the tool's name) land in `raw.<source>.extra`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from ..readers import PARSE_ERROR as PARSE_ERROR  # the column adapters fill, re-exported
from ..readers import UnreadableFileError

SOURCES_DIR = "sources"
MAPPING_FILE = "mapping.yaml"


@dataclass(frozen=True)
class AdapterFile:
    """One ledger entry: the file its rows name, and every file their values depend on.

    `depends_on` (companion files, mapping.yaml) is fingerprinted with `path`, so a change to
    any of them replaces the entry's rows whole, like a replaced reference file.
    """

    path: Path
    depends_on: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Adapter:
    tool: str  # the folder under SLA_DATA_DIR/sources/
    source: str  # the raw source (raw.<source>) its rows land in
    reads: str  # which files, in words, for the docs and the asset description
    defaults: Mapping[str, Any]
    list_files: Callable[[Path], list[AdapterFile]]  # given the tool's folder
    read: Callable[[AdapterFile, Path, dict[str, Any]], pl.DataFrame]  # file, folder, mapping
    required: tuple[str, ...] = field(default=())  # mapping keys without a usable default

    def folder(self, data_dir: Path) -> Path:
        return data_dir / SOURCES_DIR / self.tool

    def files(self, data_dir: Path) -> list[AdapterFile]:
        folder = self.folder(data_dir)
        if not folder.is_dir():
            return []
        mapping = folder / MAPPING_FILE
        extra = (mapping,) if mapping.is_file() else ()
        return [
            AdapterFile(f.path, (*f.depends_on, *extra))
            for f in sorted(self.list_files(folder), key=lambda f: f.path)
        ]

    def load(self, data_dir: Path, entry: AdapterFile) -> pl.DataFrame:
        folder = self.folder(data_dir)
        return self.read(entry, folder, load_mapping(folder, self.defaults, self.required))


def load_mapping(
    folder: Path, defaults: Mapping[str, Any], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """mapping.yaml over the adapter's defaults; a key given replaces its default whole.

    An unknown key is an error, not ignored: a misspelt key would otherwise silently leave
    every row on the default mapping.
    """
    path = folder / MAPPING_FILE
    given: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise UnreadableFileError(path, f"not valid YAML ({exc})") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise UnreadableFileError(path, "must be a mapping of keys to values")
        given = loaded or {}
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise UnreadableFileError(
            path, f"unknown key(s) {', '.join(map(str, unknown))}; known: {', '.join(defaults)}"
        )
    merged = {**defaults, **given}
    missing = [key for key in required if merged.get(key) in (None, "", {}, [])]
    if missing:
        raise UnreadableFileError(path, f"needs {', '.join(missing)} (see docs/ADAPTERS.md)")
    return merged


def text_keys(mapping: Mapping[Any, Any] | None) -> dict[str, Any]:
    """YAML reads `12345: acme` with an integer key; ids from exports are compared as text."""
    return {str(k).strip(): v for k, v in (mapping or {}).items()}


def read_json(path: Path, numbers_as_text: bool = False) -> Any:
    """A whole JSON document, gzip allowed; numbers kept exact: Decimal, or their text."""
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except OSError as exc:
            raise UnreadableFileError(path, f"not valid gzip ({exc})") from exc
    try:
        if numbers_as_text:
            return json.loads(raw, parse_float=str, parse_int=str)
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(path, f"not valid JSON ({exc})") from exc


def glob_files(folder: Path, *suffixes: str) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name.lower().endswith(suffixes) and not p.name.startswith(".")
    )


def rows_frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pl.DataFrame:
    """Rows as an all-text frame with the contract's columns first, `source_line` as Int64."""
    if not rows:
        return pl.DataFrame({"source_line": pl.Series([], dtype=pl.Int64)})
    names = list(dict.fromkeys([*columns, *(k for r in rows for k in r)]))
    data = {
        name: [None if r.get(name) is None else str(r[name]) for r in rows]
        for name in names
        if name != "source_line"
    }
    frame = pl.DataFrame(data, schema={n: pl.String for n in data})
    lines = pl.Series("source_line", [r["source_line"] for r in rows], dtype=pl.Int64)
    return frame.with_columns(lines)
