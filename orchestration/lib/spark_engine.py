"""Running the dbt project on Spark while DuckDB stays the platform's ledger and serving store.

Landing (readers, file ledger, quarantine line numbers) is the same for both engines and writes
DuckDB's `raw.*`. With `SLA_ENGINE=spark` those landed tables are handed to Spark as one Parquet
folder per table, dbt builds every model on Spark, and Spark's tables are then read back into
DuckDB as views over their Parquet files. The quality gate, publication, the invoice ledger and
statements therefore run unchanged, whichever engine computed the numbers.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from .config import Settings

ENGINES = ("duckdb", "spark")
# Schemas dbt writes (generate_schema_name keeps the contract's names on both engines).
MODEL_SCHEMAS = ("reference", "staging", "intermediate", "quarantine", "marts")


def raw_dir(settings: Settings) -> Path:
    return settings.spark_warehouse / "_raw"


def dbt_env(settings: Settings) -> dict[str, str]:
    """What the dbt subprocess needs to target Spark: the profile reads these."""
    return {
        "SLA_DBT_TARGET": "spark",
        "SLA_SPARK_WAREHOUSE": str(settings.spark_warehouse),
        "SLA_SPARK_RAW_DIR": str(raw_dir(settings)),
        # A local session must never try to reach another host.
        "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", "python3"),
    }


def land_raw_for_spark(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """Write every landed raw table as a Parquet folder that the Spark profile registers."""
    target = raw_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "order by table_name"
        ).fetchall()
    ]
    counts: dict[str, int] = {}
    for table in tables:
        folder = target / table
        tmp = target / f".{table}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        con.execute(
            f"copy raw.\"{table}\" to '{tmp / 'part-0.parquet'}' (format parquet, compression zstd)"
        )
        # Swap whole so Spark never sees half a table.
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        row = con.execute(f'select count(*) from raw."{table}"').fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def _contract_columns(manifest: dict) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(schema, name) → [(column, DuckDB type)] for models whose contract names their types."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        cols = [
            (c["name"], c["data_type"])
            for c in node.get("columns", {}).values()
            if c.get("data_type")
        ]
        if cols and len(cols) == len(node.get("columns", {})):
            out[(node["schema"], node.get("alias") or node["name"])] = cols
    return out


def mirror_spark_tables(
    con: duckdb.DuckDBPyConnection, settings: Settings, manifest_path: Path
) -> list[str]:
    """Expose each table Spark wrote as a DuckDB view of the same schema and name."""
    manifest = json.loads(manifest_path.read_text())
    contracts = _contract_columns(manifest)
    mirrored: list[str] = []
    for schema in MODEL_SCHEMAS:
        folder = settings.spark_warehouse / f"{schema}.db"
        if not folder.exists():
            continue
        con.execute(f"create schema if not exists {schema}")
        for table_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            name = table_dir.name
            relation = f"{schema}.{name}"
            _drop_relation(con, schema, name)
            files = any(table_dir.rglob("*.parquet"))
            columns = contracts.get((schema, name))
            if files:
                partitioned = any(p.is_dir() and "=" in p.name for p in table_dir.iterdir())
                source = (
                    f"read_parquet('{table_dir}/**/*.parquet', hive_partitioning = "
                    f"{'true' if partitioned else 'false'}, union_by_name = true"
                    + (", hive_types = {'service_month': VARCHAR}" if partitioned else "")
                    + ")"
                )
                select = (
                    ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in columns)
                    if columns
                    else "*"
                )
                con.execute(f"create view {relation} as select {select} from {source}")
            elif columns:
                # A partitioned table with no month yet has no files, only its contract.
                ddl = ", ".join(f'"{c}" {t}' for c, t in columns)
                con.execute(f"create table {relation} ({ddl})")
            else:
                continue
            mirrored.append(relation)
    return mirrored


def _drop_relation(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> None:
    row = con.execute(
        "select table_type from information_schema.tables where table_schema = ? and "
        "table_name = ?",
        [schema, name],
    ).fetchone()
    if row is None:
        return
    kind = "view" if row[0] == "VIEW" else "table"
    con.execute(f"drop {kind} {schema}.{name}")
