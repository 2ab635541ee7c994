"""`sla-dbt`, what dagster-dbt runs as dbt, is dbt: through the dbt server and without one.

The whole suite's runs go through the server (every `materialize` starts one), so what is
checked here is the client itself: that each invocation gets its own arguments, environment,
working folder and exit code, and that without a live server it is plain dbt.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from orchestration.lib import dbt_server
from orchestration.lib.dbt_server import SOCKET_ENV, launcher, real_dbt


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def _config_dir(output: str) -> str:
    # `dbt debug --config-dir` ends with `xdg-open <the folder it reads profiles.yml from>`
    return output.strip().splitlines()[-1].split(" ", 1)[-1]


@pytest.fixture
def project_folders(tmp_path: Path) -> tuple[Path, Path]:
    here, there = tmp_path / "here", tmp_path / "there"
    for folder in (here, there):
        folder.mkdir()
        (folder / "profiles.yml").write_text("{}\n")
    return here, there


def test_sla_dbt_is_dbt_with_a_server_and_without(project_folders: tuple[Path, Path]) -> None:
    here, there = project_folders
    client = launcher()
    assert Path(client).name == "sla-dbt", "the project is not installed (pip install -e .)"
    plain = {k: v for k, v in os.environ.items() if k != SOCKET_ENV}
    expected_version = _run([real_dbt(), "--version"], here, plain)

    # No server: the client becomes the real dbt (a dead one is below).
    assert _run([client, "--version"], here, plain) == expected_version

    dbt_server.start_server()
    try:
        served = dict(os.environ)
        assert served.get(SOCKET_ENV), "no server started"
        code, out, _ = _run([client, "--version"], here, served)
        assert (code, out) == expected_version[:2]
        # Each invocation's own folder and environment, one after the other from one server.
        code, out, _ = _run([client, "debug", "--config-dir"], here, served)
        assert code == 0 and _config_dir(out) == str(here)
        code, out, _ = _run(
            [client, "debug", "--config-dir"], here, served | {"DBT_PROFILES_DIR": str(there)}
        )
        assert code == 0 and _config_dir(out) == str(there)
        # dbt's own failure reaches the caller as dbt's exit code and message.
        code, _, err = _run([client, "no-such-command"], here, served)
        assert code == 2 and "No such command 'no-such-command'" in err

        # A server that has died (its socket left behind, nobody listening): the next
        # invocation is plain dbt, the run goes on.
        assert dbt_server._server is not None
        dbt_server._server.process.kill()
        dbt_server._server.process.wait()
        assert _run([client, "--version"], here, served)[:2] == expected_version[:2]
    finally:
        dbt_server.stop_server()
    assert SOCKET_ENV not in os.environ


def test_a_logger_formats_only_the_events_it_keeps() -> None:
    """In the server's children a logger refuses an event below its level before making a line
    of it (dbt made every line, then dropped it): the same lines, far fewer made."""
    import io

    from dbt.adapters.events.types import SQLQuery
    from dbt.events.types import StatsLine
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.logger import LineFormat, LoggerConfig
    from dbt_common.events.types import PrintEvent

    def log(level: EventLevel) -> tuple[str, int]:
        made = 0

        def scrub(line: str) -> str:
            nonlocal made
            made += 1
            return line

        stream = io.StringIO()
        manager = EventManager()
        manager.add_logger(
            LoggerConfig(
                name=f"test-{level}",
                level=level,
                line_format=LineFormat.Json,
                scrubber=scrub,
                output_stream=stream,
            )
        )
        for _ in range(50):
            manager.fire_event(SQLQuery(conn_name="c", sql="select 1", node_info={}))
        stats = {"pass": 1, "warn": 0, "error": 0, "skip": 0, "noop": 0, "total": 1}
        manager.fire_event(StatsLine(stats=stats))
        manager.fire_event(PrintEvent(msg="printed"))
        return stream.getvalue(), made

    if getattr(EventManager.add_logger, "refuses_below_level", False):
        pytest.skip("this process already runs with the filter: nothing to compare against")
    before = {level: log(level) for level in (EventLevel.INFO, EventLevel.DEBUG)}
    dbt_server._format_only_kept_lines()
    dbt_server._format_only_kept_lines()  # once is enough: a second call changes nothing
    after = {level: log(level) for level in (EventLevel.INFO, EventLevel.DEBUG)}

    def names(output: str) -> list[str]:
        return [line.split('"name": "')[1].split('"')[0] for line in output.splitlines()]

    for level in before:
        assert names(after[level][0]) == names(before[level][0])
    assert names(after[EventLevel.INFO][0]) == ["StatsLine", "PrintEvent"]
    assert names(after[EventLevel.DEBUG][0]).count("SQLQuery") == 50
    assert before[EventLevel.INFO][1] == 52 and after[EventLevel.INFO][1] == 2
