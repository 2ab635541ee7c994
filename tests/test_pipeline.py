"""The pipeline as an operator uses it: the CLI, Dagster and the warehouse. Reruns and
restatements of a month are in test_restatements.py."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from tests.scenario import Tenant, World, warehouse_env

AS_OF = "2026-11-25T00:00:00Z"


def run(*args: str) -> int:
    from orchestration.cli import main

    return main(["materialize", *args, "--as-of", AS_OF, "--log-level", "WARNING"])


def test_an_unreadable_file_fails_the_run_naming_it(tmp_path, capsys):
    w = World(tmp_path)
    w.tenants.append(Tenant("p1"))
    w.write()
    bad = tmp_path / "raw" / "probes" / "broken.parquet"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_bytes(b"PAR1 this is not parquet")
    with warehouse_env(tmp_path, tmp_path / "w.duckdb"):
        assert run("--month", "2026-10") == 1
    out = capsys.readouterr().out
    assert "raw/probes/broken.parquet" in out
    assert not (tmp_path / "published" / "service_credits").exists()


def test_definitions_load_with_schedule_and_sensor():
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.jobs import monthly_sla_schedule

    job = defs.resolve_job_def("monthly_sla_job")
    assert job.partitions_def is not None
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/probes", "marts/service_credits", "published/marts_parquet"} <= keys
    when = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    request = monthly_sla_schedule(dg.build_schedule_context(scheduled_execution_time=when))
    assert request.partition_key == "2026-10-01"
    assert defs.resolve_sensor_def("new_raw_files_sensor") is not None
    # freshness: last month's credits by the 3rd, Cairo time, judged by its own sensor
    from orchestration.defs.quality.freshness import service_credits_freshness_checks

    checks = service_credits_freshness_checks()
    assert [k.asset_key.to_user_string() for c in checks for k in c.check_keys] == [
        "marts/service_credits"
    ]
    assert defs.resolve_sensor_def("service_credits_freshness_sensor") is not None
    in_job = {
        k for k in job.asset_layer.asset_graph.asset_check_keys if k.name == "freshness_check"
    }
    assert not in_job


def test_a_month_no_partition_holds_is_refused_by_name(tmp_path, capsys):
    """2099-12 is no partition: the CLI says which months it runs instead of a traceback."""
    with warehouse_env(tmp_path, tmp_path / "w.duckdb"), pytest.raises(SystemExit) as exit_:
        run("--month", "2099-12")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "no service month 2099-12: the platform runs 2020-01 through" in err
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize("command", ["materialize", "backfill"])
def test_a_reversed_range_is_refused_by_name(tmp_path, capsys, command):
    from orchestration.cli import main

    with warehouse_env(tmp_path, tmp_path / "w.duckdb"), pytest.raises(SystemExit) as exit_:
        main([command, "--from", "2026-10", "--to", "2026-08"])
    assert exit_.value.code == 2
    assert "--from 2026-10 is after --to 2026-08" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


def test_the_summary_of_a_month_never_materialised_says_so(tmp_path, capsys):
    """An empty credit table would read as "no credits this month"."""
    from orchestration.cli import main

    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).close()  # a warehouse no month has reached yet
    with warehouse_env(tmp_path, db):
        assert main(["summary", "--month", "2026-07"]) == 1
    assert "2026-07 has not been materialised in" in " ".join(capsys.readouterr().out.split())
