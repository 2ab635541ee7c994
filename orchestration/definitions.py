"""The Dagster code location: everything under orchestration/defs/, loaded by folder."""

from pathlib import Path

import dagster as dg

from orchestration.lib.config import apply_offline_env

apply_offline_env()

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
