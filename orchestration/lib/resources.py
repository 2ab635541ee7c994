"""The warehouse as a Dagster resource: settings from the environment, one writer at a time."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from .config import get_settings
from .warehouse import connect, writer_lock


class WarehouseResource(dg.ConfigurableResource):
    """Where raw files are read from and the DuckDB file everything lands in.

    Empty fields fall back to SLA_DATA_DIR / SLA_DUCKDB_PATH, read when the run starts.
    """

    data_dir: str = ""
    duckdb_path: str = ""

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir) if self.data_dir else get_settings().data_dir

    @property
    def db_path(self) -> Path:
        return Path(self.duckdb_path) if self.duckdb_path else get_settings().duckdb_path

    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        """Hold the warehouse's writer lock (wait for it rather than fail on DuckDB's lock)."""
        with writer_lock(self.db_path):
            yield

    @contextlib.contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.writer():
            con = connect(self.db_path)
            try:
                yield con
            finally:
                con.close()
