"""The one place configuration is read: environment variables with defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

# dbt and Dagster must never phone home: the platform runs on machines without a network.
OFFLINE_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DBT_VERSION_CHECK": "False",
    "DO_NOT_TRACK": "1",
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "GX_ANALYTICS_ENABLED": "false",
}


def apply_offline_env() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    duckdb_path: Path
    engine: str

    spark_warehouse: Path

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"


def get_settings() -> Settings:
    """Read settings now (not at import), so tests and the CLI can point at other folders."""
    data_dir = Path(os.environ.get("SLA_DATA_DIR", str(REPO_ROOT / "data"))).resolve()
    default_db = data_dir / "warehouse.duckdb"
    duckdb_path = Path(os.environ.get("SLA_DUCKDB_PATH", str(default_db))).resolve()
    engine = os.environ.get("SLA_ENGINE", "duckdb").strip().lower() or "duckdb"
    if engine not in ("duckdb", "spark"):
        raise ValueError(f"SLA_ENGINE must be duckdb or spark, not {engine!r}")
    # Spark's tables and metastore, when SLA_ENGINE=spark; a cluster user points this elsewhere.
    spark_warehouse = Path(
        os.environ.get("SLA_SPARK_WAREHOUSE", str(data_dir / "spark-warehouse"))
    ).resolve()
    return Settings(
        data_dir=data_dir, duckdb_path=duckdb_path, engine=engine, spark_warehouse=spark_warehouse
    )
