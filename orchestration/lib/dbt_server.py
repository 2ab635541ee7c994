"""dbt started from a process that has imported it already.

Every `dbt build` dagster-dbt launches is a new Python process, and about 3 s of each is
spent importing dbt, its adapter and DuckDB before dbt does anything: for a month at N=1000
and for a restatement alike, that is time on the critical path. `sla materialize` calls
`start_server()` first thing. It starts one process (`python -m orchestration.lib.dbt_server`)
that binds a Unix socket and, once the run has loaded its definitions (`warm_server()`), imports
dbt on the other core while the run lands files and checks them.

The run's dbt executable is then `sla-dbt` (`client_main`): it sends the server its argv,
environment, working folder and its stdin, stdout and stderr themselves (SCM_RIGHTS), and the
server forks a child that becomes that dbt invocation: same arguments, same environment, same
pipes, so dagster-dbt reads the same event stream it reads from dbt itself. The client forwards
SIGINT and SIGTERM to the child and exits with its exit code. Each child is forked from the
server as it was after the imports, never from one that has run dbt before. The server also
builds the JSON schemas dbt validates its project and profile against at every start, and
freezes what it holds for the garbage collector, and it and its children collect less often
(gc_tuning): a dbt build at N=1000 collected about 1,000 times, 1.6–2 s with every thread
stopped, and now about 70 times in 0.6 s. Together about 4 s of each invocation, on the
run's critical path.

Without a server (the Dagster UI's runs, `SLA_DBT_SERVER=off`, a platform without fork or
fd passing, or a server that has died) `sla-dbt` replaces itself with the real dbt (exec), so a
run is never worse off than with plain dbt. Under `sla serve` a run starts no server of its
own: `borrow_server()` points its `sla-dbt` at `sla serve`, whose children are forked from the
same imported state (orchestration/lib/sla_server.py). This module imports only the standard
library: the client is on the critical path of every invocation.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import json
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orchestration.lib import helper_process
from orchestration.lib.gc_tuning import collect_less

# `off`: dbt is a new process per invocation, as dagster-dbt starts it.
SERVER_ENV = "SLA_DBT_SERVER"
# Set by start_server() for the clients the run launches; not a setting.
SOCKET_ENV = "SLA_DBT_SOCKET"
# What a `dbt build` imports; a child finds them loaded.
WARM_MODULES = (
    "dbt.cli.main",
    "dbt.task.build",
    "dbt.compilation",
    "dbt.adapters.duckdb",
    "dbt_common.clients.agate_helper",
    "multiprocessing.dummy",
)
# Classes dbt validates against their JSON schema at every start (built once per process).
WARM_SCHEMAS = (
    ("dbt.contracts.project", "Project"),
    ("dbt.contracts.project", "ProjectFlags"),
    ("dbt.contracts.project", "ProfileConfig"),
    ("dbt.contracts.selection", "SelectorFile"),
    ("dbt.artifacts.resources.v1.config", "Hook"),
    ("dbt.adapters.duckdb.credentials", "DuckDBCredentials"),
)
_INT = struct.Struct("!i")


def real_dbt() -> str:
    """The dbt installed beside this Python, whether or not the venv is activated."""
    return str(Path(sys.executable).with_name("dbt"))


def launcher() -> str:
    """What dagster-dbt should run as dbt: `sla-dbt` (the real dbt when no server answers),
    or the real dbt itself where the client is not installed."""
    client = Path(sys.executable).with_name("sla-dbt")
    return str(client) if client.exists() else real_dbt()


def supported() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


class _Server:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sla-dbt-"))
        self.path = self.folder / "dbt.sock"
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            # dagster-dbt runs dbt unbuffered; the children inherit the server's stdio setup
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
            # Out of the terminal's process group: Ctrl-C reaches a dbt child once, through
            # the client that dagster-dbt started, as it reaches a dbt started directly.
            start_new_session=True,
        )

    def stop(self) -> None:
        """The server stops accepting and exits once its children have."""
        helper_process.end(self.process, timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)
        if os.environ.get(SOCKET_ENV) == str(self.path):
            del os.environ[SOCKET_ENV]


_server: _Server | None = None
# The socket of a server this process did not start: `sla serve` is one (see sla_server).
_borrowed: str | None = None


def borrow_server(path: str) -> None:
    """Send this process's dbt invocations to an existing server instead of starting one."""
    global _borrowed
    _borrowed = path


