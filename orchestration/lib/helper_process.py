"""How a run ends its helper processes (the GX worker, the dbt server).

Both read their stdin until the run closes it, and take that as the end of the run.
"""

from __future__ import annotations

import contextlib
import subprocess


def end(process: subprocess.Popen, timeout: float) -> None:
    """Close the helper's stdin and wait for it to exit; kill it if it has not by `timeout` s."""
    with contextlib.suppress(OSError, ValueError):
        if process.stdin is not None:
            process.stdin.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)
    if process.poll() is None:
        process.kill()
