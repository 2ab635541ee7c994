"""What the warehouse's dbt tables were last built from, so a rerun rebuilds only what changed.

A month's `dbt build` runs about 160 nodes, and most of a restatement's dbt time is dbt's own
cost per node, not SQL. After a late probe file only the probe models and what reads them can
change; the tickets, contracts, claims and reference models would be rebuilt from the same
rows into the same tables. So every complete DuckDB build leaves a record in the warehouse:

- the month and `as_of` it was built for;
- a hash of the dbt project's files and of the dbt, adapter and DuckDB versions (any edit: full
  build);
- a content fingerprint (row count and sum of row hashes) of every dbt source but the probes,
  taken before the build read them;
- the graph dbt built: each node's fqn, parents and whether it reads `as_of`.

The next build of the *same month* with the *same project* reuses every node that descends
neither from the probes (always rebuilt: those models are tenant-incremental and cheap when
nothing changed), nor from a source whose fingerprint moved, nor, when `as_of` moved, from a
node that reads it. Anything else (another month built since, a subset of the assets, the Spark
engine, `--full-refresh`, a failed build) deletes the record first and builds everything.
The record is deleted before every build and written only after a build that succeeded, so a
build that stops half way is never mistaken for a complete one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

RECORD_TABLE = "raw._dbt_last_build"
# The probe models keep their rows per tenant and recompute only changed tenants themselves
# (macros/probe_scope.sql); fingerprinting 10⁸ rows would cost what the reuse saves.
ALWAYS_REBUILT_SOURCES = frozenset({"probes"})
# What `dbt build` runs that a selection can leave out (operations always run; unit tests
# are excluded from every month's build anyway).
BUILT_TYPES = frozenset({"model", "test", "seed", "snapshot"})
AS_OF_MACROS = frozenset({"macro.sla_ledger.run_as_of", "macro.sla_ledger.as_of_us"})
_PROJECT_PARTS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "selectors.yml")


def project_hash(project_dir: Path) -> str:
    """Every file dbt reads to build the graph and its SQL, and the dbt, adapter and DuckDB
    versions (another engine version may compute a kept table differently)."""
    digest = hashlib.sha256()
    for package in ("dbt-core", "dbt-duckdb", "duckdb"):
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{package}={version}\n".encode())
    paths = [project_dir / name for name in _PROJECT_FILES]
    for part in _PROJECT_PARTS:
        folder = project_dir / part
        if folder.is_dir():
            paths.extend(p for p in folder.rglob("*") if p.is_file())
    for path in sorted(paths):
        if path.is_file():
            digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def source_fingerprints(
    con: duckdb.DuckDBPyConnection, sources: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """`unique_id -> fingerprint` of every source in the manifest but the probes."""
    out: dict[str, str] = {}
    for unique_id, source in sorted(sources.items()):
        if source.get("name") in ALWAYS_REBUILT_SOURCES:
            continue
        table = f'"{source["schema"]}"."{source.get("identifier") or source["name"]}"'
        try:
            count, total = con.execute(
                f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {table} AS t"
            ).fetchone()  # type: ignore[misc]
        except duckdb.CatalogException:
            out[unique_id] = "absent"
            continue
        out[unique_id] = f"{count}:{total}"
    return out


@dataclass(frozen=True)
class BuildRecord:
    month: str
    as_of: str
    project: str
    sources: dict[str, str]
    graph: dict[str, dict[str, Any]]
    # how many of the graph's nodes this build kept from the one before (0: built them all)
    kept: int = 0


def graph_of(
    manifest: Mapping[str, Any],
    run_results: Mapping[str, Any],
    previous: BuildRecord | None = None,
    kept: Iterable[str] = (),
) -> dict[str, dict[str, Any]]:
    """The built nodes of a manifest: fqn, parents, whether each reads `as_of`, whether this
    build kept it, and for tests how they ended (in this build, or in the one whose tables
    this build kept)."""
    macros = manifest.get("macros", {})

    def reads_as_of(macro_ids: Iterable[str]) -> bool:
        seen: set[str] = set()
        todo = list(macro_ids)
        while todo:
            macro = todo.pop()
            if macro in AS_OF_MACROS:
                return True
            if macro in seen:
                continue
            seen.add(macro)
            todo.extend(macros.get(macro, {}).get("depends_on", {}).get("macros", []))
        return False

    graph = {}
    for unique_id, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") not in BUILT_TYPES:
            continue
        depends = node.get("depends_on", {})
        graph[unique_id] = {
            "fqn": node["fqn"],
            "parents": sorted(depends.get("nodes", [])),
            "as_of": reads_as_of(depends.get("macros", [])),
        }
    for unique_id in kept:
        if unique_id in graph:
            graph[unique_id]["kept"] = True
    ended = {r["unique_id"]: r["status"] for r in run_results.get("results", [])}
    kept = previous.graph if previous is not None else {}
    for unique_id, node in graph.items():
        if unique_id.startswith("test."):
            status = ended.get(unique_id) or kept.get(unique_id, {}).get("status")
            if status is not None:
                node["status"] = status
    return graph


@dataclass(frozen=True)
class BuildPlan:
    """What one month's build keeps; `reused` empty means build everything."""

    why: str
    reused: tuple[str, ...] = ()
    nodes: int = 0
    # a node's whole fqn selects it alone: fqn selection matches from the project name down
    exclude: tuple[str, ...] = field(default=(), repr=False)

    def exclude_args(self) -> list[str]:
        # one value: dagster-dbt lifts --exclude out of the args and hands it on as one string
        return ["--exclude", " ".join(self.exclude)] if self.exclude else []