def warm_server() -> None:
    """Have the server import dbt now (else it does at its first client).

    Called once the run's own imports are done: three processes importing at once on two
    cores slowed the run's start by 1–2 s, while the second core is mostly idle between the
    start and dbt (landing files, the raw checks).
    """
    if _server is not None and _server.process.stdin is not None:
        with contextlib.suppress(OSError, ValueError):
            _server.process.stdin.write(b"w")
            _server.process.stdin.flush()


def stop_server() -> None:
    """Stop this process's server and wait for it (a caller ending with os._exit skips atexit)."""
    global _server
    if _server is not None:
        _server.stop()
        _server = None


def start_server() -> None:
    """Start the dbt server, once per process; its socket is in SLA_DBT_SOCKET from now on."""
    global _server
    if _borrowed is not None and os.environ.get(SERVER_ENV, "on").strip().lower() != "off":
        os.environ[SOCKET_ENV] = _borrowed
        return
    if _server is not None and _server.process.poll() is None:
        os.environ[SOCKET_ENV] = str(_server.path)
        return
    if os.environ.get(SERVER_ENV, "on").strip().lower() == "off" or not supported():
        return
    _server = _Server()
    os.environ[SOCKET_ENV] = str(_server.path)
    atexit.register(_server.stop)


# ---------------------------------------------------------------------------------------------
# the client: `sla-dbt`, what dagster-dbt runs as dbt


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the dbt server closed the connection")
        data += chunk
    return data


def send_request(sock: socket.socket, argv: list[str]) -> int:
    """Hand a server argv, this process's environment, working folder and stdin, stdout and
    stderr; returns the pid of the child that runs it."""
    request = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    socket.send_fds(sock, [_INT.pack(len(request))], [0, 1, 2])
    sock.sendall(request)
    (pid,) = _INT.unpack(_read_exactly(sock, _INT.size))
    return pid


def receive_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """What send_request sent: the request and the client's three file descriptors."""
    header, fds, _flags, _addr = socket.recv_fds(conn, _INT.size, 3)
    header += _read_exactly(conn, _INT.size - len(header))
    (size,) = _INT.unpack(header)
    request = json.loads(_read_exactly(conn, size))
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ConnectionError("a client must send its stdin, stdout and stderr")
    return request, fds


def exit_as(code: int) -> None:
    """End this client as its command ended: with its exit code, or by the same signal."""
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


def _forward(pid: int) -> None:
    def handler(signum: int, _frame) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)


def client_main() -> None:
    args = sys.argv[1:]
    path = os.environ.get(SOCKET_ENV)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) if path and supported() else None
    try:
        if sock is None:
            raise ConnectionError("no dbt server")
        sock.connect(path)
        pid = send_request(sock, ["dbt", *args])
    except OSError:
        # No server, or one that has gone: dbt as dagster-dbt would have run it.
        if sock is not None:
            sock.close()
        dbt = real_dbt()
        os.execv(dbt, [dbt, *args])
    _forward(pid)
    try:
        (code,) = _INT.unpack(_read_exactly(sock, _INT.size))
    except OSError as error:
        print(f"sla-dbt: lost the dbt server while dbt ran ({error})", file=sys.stderr)
        sys.exit(1)
    # killed by a signal, dbt ends the same way, as a directly started dbt would
    exit_as(code)


# ---------------------------------------------------------------------------------------------
# the server


