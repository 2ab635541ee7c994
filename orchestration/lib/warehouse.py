"""Connections to the embedded DuckDB warehouse, one writer at a time.

DuckDB allows a single writing process per file. Dagster may run steps in several processes
(`dagster dev`) and two CLI invocations may overlap, so every writer first takes an advisory
file lock beside the database and waits for it instead of dying on DuckDB's own lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb


@contextlib.contextmanager
def writer_lock(db_path: Path, timeout_s: float = 3600.0) -> Iterator[None]:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as busy:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"waited {timeout_s}s for the warehouse lock {lock_path}"
                    ) from busy
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def connect(db_path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path), read_only=read_only)
    # Everything internal is UTC; months are evaluated in the policy zone explicitly.
    con.execute("SET TimeZone = 'UTC'")
    return con
