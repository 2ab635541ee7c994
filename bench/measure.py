"""Wall time and peak RSS of a whole process tree, sampled from /proc.

psutil is not a dependency of the project, and /proc is all that is needed: every ~50 ms the
tree under the child is found from each process's parent id and its resident pages summed.
RSS of several processes double-counts pages they share (libraries), so the sum is an upper
bound of what the tree needs; for a DuckDB- or pandas-heavy process the heap dominates anyway.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
GIB = 1 << 30


@dataclass
class Measured:
    wall_s: float
    peak_rss_bytes: int
    returncode: int
    stdout: str
    stderr: str
    killed_for_memory: bool = False
    samples: int = 0
    timeline: list[tuple[float, int]] = field(default_factory=list)

    @property
    def peak_rss_gib(self) -> float:
        return self.peak_rss_bytes / GIB


def _parents() -> dict[int, int]:
    out: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        rest = stat[stat.rfind(b")") + 2 :].split()
        out[int(entry.name)] = int(rest[1])
    return out


def tree_pids(root: int, also_under: int | None = None) -> list[int]:
    """root and its descendants, and the descendants (not itself) of `also_under`: the
    children `sla serve` forks to run the measured command belong to the measurement."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root, *children.get(also_under, [])] if also_under else [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_of(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def tree_rss(root: int) -> int:
    return rss_of(tree_pids(root))


def run(
    cmd: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    interval_s: float = 0.05,
    rss_limit_bytes: int | None = None,
    timeout_s: float | None = None,
    also_under: int | None = None,
) -> Measured:
    """Run cmd, sampling its tree's RSS; kill the tree if it passes rss_limit_bytes.

    The limit protects a shared machine: a run that would need more memory than is there is
    recorded as killed rather than taking other people's work down with it.
    """
    began = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    peak = 0
    samples = 0
    killed = False
    timeline: list[tuple[float, int]] = []
    done = threading.Event()
    out: dict[str, str] = {}

    def drain() -> None:
        out["stdout"], out["stderr"] = proc.communicate()
        done.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    next_mark = 0.0
    pids: list[int] = [proc.pid]
    next_scan = 0.0
    while not done.wait(interval_s):
        # Walking all of /proc costs about 10 % of a core at 20 Hz; the tree's members are
        # rediscovered every 0.25 s (a dbt subprocess lives for seconds) and only read between.
        if time.perf_counter() >= next_scan:
            pids = tree_pids(proc.pid, also_under)
            next_scan = time.perf_counter() + 0.25
        rss = rss_of(pids)
        samples += 1
        peak = max(peak, rss)
        elapsed = time.perf_counter() - began
        if elapsed >= next_mark:
            timeline.append((round(elapsed, 2), rss))
            next_mark = elapsed + 1.0
        over_memory = rss_limit_bytes is not None and rss > rss_limit_bytes
        over_time = timeout_s is not None and elapsed > timeout_s
        if (over_memory or over_time) and not killed:
            killed = over_memory
            os.killpg(proc.pid, signal.SIGKILL)
    reader.join()
    wall = time.perf_counter() - began
    return Measured(
        wall_s=wall,
        peak_rss_bytes=peak,
        returncode=proc.returncode,
        stdout=out.get("stdout", ""),
        stderr=out.get("stderr", ""),
        killed_for_memory=killed,
        samples=samples,
        timeline=timeline,
    )