def _run_dbt(request: dict) -> int:
    """In the forked child: become the client's dbt invocation and run it."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    sys.argv = request["argv"]
    from dbt.adapters.factory import reset_adapters
    from dbt.cli.main import cli

    try:
        cli.main(args=request["argv"][1:], prog_name="dbt")
    except SystemExit as done:
        code = done.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    finally:
        # The child ends with os._exit, so multiprocessing's exit handler never unlinks the lock
        # dbt's adapter makes from its spawn context: the resource tracker did, warning "leaked
        # semaphore objects" under every run. Dropped and collected here (the adapter is in a
        # reference cycle; about 0.1 s), the lock is unlinked by its own finaliser, as at the
        # exit of a dbt started directly. Housekeeping only: it never changes dbt's exit code.
        with contextlib.suppress(Exception):
            reset_adapters()
            gc.collect()
    return 0


def _fork_child(conn: socket.socket, listener: socket.socket, sel, others) -> int:
    request, fds = receive_request(conn)
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            sel.close()
            listener.close()
            conn.close()
            # the other clients' connections: their clients must see the server's end only
            for other in others:
                other.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            code = _run_dbt(request)
        except BaseException:  # noqa: BLE001 - the child must end here, whatever happened
            import traceback

            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)
    for fd in fds:
        os.close(fd)
    return pid


def _format_only_kept_lines() -> None:
    """dbt turns every event into a line for each of its loggers (JSON, then scrubbed of every
    environment variable's value) and only then lets the logger drop it for its level. In a
    build of 154 nodes about 4,000 events are debug (each SQL statement is two), the stdout and
    file logs keep about 330: making the other lines cost a small month's build about a quarter
    of its CPU. A logger now refuses an event below its level before making its line, as its
    handler would after; print events, which dbt always writes, pass as before."""
    try:
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.event_manager import EventManager
    except ImportError:  # another dbt: its loggers format every line, as before
        return
    rank = {
        EventLevel.DEBUG: 10,
        EventLevel.TEST: 10,
        EventLevel.INFO: 20,
        EventLevel.WARN: 30,
        EventLevel.ERROR: 40,
    }
    always = ("PrintEvent", "ShowNode", "CompiledNode")
    add_logger = EventManager.add_logger
    if getattr(add_logger, "refuses_below_level", False):
        return

    def add_filtered_logger(self, config):
        floor = rank.get(config.level)
        if floor is not None and config.logger is None:
            keep = config.filter

            def at_level(msg, keep=keep, floor=floor) -> bool:
                if msg.info.name not in always and rank.get(msg.info.level, 40) < floor:
                    return False
                return keep(msg)

            config.filter = at_level
        add_logger(self, config)

    add_filtered_logger.refuses_below_level = True
    EventManager.add_logger = add_filtered_logger


@functools.cache
def _warm() -> None:
    """Import what a dbt build imports and build what it builds first, once for every child."""
    import importlib

    for module in WARM_MODULES:
        importlib.import_module(module)
    _format_only_kept_lines()
    for module, name in WARM_SCHEMAS:
        # only a speed-up: a class another dbt version lacks is built by the child as before
        with contextlib.suppress(Exception):
            getattr(importlib.import_module(module), name).json_schema()
    # What is alive now lives as long as every child: a collection need not look at it again.
    gc.freeze()


def serve(path: str) -> None:
    collect_less()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "parent")
    children: dict[int, socket.socket] = {}
    parent_alive = True
    while parent_alive or children:
        for key, _ in sel.select(timeout=0.02 if children else None):
            if key.data == "accept":
                conn, _ = listener.accept()
                _warm()
                try:
                    pid = _fork_child(conn, listener, sel, children.values())
                    conn.sendall(_INT.pack(pid))
                except (OSError, ValueError) as error:
                    print(f"dbt server: request refused ({error})", file=sys.stderr)
                    conn.close()
                else:
                    children[pid] = conn
            elif os.read(sys.stdin.fileno(), 4096):
                # warm_server(): the run's own imports are done, a core is free for these
                _warm()
            else:
                # The run has ended: no new invocations; one still running is stopped as dbt
                # stops on Ctrl-C, since nobody is left to read what it writes.
                parent_alive = False
                sel.unregister(listener)
                sel.unregister(sys.stdin.fileno())
                listener.close()
                for pid in children:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGINT)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(_INT.pack(os.waitstatus_to_exitcode(status)))
                conn.close()


if __name__ == "__main__":
    try:
        serve(sys.argv[1])
    finally:
        # the socket's folder goes with the server, even when its run was killed
        shutil.rmtree(Path(sys.argv[1]).parent, ignore_errors=True)
    sys.stdout.flush()
    # the interpreter's teardown of dbt's modules would cost the run about a second
    os._exit(0)
