"""The dbt project, its manifest built once per code change rather than once per run."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.lib.config import DBT_PROJECT_DIR, apply_offline_env

apply_offline_env()

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(root: Path) -> float:
    newest = 0.0
    for folder in ("models", "macros", "seeds", "tests"):
        for path in (root / folder).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return max(newest, (root / "dbt_project.yml").stat().st_mtime)


def ensure_manifest() -> Path:
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(DBT_PROJECT_DIR):
        dbt_project.preparer.prepare(dbt_project)
    return manifest


ensure_manifest()
