"""The dbt project, its manifest built once per code change rather than once per run."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.lib.config import DBT_PROJECT_DIR, apply_offline_env, get_settings
from orchestration.lib.dbt_server import real_dbt

from .parse_state import PARSE_FILE, connection_details, keep_parse

apply_offline_env()

# dbt_project.yml `profile:`
PROFILE_NAME = "sla_ledger"
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(root: Path) -> float:
    newest = 0.0
    for folder in ("models", "macros", "seeds", "tests"):
        for path in (root / folder).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return max(newest, (root / "dbt_project.yml").stat().st_mtime)


def keep_first_parse(env: dict[str, str]) -> None:
    """Keep the parse just made in target/ for runs with the same details (see parse_state)."""
    try:
        details = connection_details(DBT_PROJECT_DIR, PROFILE_NAME, env)
    except Exception:  # only a speed-up: the first run then parses in full
        details = None
    target = DBT_PROJECT_DIR / "target"
    keep_parse(target / PARSE_FILE, target, details)


def ensure_manifest() -> Path:
    """Parse the project when the manifest is missing or older than any model or macro.

    Several processes may load the code location at once (test workers, two CLI runs): the
    first parses under a lock, the others wait and then find a fresh manifest.
    """
    manifest = dbt_project.manifest_path

    def stale() -> bool:
        return not manifest.exists() or (
            manifest.stat().st_mtime < _newest_source_mtime(DBT_PROJECT_DIR)
        )

    if stale():
        manifest.parent.mkdir(parents=True, exist_ok=True)
        with open(manifest.parent / ".parse.lock", "a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                if stale():
                    env = os.environ | {"SLA_DUCKDB_PATH": str(get_settings().duckdb_path)}
                    subprocess.run(
                        [
                            real_dbt(),
                            "parse",
                            "--quiet",
                            "--project-dir",
                            str(DBT_PROJECT_DIR),
                            "--profiles-dir",
                            str(DBT_PROJECT_DIR),
                        ],
                        check=True,
                        # the profile as runs will render it, so their first build can keep
                        # this parse instead of starting over
                        env=env,
                    )
                    keep_first_parse(env)
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return manifest


ensure_manifest()
