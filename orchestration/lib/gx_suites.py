"""Great Expectations itself: a suite document run on a pandas frame, here or in a worker.

Importing GX takes 4–5 s of one core, and a run's first check used to wait for it. `sla
materialize` calls `start_worker()` first thing: one process, spawned (it shares nothing with
DuckDB's threads), imports GX while the run imports Dagster and lands files on the other core,
and the checks hand it their frames. Where no worker was started (the Dagster UI's runs, a
test calling `validate_table`) or it has died, GX runs in this process as before. This module
imports neither Dagster nor GX at import time, so the worker loads only what it needs.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import pickle
import subprocess
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

from orchestration.lib import helper_process
from orchestration.lib.gc_tuning import collect_less

if TYPE_CHECKING:
    import pandas as pd

# How many offending values a failure quotes; the check's metadata stays readable.
_SAMPLE = 5
# `off` runs GX in the run's own process (the behaviour before the worker existed).
WORKER_ENV = "SLA_GX_WORKER"


class _Worker:
    """`python -m orchestration.lib.gx_suites`: pickled requests on its stdin, replies on its
    stdout. A plain child process rather than multiprocessing's spawn, which re-runs the
    parent's main script in the child and cannot when there is none (python -c, a REPL)."""

    def __init__(self) -> None:
        env = os.environ | {"PYTHONWARNINGS": "ignore", "GX_ANALYTICS_ENABLED": "false"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.lock = threading.Lock()

    def ask(self, request: tuple) -> tuple[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        with self.lock:
            pickle.dump(request, stdin, protocol=pickle.HIGHEST_PROTOCOL)
            stdin.flush()
            return pickle.load(stdout)

    def stop(self) -> None:
        """No more requests: it exits at once on that (or has died already)."""
        helper_process.end(self.process, timeout=5)


_worker: _Worker | None = None


def start_worker() -> None:
    """Start the GX worker, once per process, unless GX is already imported here."""
    global _worker
    if _worker is not None or "great_expectations" in sys.modules:
        return
    if os.environ.get(WORKER_ENV, "on").strip().lower() == "off":
        return
    _worker = _Worker()
    atexit.register(_worker.stop)


def warm() -> None:
    """Import GX and build the context: a worker's first act, so the first check finds it done."""
    _context()


def evaluate(
    document: dict[str, Any], frame: pd.DataFrame, rows: int | None = None
) -> list[tuple[bool, str]]:
    """(success, failure text) per expectation of the suite on the frame.

    `rows`: the table's row count when the frame holds only the rows DuckDB found breaking.
    """
    global _worker
    if _worker is not None:
        try:
            kind, value = _worker.ask((document, frame, rows))
        except Exception:  # noqa: BLE001 - a dead worker, or a frame that cannot be sent
            # the pipe may hold half a request now: this worker is done
            _worker.stop()
            _worker = None
        else:
            if kind == "ok":
                return value
            # An error in the worker is raised here again, as itself, with its traceback.
    return evaluate_here(document, frame, rows)


def _serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    warm()
    while True:
        reply: tuple[str, Any]
        try:
            document, frame, rows = pickle.load(requests)
        except EOFError:
            return
        except Exception as error:  # noqa: BLE001 - a frame this side cannot rebuild
            reply = ("error", repr(error))
        else:
            try:
                reply = ("ok", evaluate_here(document, frame, rows))
            except Exception as error:  # noqa: BLE001 - the parent runs it again and raises it
                reply = ("error", repr(error))
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


def evaluate_here(
    document: dict[str, Any], frame: pd.DataFrame, rows: int | None = None
) -> list[tuple[bool, str]]:
    return [
        (bool(result.success), "" if result.success else _failure_text(result, rows))
        for result in _run_suite(document, frame)
    ]


def build_suite(document: dict[str, Any]):
    """A GX ExpectationSuite from a suite document (GX validates each expectation's kwargs)."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(
        name=document["name"],
        expectations=[dict(item) for item in document["expectations"]],
        notes=document.get("notes"),
        meta=document.get("meta"),
    )
    if len(suite.expectations) < len(document["expectations"]):
        # GX logs an expectation it cannot build and leaves it out: the suite would then pass
        # without it. Name what was left out instead.
        unbuilt = [
            f"{item['type']} {item.get('kwargs', {})}"
            for item in document["expectations"]
            if not gx.ExpectationSuite(name="one", expectations=[dict(item)]).expectations
        ]
        raise ValueError(
            f"suite {document['name']}: Great Expectations cannot build "
            + "; ".join(unbuilt or ["some of its expectations"])
        )
    return suite


@functools.cache
def _context():
    """One ephemeral GX context per process: building one costs about a second per check."""
    # GX >= 1.x may collect usage analytics unless told not to; this platform runs offline.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # tqdm bars would otherwise be printed into the run's logs for every suite
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context, context.data_sources.add_pandas("warehouse")


@functools.cache
def _batch_definition(name: str):
    """One dataframe asset per suite: adding an asset rewrites the context's whole config
    (about 40 ms), and each validation hands the asset its own frame anyway."""
    _, source = _context()
    return source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("rows")


def _run_suite(document: dict[str, Any], frame: pd.DataFrame) -> list:
    batch = _batch_definition(document["name"]).get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(build_suite(document))
    return list(outcome.results)


def _failure_text(result, rows: int | None = None) -> str:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}  # GX adds batch_id
    what = config.description or f"{config.type} {kwargs}"
    detail = _observed(result, rows)
    return f"{what} (got: {detail})" if detail else what


def _observed(result, rows: int | None = None) -> str:
    errors = _exception_messages(result.exception_info or {})
    if errors:
        return "could not be evaluated: " + "; ".join(errors)
    found = result.result or {}
    missing = (found.get("details") or {}).get("mismatched", {}).get("missing")
    if missing:
        return "missing columns " + ", ".join(map(str, missing))
    if "unexpected_count" in found:
        values = (found.get("partial_unexpected_list") or [])[:_SAMPLE]
        sample = ", ".join(_plain(v) for v in values)
        # GX saw only the breaking rows when DuckDB picked them: the table's count is the total
        total = rows if rows is not None else found.get("element_count")
        return f"{found['unexpected_count']} of {total} rows, e.g. {sample}"
    if "observed_value" in found:
        return f"observed {_plain(found['observed_value'])}"
    return ""


def _exception_messages(info: dict[str, Any]) -> list[str]:
    # GX reports an expectation that raised either directly or keyed by the failed metric.
    entries = [info] if "raised_exception" in info else list(info.values())
    messages = []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            message = str(entry.get("exception_message") or "error").strip()
            if message not in messages:
                messages.append(message)
    return messages


def _plain(value: Any) -> str:
    """numpy scalars and tuples of them as people write them (101.0, not np.float64(101.0))."""
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_plain(v) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "item") and callable(value.item):
        with contextlib.suppress(ValueError, TypeError):
            value = value.item()
    return str(value)


if __name__ == "__main__":
    collect_less()
    # The replies own stdout: anything GX prints goes to stderr instead.
    _replies = sys.stdout.buffer
    sys.stdout = sys.stderr
    _serve(sys.stdin.buffer, _replies)
    # The run that asked is over: skip the interpreter's teardown (about a second with GX),
    # which would otherwise be counted to the run that waits for its children.
    sys.stderr.flush()
    os._exit(0)