def ensure_record_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {RECORD_TABLE} (
            month VARCHAR, as_of VARCHAR, project VARCHAR, sources VARCHAR, graph VARCHAR,
            kept INTEGER, built_at TIMESTAMPTZ)"""
    )


def forget_record(con: duckdb.DuckDBPyConnection) -> None:
    ensure_record_table(con)
    con.execute(f"DELETE FROM {RECORD_TABLE}")


def read_record(con: duckdb.DuckDBPyConnection) -> BuildRecord | None:
    ensure_record_table(con)
    rows = con.execute(
        f"SELECT month, as_of, project, sources, graph, kept FROM {RECORD_TABLE}"
    ).fetchall()
    if len(rows) != 1:
        return None
    month, as_of, project, sources, graph, kept = rows[0]
    return BuildRecord(month, as_of, project, json.loads(sources), json.loads(graph), kept)


def write_record(con: duckdb.DuckDBPyConnection, record: BuildRecord) -> None:
    forget_record(con)
    con.execute(
        f"INSERT INTO {RECORD_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            record.month,
            record.as_of,
            record.project,
            json.dumps(record.sources, sort_keys=True),
            json.dumps(record.graph, sort_keys=True),
            record.kept,
            datetime.now(UTC),
        ],
    )


def _flat(fqn: list[str]) -> tuple[str, ...]:
    return tuple(part for segment in fqn for part in segment.split("."))


def _selectable_one_by_one(graph: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether `fqn:<a node's whole fqn>` selects that node alone: dbt's fqn method also takes
    every node whose fqn the selector begins (a folder selects what is in it)."""
    flats = sorted(_flat(node["fqn"]) for node in graph.values())
    return all(b[: len(a)] != a for a, b in zip(flats, flats[1:], strict=False))


def _parents_first(graph: Mapping[str, Mapping[str, Any]], nodes: set[str]) -> tuple[str, ...]:
    """`nodes` with every node after its parents (Dagster takes a multi-asset's outputs so)."""
    depth: dict[str, int] = {}

    def depth_of(node: str) -> int:
        if node not in depth:
            parents = [p for p in graph[node]["parents"] if p in graph]
            depth[node] = 1 + max((depth_of(p) for p in parents), default=0)
        return depth[node]

    return tuple(sorted(nodes, key=lambda node: (depth_of(node), node)))


def plan_build(
    record: BuildRecord | None,
    month: str,
    as_of: str,
    project: str,
    sources: Mapping[str, str],
) -> BuildPlan:
    """The nodes this build can keep from the recorded one, and why."""
    if record is None:
        return BuildPlan("no complete build on record")
    if record.month != month:
        return BuildPlan(f"the last build was for {record.month}")
    if record.project != project:
        return BuildPlan("the dbt project changed since the last build")
    changed = {
        unique_id
        for unique_id in set(sources) | set(record.sources)
        if sources.get(unique_id) != record.sources.get(unique_id)
    }
    graph = record.graph
    # every source a node reads that is not fingerprinted is rebuilt from (the probes)
    roots = {
        parent
        for node in graph.values()
        for parent in node["parents"]
        if parent.startswith("source.") and (parent in changed or parent not in sources)
    }
    if record.as_of != as_of:
        roots |= {unique_id for unique_id, node in graph.items() if node["as_of"]}
    children: dict[str, list[str]] = {}
    for unique_id, node in graph.items():
        for parent in node["parents"]:
            children.setdefault(parent, []).append(unique_id)
    rebuilt: set[str] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node in graph:
            if node in rebuilt:
                continue
            rebuilt.add(node)
        todo.extend(children.get(node, []))
    reused = _parents_first(graph, set(graph) - rebuilt)
    if reused and not _selectable_one_by_one(graph):
        return BuildPlan("a node's fqn is the start of another's: dbt cannot exclude it alone")
    read = {parent for node in graph.values() for parent in node["parents"]}
    names = sorted(unique_id.split(".", 2)[-1] for unique_id in changed & read)
    why = "changed since the last build: " + (", ".join(names) if names else "only the probes")
    if record.as_of != as_of:
        why += "; as_of"
    exclude = tuple("fqn:" + ".".join(graph[node]["fqn"]) for node in reused)
    return BuildPlan(why, reused, len(graph), exclude)
