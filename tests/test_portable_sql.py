"""The models stay portable: engine-only SQL lives in dbt_project/macros/engine/ and nowhere else.

Jinja is stripped first, so a call like `{{ dbt.generate_series(4096) }}` (dbt's own
cross-database macro) or `{{ parse_timestamp_us('x') }}` (a dispatch macro) is fine; what must
not appear is an engine's function written straight into a model's SQL.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DBT = Path(__file__).resolve().parents[1] / "dbt_project"

# Functions or syntax that DuckDB has and Spark SQL does not (or spells differently).
DUCKDB_ONLY = {
    "epoch_us(": r"\bepoch_(us|ms|ns)\s*\(",
    "epoch(": r"\bepoch\s*\(",
    "timezone(": r"\btimezone\s*\(",
    "strftime / strptime": r"\bstr[fp]time\s*\(",
    "regexp_matches": r"\bregexp_(matches|full_match)\s*\(",
    "try_cast": r"\btry_cast\s*\(",
    "string_agg": r"\bstring_agg\s*\(",
    "list_* functions": r"\blist_[a-z_]+\s*\(",
    "make_timestamp": r"\bmake_timestamp[a-z]*\s*\(",
    "date_diff / date_sub": r"\bdate_(diff|sub)\s*\(",
    ":: casts": r"::",
    "generate_series / range": r"\b(generate_series|range)\s*\(",
    "unnest": r"\bunnest\s*\(",
    "struct_pack": r"\bstruct_pack\s*\(",
    "qualify": r"\bqualify\b",
    "to_minutes / to_seconds": r"\bto_(minutes|seconds|hours|days)\s*\(",
    "arg_max / arg_min": r"\barg_(max|min)\s*\(",
    "count_if": r"\bcount_if\s*\(",
    "integer division //": r"//",
    "timestamptz": r"\btimestamptz\b",
    "varchar": r"\bvarchar\b",
    "hugeint": r"\bhugeint\b",
}


def _strip(sql: str) -> str:
    sql = re.sub(r"\{#.*?#\}", " ", sql, flags=re.S)
    sql = re.sub(r"\{\{.*?\}\}", " ", sql, flags=re.S)
    sql = re.sub(r"\{%.*?%\}", " ", sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", " ", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def _sql_files() -> list[Path]:
    files = sorted((DBT / "models").rglob("*.sql"))
    files += sorted(p for p in (DBT / "macros").rglob("*.sql") if "engine" not in p.parts)
    return files


@pytest.mark.parametrize("path", _sql_files(), ids=lambda p: str(p.relative_to(DBT)))
def test_no_duckdb_only_sql_outside_the_engine_macros(path: Path) -> None:
    text = path.read_text()
    if path.parts[-2] == "macros" or "macros" in path.parts:
        # A macro's body is SQL too, but its Jinja control flow is not: keep the SQL parts.
        text = re.sub(r"\{%-?\s*(macro|endmacro|if|endif|else|for|endfor|set)[^%]*%\}", " ", text)
    body = _strip(text)
    found = [name for name, pattern in DUCKDB_ONLY.items() if re.search(pattern, body, re.I)]
    assert not found, f"{path.relative_to(DBT)} uses {found}: move it behind macros/engine/"


def test_the_grep_catches_what_it_should() -> None:
    sample = "select epoch_us(x), a::int, string_agg(y, ',') from t qualify 1"
    found = [n for n, p in DUCKDB_ONLY.items() if re.search(p, _strip(sample), re.I)]
    assert {"epoch_us(", ":: casts", "string_agg", "qualify"} <= set(found)
    assert not [n for n, p in DUCKDB_ONLY.items() if re.search(p, _strip("{{ x('::') }}"))]


def test_every_engine_macro_has_a_spark_implementation() -> None:
    engine = DBT / "macros" / "engine"
    text = "\n".join(p.read_text() for p in sorted(engine.glob("*.sql")))
    dispatched = set(re.findall(r'adapter\.dispatch\("([a-z_]+)"\)', text))
    assert dispatched, "no dispatch macros found"
    missing = sorted(m for m in dispatched if f"spark__{m}(" not in text)
    assert not missing, f"engine macros without a Spark version: {missing}"
