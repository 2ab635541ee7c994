"""Which dbt nodes a rerun of the same month keeps (orchestration/lib/build_record.py).

The plan on a small graph: sources → staging → marts, a test on each, one model reading
`as_of`. That the kept tables equal a full build's, on the real project and a real history of
changed inputs, is tested in test_restatements.py.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.lib.build_record import (
    BuildRecord,
    forget_record,
    graph_of,
    plan_build,
    project_hash,
    read_record,
    source_fingerprints,
    write_record,
)

PROBES = "source.sla_ledger.raw.probes"
TICKETS = "source.sla_ledger.raw.tickets"
CONTRACTS = "source.sla_ledger.raw.contracts"


def node(kind: str, name: str, *parents: str, as_of: bool = False, status: str | None = None):
    entry = {"fqn": ["sla_ledger", name], "parents": sorted(parents), "as_of": as_of}
    if status:
        entry["status"] = status
    return f"{kind}.sla_ledger.{name}", entry


GRAPH = dict(
    [
        node("seed", "currencies"),
        node("model", "stg_probes", PROBES),
        node("model", "stg_tickets", TICKETS),
        node("model", "stg_contracts", CONTRACTS),
        node("model", "tickets_mart", "model.sla_ledger.stg_tickets", "seed.sla_ledger.currencies"),
        node(
            "model",
            "credits",
            "model.sla_ledger.stg_probes",
            "model.sla_ledger.stg_contracts",
            as_of=True,
        ),
        node("model", "after_credits", "model.sla_ledger.credits"),
        node("test", "not_null_tickets_mart", "model.sla_ledger.tickets_mart", status="pass"),
        node("test", "not_null_stg_contracts", "model.sla_ledger.stg_contracts", status="warn"),
    ]
)
SOURCES = {TICKETS: "3:99", CONTRACTS: "2:7"}
RECORD = BuildRecord("2026-10", "2026-11-01T00:00:00Z", "p1", SOURCES, GRAPH)


def names(ids) -> list[str]:
    return [unique_id.rsplit(".", 1)[-1] for unique_id in ids]


def test_nothing_is_kept_without_a_record_of_the_same_month_and_project():
    assert plan_build(None, "2026-10", RECORD.as_of, "p1", SOURCES).reused == ()
    other_month = plan_build(RECORD, "2026-11", RECORD.as_of, "p1", SOURCES)
    assert other_month.reused == () and "2026-10" in other_month.why
    edited = plan_build(RECORD, "2026-10", RECORD.as_of, "p2", SOURCES)
    assert edited.reused == () and "project changed" in edited.why


def test_only_the_probes_changed_keeps_everything_they_do_not_reach():
    plan = plan_build(RECORD, "2026-10", RECORD.as_of, "p1", SOURCES)
    assert set(names(plan.reused)) == {
        "currencies",
        "stg_contracts",
        "stg_tickets",
        "not_null_stg_contracts",
        "tickets_mart",
        "not_null_tickets_mart",
    }
    assert plan.nodes == len(GRAPH)
    assert plan.why == "changed since the last build: only the probes"
    # one --exclude value, every node by its whole fqn
    assert plan.exclude_args()[0] == "--exclude"
    assert plan.exclude_args()[1].split() == [f"fqn:sla_ledger.{n}" for n in names(plan.reused)]


def test_a_changed_source_rebuilds_what_reads_it_and_its_tests():
    moved = {**SOURCES, TICKETS: "4:100"}
    plan = plan_build(RECORD, "2026-10", RECORD.as_of, "p1", moved)
    assert set(names(plan.reused)) == {"currencies", "stg_contracts", "not_null_stg_contracts"}
    assert plan.why == "changed since the last build: raw.tickets"
    # a source that appeared (or went) counts as changed
    appeared = plan_build(RECORD, "2026-10", RECORD.as_of, "p1", {TICKETS: "3:99"})
    assert "stg_contracts" not in names(appeared.reused)


def test_a_new_as_of_rebuilds_what_reads_it():
    plan = plan_build(RECORD, "2026-10", "2026-11-02T00:00:00Z", "p1", SOURCES)
    assert "credits" not in names(plan.reused) and "after_credits" not in names(plan.reused)
    assert "stg_contracts" in names(plan.reused)
    assert plan.why.endswith("; as_of")


def test_kept_nodes_come_parents_first():
    plan = plan_build(RECORD, "2026-10", RECORD.as_of, "p1", SOURCES)
    seen: set[str] = set()
    for unique_id in plan.reused:
        assert all(p in seen for p in GRAPH[unique_id]["parents"] if p in GRAPH)
        seen.add(unique_id)


def test_the_graph_keeps_each_tests_ending_through_a_chain_of_partial_builds():
    manifest = {
        "nodes": {
            "model.sla_ledger.m": {
                "resource_type": "model",
                "fqn": ["sla_ledger", "m"],
                "depends_on": {"nodes": [TICKETS], "macros": ["macro.sla_ledger.helper"]},
            },
            "test.sla_ledger.t": {
                "resource_type": "test",
                "fqn": ["sla_ledger", "t"],
                "depends_on": {"nodes": ["model.sla_ledger.m"], "macros": []},
            },
            "operation.sla_ledger.hook": {"resource_type": "operation", "fqn": ["x"]},
        },
        # as_of reached through another macro
        "macros": {
            "macro.sla_ledger.helper": {"depends_on": {"macros": ["macro.sla_ledger.as_of_us"]}}
        },
    }
    graph = graph_of(manifest, {"results": [{"unique_id": "test.sla_ledger.t", "status": "warn"}]})
    assert set(graph) == {"model.sla_ledger.m", "test.sla_ledger.t"}
    assert graph["model.sla_ledger.m"]["as_of"] is True
    assert graph["test.sla_ledger.t"]["status"] == "warn"
    # a later build that kept the test keeps how it ended
    previous = BuildRecord("2026-10", "", "p", {}, graph)
    again = graph_of(manifest, {"results": []}, previous, kept=["test.sla_ledger.t"])
    assert again["test.sla_ledger.t"]["status"] == "warn"
    assert again["test.sla_ledger.t"]["kept"] is True and "kept" not in again["model.sla_ledger.m"]


def test_the_record_round_trips_and_fingerprints_follow_the_rows(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    con.execute("create table raw.tickets (id varchar, opened_at timestamptz)")
    con.execute("insert into raw.tickets values ('a', '2026-10-01 00:00:00+00'), ('a', null)")
    sources = {
        TICKETS: {"name": "tickets", "schema": "raw", "identifier": "tickets"},
        PROBES: {"name": "probes", "schema": "raw", "identifier": "probes"},
        CONTRACTS: {"name": "contracts", "schema": "raw", "identifier": "contracts"},
    }
    before = source_fingerprints(con, sources)
    assert set(before) == {TICKETS, CONTRACTS}  # the probes are always rebuilt
    assert before[CONTRACTS] == "absent"
    # the same rows in another order are the same input; a duplicated row is not
    con.execute(
        "create or replace table raw.tickets as select * from raw.tickets order by opened_at"
    )
    assert source_fingerprints(con, sources) == before
    con.execute("insert into raw.tickets values ('a', null)")
    assert source_fingerprints(con, sources)[TICKETS] != before[TICKETS]

    assert read_record(con) is None
    write_record(con, RECORD)
    assert read_record(con) == RECORD
    forget_record(con)
    assert read_record(con) is None
    con.close()


def test_the_project_hash_follows_every_file_dbt_reads(tmp_path: Path):
    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1")
    first = project_hash(tmp_path)
    assert project_hash(tmp_path) == first
    model.write_text("select 2")
    second = project_hash(tmp_path)
    assert second != first
    (tmp_path / "target").mkdir()  # what dbt writes is not what it reads
    (tmp_path / "target" / "manifest.json").write_text("{}")
    assert project_hash(tmp_path) == second


def test_a_record_is_only_trusted_whole(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_record(con, RECORD)
    # two rows (never written so, but a copied table could hold them) are no record
    con.execute("insert into raw._dbt_last_build select * from raw._dbt_last_build")
    assert read_record(con) is None
    assert plan_build(read_record(con), "2026-10", RECORD.as_of, "p1", SOURCES).reused == ()
    con.close()


def test_nothing_is_kept_when_a_nodes_fqn_would_also_exclude_another():
    # a model named like a folder of others: fqn:sla_ledger.marts would take both
    graph = dict(GRAPH)
    graph["model.sla_ledger.marts"] = {
        "fqn": ["sla_ledger", "marts"],
        "parents": [],
        "as_of": False,
    }
    graph["model.sla_ledger.x"] = {"fqn": ["sla_ledger", "marts", "x"], "parents": [PROBES]}
    graph["model.sla_ledger.x"]["as_of"] = False
    plan = plan_build(
        BuildRecord(**{**RECORD.__dict__, "graph": graph}), "2026-10", RECORD.as_of, "p1", SOURCES
    )
    assert plan.reused == () and "cannot exclude it alone" in plan.why
