"""Great Expectations suites from expectations/*.json, run on a warehouse table as a Dagster check.

A suite file is Great Expectations' own suite JSON, without the ids GX adds when it saves one:

    {
      "name": "marts.service_credits",          # = the file's name and the table it validates
      "notes": "what the table is",              # optional
      "expectations": [
        {"type": "expect_column_values_to_be_in_set",       # any expectation in gx.expectations,
         "kwargs": {"column": "claim_status", "value_set": ["no_credit", "..."]},  # snake_case
         "description": "claim_status is one of ..."}        # shown when it fails
      ]
    }

`validate_table` reads the table (a mart: the service months asked for; raw: all of it) into
pandas, validates it with a throwaway in-memory GX context and returns an `AssetCheckResult`.
A table above SLA_GX_FULL_SCAN_ROWS rows (a provider's month of probes is 10⁸) whose suite has
only row-by-row expectations GX states exactly in SQL (not null, between, in set, without
`mostly`) is not copied into pandas: DuckDB selects the rows that break any of them and GX
validates those, so the verdict and the offending rows are the same at a fraction of the cost.
Great Expectations takes seconds to import, so only gx_suites imports it, inside the functions
that use it: loading the Dagster definitions never pays for it, and under `sla materialize` a
worker process has imported it before the first check asks (gx_suites.start_worker).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import duckdb

from .config import EXPECTATIONS_DIR
from .gx_suites import evaluate
from .partitions import MONTH_RE

if TYPE_CHECKING:
    import pandas as pd

# Point the checks at another folder of suites (a stricter copy, a test's) without a code change.
EXPECTATIONS_DIR_ENV = "SLA_EXPECTATIONS_DIR"

_TABLE_RE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
_SUITE_KEYS = {"name", "notes", "meta", "expectations"}
_EXPECTATION_KEYS = {"type", "kwargs", "description", "meta", "notes"}
# How many offending values a failure quotes; the check's metadata stays readable.
_SAMPLE = 5
FULL_SCAN_ROWS_ENV = "SLA_GX_FULL_SCAN_ROWS"
_FULL_SCAN_ROWS = 2_000_000


def expectations_dir() -> Path:
    """$SLA_EXPECTATIONS_DIR if set (read now, not at import), else <repo>/expectations."""
    configured = os.environ.get(EXPECTATIONS_DIR_ENV)
    return Path(configured) if configured else EXPECTATIONS_DIR


def suite_path(suite_name: str) -> Path:
    return expectations_dir() / f"{suite_name}.json"


def load_suite_document(suite_name: str) -> dict[str, Any]:
    """The suite's JSON, checked for shape; a missing or malformed file fails loudly, by name."""
    path = suite_path(suite_name)
    if not path.exists():
        raise FileNotFoundError(f"no expectation suite {suite_name!r}: {path} does not exist")
    try:
        document = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
    problems = []
    if not isinstance(document, dict):
        raise ValueError(f"{path}: a suite is a JSON object")
    if unknown := set(document) - _SUITE_KEYS:
        problems.append(f"unknown keys {sorted(unknown)}")
    if document.get("name") != suite_name:
        problems.append(f"name is {document.get('name')!r}, the file says {suite_name!r}")
    expectations = document.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        problems.append("expectations must be a non-empty list")
        expectations = []
    for index, item in enumerate(expectations):
        where = f"expectations[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where} is not an object")
            continue
        if unknown := set(item) - _EXPECTATION_KEYS:
            problems.append(f"{where} has unknown keys {sorted(unknown)}")
        if not isinstance(item.get("type"), str) or not item["type"].startswith("expect_"):
            problems.append(f"{where}.type must name an expectation (expect_...)")
        if not isinstance(item.get("kwargs"), dict):
            problems.append(f"{where}.kwargs must be an object")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return document


def columns_read_by(document: dict[str, Any]) -> set[str]:
    """The columns whose values a suite's expectations look at (not just their names)."""
    needed: set[str] = set()
    for expectation in document.get("expectations", []):
        kwargs = expectation.get("kwargs", {})
        for key in ("column", "column_A", "column_B"):
            if isinstance(kwargs.get(key), str):
                needed.add(kwargs[key])
        needed.update(c for c in kwargs.get("column_list", []) if isinstance(c, str))
    return needed


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def breaking_rows_predicate(expectations: list[dict[str, Any]]) -> str | None:
    """SQL true for a row that breaks any of these expectations, or None if one has no exact
    SQL form (then the whole table goes to GX). GX leaves nulls to not_be_null, and so does this.
    """
    predicates = []
    for expectation in expectations:
        kwargs = expectation.get("kwargs", {})
        column = kwargs.get("column")
        if not isinstance(column, str) or kwargs.get("mostly") not in (None, 1, 1.0):
            return None
        quoted = '"' + column.replace('"', '""') + '"'
        kind = expectation["type"]
        if kind == "expect_column_values_to_not_be_null":
            predicates.append(f"{quoted} is null")
        elif kind == "expect_column_values_to_be_between":
            bounds = []
            low, high = kwargs.get("min_value"), kwargs.get("max_value")
            if low is not None:
                op = "<=" if kwargs.get("strict_min") else "<"
                bounds.append(f"{quoted} {op} {_literal(low)}")
            if high is not None:
                op = ">=" if kwargs.get("strict_max") else ">"
                bounds.append(f"{quoted} {op} {_literal(high)}")
            if not bounds:
                return None
            predicates.append(f"({quoted} is not null and ({' or '.join(bounds)}))")
        elif kind == "expect_column_values_to_be_in_set":
            values = kwargs.get("value_set")
            if not isinstance(values, list) or not values:
                return None
            listed = ", ".join(_literal(v) for v in values)
            predicates.append(f"({quoted} is not null and {quoted} not in ({listed}))")
        else:
            return None
    return " or ".join(predicates) if predicates else None


