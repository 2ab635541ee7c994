"""The Dagster code location: everything under orchestration/defs/, loaded by folder."""

import dagster as dg

from orchestration import defs as defs_root
from orchestration.lib.config import apply_offline_env

apply_offline_env()

defs = dg.load_defs(defs_root=defs_root)
