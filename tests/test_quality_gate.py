"""The data-quality gate through the real CLI, Dagster, dbt, Great Expectations and DuckDB.

Two small worlds, one materialisation each: a clean month that publishes, and the same inputs
judged by a stricter copy of the suites (SLA_EXPECTATIONS_DIR) that must not publish. Both carry
bad probe and charge rows, so quarantine is never empty. Each run gets an in-memory Dagster
instance that the test keeps, so the tests read the check evaluations Dagster stored, not only
the exit code (a recorded DAGSTER_HOME would cost each run ~10 s of SQLite writes).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.scenario import Tenant, World, utc

AS_OF = "2026-11-25T00:00:00Z"
MONTH = "2026-10"
OCT = [(utc(2026, 9, 29), utc(2026, 11, 2))]
MINUTE = timedelta(minutes=1)
REPO = Path(__file__).resolve().parents[1]
MARTS = ("availability_monthly", "downtime_episodes", "service_credits")
RAW_SOURCES = ("probes", "tickets", "maintenance", "exclusions", "claims", "contracts", "charges")
RECONCILED = ("probes", "maintenance", "exclusions", "claims", "contracts", "charges", "tickets")
BAD_PROBES = [
    # tenant_id, component, location, checked_at, ok, latency_ms
    ("steady", "core", "fra", "2026-10-05T10:00:00", "true", "40"),  # no UTC offset
    ("nobody", "core", "fra", "2026-10-05T10:00:00Z", "true", "40"),  # unknown tenant
    ("steady", "core", "fra", "2026-10-05T10:02:00Z", "perhaps", "40"),  # unparseable ok
    ("steady", "disk", "fra", "2026-10-05T10:04:00Z", "true", "40"),  # not in the policy
]
STRICTER = {
    "type": "expect_column_values_to_be_between",
    "kwargs": {"column": "credit_pct", "max_value": 0},
    "description": "no tenant is owed a credit this month (deliberately too strict)",
}


@dataclass
class Run:
    root: Path
    db: Path
    code: int
    output: str
    checks: dict[tuple[str, str], object]  # (asset key, check name) -> AssetCheckEvaluation
    materialized: set[str]
    messages: list[str]


def build_world(root: Path) -> World:
    w = World(root)
    down = utc(2026, 10, 12, 8)
    w.tenants.append(Tenant("steady", spans=OCT))
    w.tenants.append(
        Tenant("down-45", spans=OCT, failures=[("core", None, down, down + 45 * MINUTE)])
    )
    for name in ("steady", "down-45"):
        w.fee(name, MONTH, "1000.00", "EGP")
    # earns 10 % but has no paid subscription charge: a fee of 0, which the run reports
    w.tenants.append(
        Tenant("no-fee", spans=OCT, failures=[("core", None, down, down + 45 * MINUTE)])
    )
    w.fee("no-fee", MONTH, "1000.00", "EGP", paid=False)
    w.fee("no-fee", MONTH, "300.00", "EGP", charge_type="setup")
    w.charges.append(
        {
            "charge_id": "bad-negative",
            "tenant_id": "steady",
            "service_month": MONTH,
            "charge_type": "addon",
            "amount": "-5.00",
            "currency": "EGP",
            "paid": "true",
        }
    )
    w.charges.append(
        {
            "charge_id": "bad-currency",
            "tenant_id": "steady",
            "service_month": MONTH,
            "charge_type": "addon",
            "amount": "5.00",
            "currency": "USD",
            "paid": "true",
        }
    )
    w.write()
    bad = root / "raw" / "probes" / "bad-rows.csv"
    lines = ["tenant_id,component,location,checked_at,ok,latency_ms"]
    lines += [",".join(row) for row in BAD_PROBES]
    bad.write_text("\n".join(lines) + "\n")
    return w


def materialize(root: Path, **extra_env: str) -> Run:
    """One CLI run for MONTH; the environment is put back as it was afterwards."""
    import dagster as dg

    from orchestration.cli import materialize as run_months

    db = root / "warehouse" / "warehouse.duckdb"
    env = {"SLA_DATA_DIR": str(root), "SLA_DUCKDB_PATH": str(db), **extra_env}
    saved = {k: os.environ.get(k) for k in (*env, "SLA_EXPECTATIONS_DIR")}
    os.environ.pop("SLA_EXPECTATIONS_DIR", None)
    os.environ.update(env)
    try:
        # the CLI prints through rich (stdout) and Dagster logs to stderr, both at call time
        output = io.StringIO()
        with (
            dg.DagsterInstance.ephemeral() as instance,
            contextlib.redirect_stdout(output),
            contextlib.redirect_stderr(output),
        ):
            # as `sla materialize --as-of` passes it on, normalised to microseconds
            as_of = AS_OF.replace("Z", ".000000Z")
            code = run_months([MONTH], as_of, "WARNING", instance=instance)
            (record,) = instance.get_runs()
            evaluations = instance.all_logs(
                record.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            )
            materializations = instance.all_logs(
                record.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
            )
            messages = [entry.user_message for entry in instance.all_logs(record.run_id)]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    checks = {}
    for entry in evaluations:
        evaluation = entry.dagster_event.event_specific_data
        checks[(evaluation.asset_key.to_user_string(), evaluation.check_name)] = evaluation
    materialized = {entry.dagster_event.asset_key.to_user_string() for entry in materializations}
    return Run(root, db, code, output.getvalue(), checks, materialized, messages)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("clean")
    build_world(root)
    return materialize(root)


@pytest.fixture(scope="module")
def strict_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("strict")
    build_world(root)
    suites = root / "stricter_expectations"
    shutil.copytree(REPO / "expectations", suites)
    path = suites / "marts.service_credits.json"
    suite = json.loads(path.read_text())
    suite["expectations"].append(STRICTER)
    path.write_text(json.dumps(suite, indent=2))
    return materialize(root, SLA_EXPECTATIONS_DIR=str(suites))


def my_check_keys() -> set[tuple[str, str]]:
    keys = {(f"marts/{m}", f"check_{m}_expectations") for m in MARTS}
    keys |= {(f"raw/{s}", f"check_raw_{s}_expectations") for s in RAW_SOURCES}
    keys |= {
        (f"quarantine/quarantine_{s}", "check_raw_equals_staged_plus_quarantined")
        for s in RECONCILED
    }
    return keys


def test_a_clean_month_passes_every_check_and_publishes(clean_run: Run):
    assert clean_run.code == 0, clean_run.output
    assert my_check_keys() <= set(clean_run.checks), "a quality check did not run"
    failed = {key: c for key, c in clean_run.checks.items() if not c.passed}
    # the one warning: a tenant-month without a fee is reported, and publication goes on
    fee_check = ("marts/service_credits", "check_every_tenant_month_has_a_fee")
    assert set(failed) == {fee_check}, {k: c.description for k, c in failed.items()}
    assert failed[fee_check].severity == dg.AssetCheckSeverity.WARN
    assert not failed[fee_check].blocking
    assert "no-fee 2026-10" in failed[fee_check].description
    assert "Monthly Fee of 0" in clean_run.output and "no-fee" in clean_run.output
    # Spark's partitioning is not asked of DuckDB, whose adapter would warn for every mart
    assert not [m for m in [clean_run.output, *clean_run.messages] if m and "DuckLake" in m]
    # one month alone: its consecutive breaches are current
    current = clean_run.checks[("marts/service_credits", "check_consecutive_breaches_are_current")]
    assert current.passed and not current.blocking
    # dbt's data tests arrive as asset checks of the same marts, beside the suites
    dbt_tests = {k for k in clean_run.checks if k[0] == "marts/service_credits"} - my_check_keys()
    assert any(name.startswith("accepted_values") for _, name in dbt_tests)
    credits = clean_run.checks[("marts/service_credits", "check_service_credits_expectations")]
    metadata = {k: v.value for k, v in credits.metadata.items()}
    assert metadata["service_months"] == MONTH
    assert metadata["rows"] == 3
    assert metadata["expectations_failed"] == 0
    assert metadata["expectations_evaluated"] == metadata["expectations_passed"] > 10
    assert "monthly_fee" in metadata["decimal_columns_as_float"]
    assert "published/marts_parquet" in clean_run.materialized
    for mart in MARTS:
        folder = clean_run.root / "published" / mart / f"month={MONTH}"
        assert (folder / "part-0.parquet").exists(), mart


def test_a_failing_blocking_check_stops_publication(strict_run: Run):
    assert strict_run.code != 0
    failed = strict_run.checks[("marts/service_credits", "check_service_credits_expectations")]
    assert not failed.passed and failed.blocking
    metadata = {k: v.value for k, v in failed.metadata.items()}
    assert metadata["expectations_failed"] == 1
    assert STRICTER["description"] in metadata["failed_expectations"]
    assert metadata["suite_file"].startswith(str(strict_run.root / "stricter_expectations"))
    # the month was computed, the other suites passed, and yet nothing reached finance
    assert "marts/service_credits" in strict_run.materialized
    others = {k: c for k, c in strict_run.checks.items() if k in my_check_keys()}
    assert [k for k, c in others.items() if not c.passed] == [
        ("marts/service_credits", "check_service_credits_expectations")
    ]
    assert "published/marts_parquet" not in strict_run.materialized
    assert not (strict_run.root / "published" / "service_credits" / f"month={MONTH}").exists()
    assert not (strict_run.root / "published").exists()
    # the CLI says which check stopped the run and which expectation failed
    assert "check_service_credits_expectations" in strict_run.output
    assert STRICTER["description"] in strict_run.output


def test_reconciliation_passes_with_quarantined_rows(clean_run: Run):
    con = duckdb.connect(str(clean_run.db), read_only=True)
    try:
        quarantined = {
            source: con.execute(f"select count(*) from quarantine.{source}").fetchone()[0]
            for source in ("probes", "charges")
        }
        raw = {
            source: con.execute(f"select count(*) from raw.{source}").fetchone()[0]
            for source in ("probes", "charges")
        }
    finally:
        con.close()
    assert quarantined == {"probes": len(BAD_PROBES), "charges": 2}
    for source in ("probes", "charges"):
        check = clean_run.checks[
            (f"quarantine/quarantine_{source}", "check_raw_equals_staged_plus_quarantined")
        ]
        metadata = {k: v.value for k, v in check.metadata.items()}
        assert check.passed, check.description
        assert metadata["quarantined_rows"] == quarantined[source]
        assert metadata["raw_rows"] == raw[source]
        assert metadata["staged_rows"] + metadata["quarantined_rows"] == raw[source]
    # the run reports the count (contract: Bad input), in its log and the CLI's output
    counted = f"quarantined rows: probes {len(BAD_PROBES)}, charges 2 "
    assert any(m.startswith(counted) for m in clean_run.messages), clean_run.messages[-20:]


def test_reconciliation_and_suites_catch_a_doctored_warehouse(clean_run: Run, tmp_path):
    """A row that raw holds but staging never saw, and a repeated grain, both fail (no rerun)."""
    from orchestration.defs.quality.checks import reconcile
    from orchestration.lib.gx_checks import validate_table

    copy = tmp_path / "doctored.duckdb"
    shutil.copy(clean_run.db, copy)
    con = duckdb.connect(str(copy))
    try:
        # a bad row landed after the last build: staging (a view) sees it, quarantine does not
        con.execute(
            "insert into raw.probe_rows (tenant_id, component, location, source_file, "
            "source_line) values ('nobody', 'core', 'x', 'raw/probes/late.csv', 2)"
        )
        lost = reconcile(con, "probes")
        assert not lost.passed and lost.metadata["difference"].value == 1
        assert "1 row(s) lost" in (lost.description or "")
        con.execute(
            "insert into marts.service_credits select * from marts.service_credits "
            "where tenant_id = 'steady'"
        )
        twice = validate_table(con, "marts.service_credits", MONTH)
        assert not twice.passed
        assert twice.severity.value == "ERROR"
        assert "one row per tenant and service month" in twice.metadata["failed_expectations"].value
        assert validate_table(con, "marts.service_credits", "2026-09").passed  # no rows then
    finally:
        con.close()


def test_the_probe_reconciliation_recounts_only_the_tenants_whose_inputs_changed(
    clean_run: Run, tmp_path
):
    """The valid probe rows are counted per tenant and kept with the tenant's fingerprint
    (lib/probe_counts.py): a rerun counts again only a changed tenant, and the total is the
    view's count either way; a row landed behind the models' back is still a difference."""
    from orchestration.defs.quality.checks import reconcile

    copy = tmp_path / "counted.duckdb"
    shutil.copy(clean_run.db, copy)
    con = duckdb.connect(str(copy))
    try:
        whole = con.execute("select count(*) from staging.stg_probes__results").fetchone()[0]
        tenants = con.execute(
            "select count(*) from intermediate.int_probe_inputs_fingerprinted"
        ).fetchone()[0]

        def counted() -> tuple[int, int]:
            result = reconcile(con, "probes")
            assert result.passed, result.description
            return (
                result.metadata["staged_rows"].value,
                result.metadata["tenants_recounted"].value,
            )

        # the run's own check kept every tenant's count
        assert counted() == (whole, 0)
        con.execute(
            "update intermediate.int_probe_inputs_fingerprinted set fingerprint = 'moved' "
            "where tenant_key = 'steady'"
        )
        assert counted() == (whole, 1)
        assert counted() == (whole, 0)
        # other SQL behind the view: every tenant again
        con.execute("update raw._reconciled_probe_counts set logic = 'older'")
        assert counted() == (whole, tenants)
        # a valid row of a kept tenant, landed after the build: raw sees it, the count kept
        # for the tenant does not
        con.execute(
            "insert into raw.probe_rows by name select * exclude (file_values_present) "
            "replace ('raw/probes/behind.csv' as source_file, 1 as source_line) "
            "from raw.probes where tenant_id = 'steady' limit 1"
        )
        late = reconcile(con, "probes")
        assert not late.passed and late.metadata["difference"].value == 1
    finally:
        con.close()


def test_a_read_only_connection_counts_the_valid_probe_rows_whole(clean_run: Run):
    from orchestration.lib.probe_counts import staged_probe_rows

    con = duckdb.connect(str(clean_run.db), read_only=True)
    try:
        whole = con.execute("select count(*) from staging.stg_probes__results").fetchone()[0]
        assert staged_probe_rows(con) == (whole, -1)
    finally:
        con.close()


def test_the_gx_worker_gives_the_verdicts_gx_gives_here(clean_run: Run, tmp_path, monkeypatch):
    """`sla materialize` runs the suites in a worker that imported GX while the run started:
    the same verdicts and texts as here, and the checks carry on here if the worker dies."""
    from orchestration.lib import gx_suites
    from orchestration.lib.gx_checks import validate_table

    copy = tmp_path / "doubled.duckdb"
    shutil.copy(clean_run.db, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "insert into marts.service_credits select * from marts.service_credits "
            "where tenant_id = 'steady'"
        )
        tables = [("marts.service_credits", MONTH), ("marts.availability_monthly", MONTH)]
        tables += [("raw.probes", None), ("raw.charges", None)]
        monkeypatch.setattr(gx_suites, "_worker", None)
        here = [validate_table(con, table, month) for table, month in tables]
        # a suite GX cannot build whole fails loudly (GX itself would drop the expectation
        # and pass without it), the same way here and through the worker
        bogus = tmp_path / "suites"
        bogus.mkdir()
        (bogus / "marts.bogus.json").write_text(
            json.dumps(
                {
                    "name": "marts.bogus",
                    "expectations": [{"type": "expect_no_such_thing", "kwargs": {}}],
                }
            )
        )
        monkeypatch.setenv("SLA_EXPECTATIONS_DIR", str(bogus))
        with pytest.raises(ValueError, match="cannot build expect_no_such_thing") as raised_here:
            validate_table(con, "marts.service_credits", MONTH, suite_name="marts.bogus")
        worker = gx_suites._Worker()
        monkeypatch.setattr(gx_suites, "_worker", worker)
        try:
            with pytest.raises(ValueError) as raised_there:
                validate_table(con, "marts.service_credits", MONTH, suite_name="marts.bogus")
            assert str(raised_there.value) == str(raised_here.value)
            monkeypatch.delenv("SLA_EXPECTATIONS_DIR")
            there = [validate_table(con, table, month) for table, month in tables]
            assert gx_suites._worker is worker  # it answered every suite itself
            worker.process.kill()
            worker.process.wait()
            after = validate_table(con, *tables[0])
        finally:
            worker.stop()
        assert gx_suites._worker is None  # a dead worker is dropped, and GX runs here again
    finally:
        con.close()
    assert [r.passed for r in here] == [False, True, True, True]
    for one, other in zip(here + here[:1], there + [after], strict=True):
        assert (one.passed, one.description) == (other.passed, other.description)
        assert one.metadata == other.metadata


def test_the_quality_checks_import_great_expectations_only_when_they_run():
    """GX takes seconds to import; Definitions load (every UI reload, every run) must not pay it."""
    code = (
        "import sys; import orchestration.defs.quality.checks; "
        "sys.exit('great_expectations' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