def full_scan_rows() -> int:
    configured = os.environ.get(FULL_SCAN_ROWS_ENV)
    return int(configured) if configured else _FULL_SCAN_ROWS


def read_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    months: Sequence[str] | None,
    needed: set[str] | None = None,
    limit: int | None = None,
    where: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The rows to validate, and which DECIMAL columns were read as DOUBLE.

    DuckDB hands DECIMAL to pandas as Python Decimal objects, which GX's range and pair
    expectations do not compare reliably; the money stays DECIMAL in the warehouse and in Parquet,
    and is a float here only for validation. `needed` limits the columns read (a 130 M-row probe
    table is not copied into pandas as text to check two line-number columns).
    """
    schema, name = table.split(".")
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    if needed is not None:
        columns = [(c, t) for c, t in columns if c in needed]
    decimals = [column for column, data_type in columns if data_type.upper().startswith("DECIMAL")]
    select = ", ".join(
        f'cast("{column}" as double) as "{column}"' if column in decimals else f'"{column}"'
        for column, _ in columns
    )
    query = f"select {select or '1 as no_columns'} from {table}"
    params: list[str] = []
    conditions = []
    if months is not None:
        conditions.append(f"service_month in ({', '.join('?' for _ in months)})")
        params = list(months)
    if where is not None:
        conditions.append(f"({where})")
    if conditions:
        query += " where " + " and ".join(conditions)
    if limit is not None:
        query += f" limit {int(limit)}"
    frame = con.sql(query, params=params or None).to_arrow_table().to_pandas()
    if needed is not None and "no_columns" in frame.columns:
        frame = frame.drop(columns="no_columns")
    return frame, decimals


def validate_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    month: str | Sequence[str] | None = None,
    *,
    suite_name: str | None = None,
) -> dg.AssetCheckResult:
    """Run the table's suite (expectations/<table>.json unless named) and report as a check.

    `month` (one or several) limits a mart to those service months (`service_month` = month);
    None or an empty list validates the whole table, as for raw tables. The result fails with
    ERROR severity when any expectation fails or cannot be evaluated (a missing column, say).
    """
    if not _TABLE_RE.match(table):
        raise ValueError(f"expected a table as schema.name, got {table!r}")
    months = [month] if isinstance(month, str) else (list(month) if month else None)
    for value in months or []:
        if not MONTH_RE.match(value):
            raise ValueError(f"a service month looks like YYYY-MM, not {value!r}")
    suite_name = suite_name or table
    document = load_suite_document(suite_name)
    scope = ", ".join(months) if months else "all rows"
    base_metadata: dict[str, Any] = {
        "suite": suite_name,
        "suite_file": str(suite_path(suite_name)),
        "table": table,
        "service_months": scope,
    }

    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        table.split("."),
    ).fetchone()
    if not exists or not exists[0]:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{table} does not exist in the warehouse",
            metadata=base_metadata
            | {"expectations_evaluated": 0, "expectations_failed": len(document["expectations"])},
        )

    # Table-level expectations need every column's name, not its values: they see no rows.
    table_level = [e for e in document["expectations"] if e["type"].startswith("expect_table_")]
    column_level = [e for e in document["expectations"] if e not in table_level]
    rows = _count_rows(con, table, months)
    breaking = breaking_rows_predicate(column_level) if rows > full_scan_rows() else None
    frame, decimals = read_table(con, table, months, columns_read_by(document), where=breaking)
    quoted_rows = None if breaking is None else rows
    results: list[tuple[bool, str]] = []
    if table_level:
        shape, _ = read_table(con, table, months, limit=0)
        results += evaluate(document | {"expectations": table_level}, shape, quoted_rows)
    if column_level:
        results += evaluate(document | {"expectations": column_level}, frame, quoted_rows)
    failures = [text for success, text in results if not success]
    evaluated = len(results)
    if failures:
        description = (
            f"{len(failures)} of {evaluated} expectations failed on {table} ({scope}): "
            + "; ".join(failures)
        )
    else:
        description = f"all {evaluated} expectations passed on {table} ({scope})"
    return dg.AssetCheckResult(
        passed=not failures,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata=base_metadata
        | {
            "rows": rows,
            "rows_given_to_gx": len(frame),
            "expectations_evaluated": evaluated,
            "expectations_passed": evaluated - len(failures),
            "expectations_failed": len(failures),
            "failed_expectations": dg.MetadataValue.md(
                "\n".join(f"- {text}" for text in failures) if failures else "none"
            ),
            "decimal_columns_as_float": ", ".join(decimals) or "none",
        },
    )


def _count_rows(con: duckdb.DuckDBPyConnection, table: str, months: Sequence[str] | None) -> int:
    query = f"select count(*) from {table}"
    if months is not None:
        query += f" where service_month in ({', '.join('?' for _ in months)})"
    row = con.execute(query, list(months) if months is not None else None).fetchone()
    return int(row[0]) if row else 0
