"""`sla serve`: later `sla` commands run in a child of a process that has imported everything.

One month through the server, checked against its hand-worked credit; the command's output,
exit code and errors reach the caller as from a plain `sla`; the caller itself does next to
no work; and without a server (stopped, or a socket nobody answers) `sla` runs the command
itself.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.scenario import Tenant, World, utc

SLA = str(Path(sys.executable).with_name("sla"))
AS_OF = "2026-11-25T00:00:00Z"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    w = World(root)
    start = utc(2026, 10, 12, 8)
    # 45 of October's 44,700 Cairo minutes down: 99.8993 % → the 10 % tier of 1,000.00
    w.tenants.append(
        Tenant(
            "p1",
            spans=[(utc(2026, 10, 11), utc(2026, 10, 13))],
            failures=[("core", None, start, start + timedelta(minutes=45))],
        )
    )
    w.fee("p1", "2026-10", "1000.00", "EGP")
    w.write()
    return root


def _env(root: Path, sock: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SLA_DBT_SOCKET"}
    return env | {
        "SLA_DATA_DIR": str(root),
        "SLA_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "SLA_SERVER_SOCKET": str(sock),
        "SLA_STATEMENT_PDF": "off",
        **extra,
    }


def _sla(args: list[str], env: dict[str, str]) -> tuple[int, str, str, float]:
    """Run `sla`; also the CPU seconds the `sla` process itself used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([SLA, *args], env=env, capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.returncode, done.stdout, done.stderr, cpu


@pytest.fixture(scope="module")
def server(world: Path, tmp_path_factory: pytest.TempPathFactory):
    # a short folder: a Unix socket's path is limited to about 100 bytes
    sock = Path(tmp_path_factory.mktemp("s")) / "server.sock"
    env = _env(world, sock)
    process = subprocess.Popen(
        [SLA, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "ready" in line:
            break
    else:
        pytest.fail(f"sla serve did not start (exit {process.wait()})")
    assert sock.exists()
    yield sock, env, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def served_month(server) -> tuple[int, str, str, float]:
    """October materialised through the server (both tests read its warehouse)."""
    _, env, _ = server
    return _sla(
        ["materialize", "--month", "2026-10", "--as-of", AS_OF, "--log-level", "WARNING"], env
    )


def test_a_month_through_the_server(world: Path, server, served_month) -> None:
    sock, env, _ = server
    code, out, err, cpu = served_month
    assert code == 0, out[-3000:] + err[-3000:]
    assert "Materialising 2026-10" in out
    # The caller only passed the command on: a plain `sla summary` alone uses about 1.4 s of CPU.
    assert cpu < 0.5, f"`sla` used {cpu:.1f} s of CPU itself"
    con = duckdb.connect(str(world / "warehouse.duckdb"), read_only=True)
    try:
        row = con.execute(
            "select credit_pct, credit_amount from marts.service_credits "
            "where tenant_id = 'p1' and service_month = '2026-10'"
        ).fetchone()
    finally:
        con.close()
    assert row is not None and (int(row[0]), row[1]) == (10, Decimal("100.0000"))

    # Output on the caller's own pipes, and errors with their exit code, as from a plain `sla`.
    code, out, _, _ = _sla(["summary", "--month", "2026-10"], env)
    assert code == 0 and "p1" in out and "100.00" in out
    code, out, err, _ = _sla(["materialize", "--month", "2026-13"], env)
    assert code == 2 and "expected YYYY-MM" in err and out == ""
    # An uncaught error: its traceback on the caller's stderr and exit code 1, as from Python.
    # (A file that is no DuckDB database: opening it raises, and nothing in `sla` catches that.)
    garbage = sock.parent / "garbage.duckdb"
    garbage.write_text("not a database\n" * 1000)
    code, _, err, _ = _sla(
        ["summary", "--month", "2026-10"], env | {"SLA_DUCKDB_PATH": str(garbage)}
    )
    assert code == 1 and "Traceback" in err and "garbage.duckdb" in err


def test_without_a_server_sla_runs_the_command_itself(
    world: Path, server, served_month, tmp_path
) -> None:
    sock, env, process = server
    assert served_month[0] == 0
    # a socket file nobody answers on, as a killed server leaves it
    stale = tmp_path / "stale.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(stale))
    dead.close()
    code, out, err, cpu = _sla(
        ["summary", "--month", "2026-10"], env | {"SLA_SERVER_SOCKET": str(stale)}
    )
    assert code == 0 and "p1" in out, err
    assert cpu > 0.5, "the command ran somewhere else"
    code, out, _, _ = _sla(["summary", "--month", "2026-10"], env | {"SLA_SERVER": "off"})
    assert code == 0 and "p1" in out

    # Stopped, the server removes its socket; `sla` then works alone.
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while sock.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not sock.exists()
    code, out, _, _ = _sla(["summary", "--month", "2026-10"], env)
    assert code == 0 and "p1" in out
