"""`sla serve`: a process that has imported the platform's libraries, forking a child per command.

Every `sla` command is a new Python process. Before a run does any work it imports Dagster,
dagster-dbt (which imports dbt-core), DuckDB, Polars and pandas, its Great Expectations worker
imports GX, and its dbt server imports dbt again: 5.7–8.5 s from the command to the run's first
step at N=1000, whatever the data. `sla serve` imports all of it once and waits on a Unix
socket. While it runs, `sla <command>` (`client_main`, the `sla` entry point, standard library
only) sends it the command's argv, environment and working folder, and its stdin, stdout and
stderr themselves (SCM_RIGHTS). The server forks a child that runs the command as `sla` would
have, on the caller's terminal or pipes, and the child sends back its pid (for Ctrl-C) and,
at the end, its exit code. The first step now starts 1.2–1.6 s after the command.

- Each child is forked from the server as it was after the imports, never from one that has
  run a command. The platform's own code (`orchestration`, the dbt project) is imported by
  the child, so an edited model, asset or reader takes effect at the next command; only an
  upgraded library needs the server restarted.
- The server is also its runs' dbt server (see dbt_server): a run's `sla-dbt` asks it, and
  each dbt invocation is a child forked from the same imported state.
- GX is imported here, so a child checks in its own process and starts no GX worker.
- `sla` forwards SIGINT and SIGTERM to the child, so Ctrl-C stops the command as it would
  stop a plain `sla`.
- Without a server (none started, `SLA_SERVER=off`, a server that has died, a platform without
  fork or fd passing), `sla` runs the command in its own process, as before.

The socket is `SLA_SERVER_SOCKET`, by default `sla-<uid>/server.sock` in the temporary folder,
in a folder only its owner can enter.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from orchestration.lib import dbt_server
from orchestration.lib.dbt_server import (
    _INT,
    _forward,
    _read_exactly,
    exit_as,
    receive_request,
    send_request,
    supported,
)

SERVER_ENV = "SLA_SERVER"
SOCKET_ENV = "SLA_SERVER_SOCKET"
# Third-party libraries only: the platform's own modules are imported fresh by each child.
WARM_MODULES = (
    "dagster",
    "dagster_dbt",
    "dagster_duckdb",
    "duckdb",
    "polars",
    "pyarrow.parquet",
    "pandas",
    "great_expectations",
    "jinja2",
    "yaml",
    "rich.console",
    "holidays",
    "icalendar",
    "requests",
)


def socket_path() -> Path:
    configured = os.environ.get(SOCKET_ENV)
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"sla-{os.getuid()}" / "server.sock"


# ---------------------------------------------------------------------------------------------
# the client: `sla`


def _ask_server(argv: list[str]) -> int | None:
    """The command's exit code from the server, or None when no server took it."""
    if os.environ.get(SERVER_ENV, "on").strip().lower() == "off" or not supported():
        return None
    path = socket_path()
    if not path.exists():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
        pid = send_request(sock, ["sla", *argv])
    except OSError:
        # a socket left by a server that has gone: run here
        sock.close()
        return None
    _forward(pid)
    try:
        (code,) = _INT.unpack(_read_exactly(sock, _INT.size))
    except OSError as error:
        print(f"sla: the server's child ended without an exit code ({error})", file=sys.stderr)
        return 1
    return code


def client_main() -> None:
    """The `sla` command: through `sla serve` when one answers, else in this process."""
    argv = sys.argv[1:]
    if argv == ["serve"]:
        # Not through orchestration.cli: what the server imports of the platform's own code,
        # every child would inherit as it was when the server started.
        from orchestration.lib.config import apply_offline_env
        from orchestration.lib.gc_tuning import collect_less

        apply_offline_env()
        collect_less()
        serve(socket_path())
        sys.exit(0)
    if argv[:1] != ["serve"]:
        code = _ask_server(argv)
        if code is not None:
            exit_as(code)
    from orchestration.cli import run

    run()


# ---------------------------------------------------------------------------------------------
# the server


def _warm() -> None:
    import importlib

    for module in WARM_MODULES:
        # only a speed-up: a library that is missing is imported (or not) by the child
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    # dbt's own imports and schemas: this server is also the dbt server of its children's runs
    dbt_server._warm()
    # What is alive now lives as long as every child: a collection need not look at it again.
    gc.freeze()


def _child(
    conn: socket.socket, listener: socket.socket, path: Path, fds: list[int], request: dict
) -> None:
    """In the forked child: become the client's `sla` command, run it, send its exit code."""
    code = 70
    try:
        listener.close()
        # The child, not the server, answers: its pid first (for signals), its exit code last.
        conn.sendall(_INT.pack(os.getpid()))
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        if request["argv"][0] == "dbt":
            # a dbt invocation of one of this server's runs (sla-dbt): see dbt_server
            code = dbt_server._run_dbt(request)
            return
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        time.tzset()
        sys.argv = request["argv"]
        # The run's dbt builds are forked from this server too, not from a dbt server of its own.
        dbt_server.borrow_server(str(path))
        from orchestration import cli

        try:
            code = cli.main(request["argv"][1:])
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except KeyboardInterrupt:
            code = 130
    except BaseException:  # noqa: BLE001 - the child must end here, whatever happened
        import traceback

        traceback.print_exc()
        code = 1  # as Python exits on an uncaught exception
    finally:
        import logging

        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        with contextlib.suppress(OSError):
            conn.sendall(_INT.pack(code))
        # the interpreter's teardown of what the command imported would cost about 2 s
        os._exit(code)


def serve(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()  # left by a server that has gone
        else:
            probe.close()
            raise SystemExit(f"sla serve: a server already answers on {path}")
    started = time.perf_counter()
    _warm()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(16)
    # Children are reaped by the kernel; each child restores SIGCHLD for its own subprocesses.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(
        f"sla serve: ready in {time.perf_counter() - started:.1f} s on {path} "
        f"(pid {os.getpid()}); `sla` commands run through it until this stops (Ctrl-C)",
        flush=True,
    )
    try:
        while True:
            conn, _ = listener.accept()
            fds: list[int] = []
            try:
                request, fds = receive_request(conn)
                pid = os.fork()
                if pid == 0:
                    _child(conn, listener, path, fds, request)
            except (OSError, ValueError) as error:
                print(f"sla serve: request refused ({error})", file=sys.stderr, flush=True)
            finally:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)
                conn.close()
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
