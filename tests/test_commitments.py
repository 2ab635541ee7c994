"""The SLA's other promises through the real pipeline: backups, RPO, RTO and notices. The cases
(tests/commitments_world.py) are part of the session world (conftest.py)."""

from __future__ import annotations

import duckdb
import pytest

from tests.commitments_world import TENANTS
from tests.scenario import utc


@pytest.fixture(scope="module")
def world(materialized):
    return materialized


def query(root, sql, params=()):
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def commitment(root, tenant, name):
    rows = query(
        root,
        "select met, measured_hours, limit_hours, events, evidence_ids "
        "from marts.commitments_monthly "
        "where tenant_id = ? and service_month = '2026-10' and commitment = ?",
        [tenant, name],
    )
    assert len(rows) == 1
    return rows[0]


def test_every_active_tenant_has_every_commitment(world):
    rows = dict(
        query(
            world,
            "select tenant_id, count(*) from marts.commitments_monthly "
            "where service_month = '2026-10' group by 1",
        )
    )
    assert set(TENANTS) <= set(rows) and set(rows.values()) == {5}
    # nothing happened to judge: null, not a pass
    assert commitment(world, "quiet", "rto") == (None, None, 8.0, 0, None)


def test_a_25_hour_backup_gap_misses_and_24_hours_meets(world):
    met, hours, limit, _, evidence = commitment(world, "b25", "daily_backup")
    # the failed and the unencrypted backup inside the gap do not close it
    assert (met, hours, limit, evidence) == (False, pytest.approx(25.0), 24.0, "b25-13")
    met, hours, _, events, _ = commitment(world, "b24", "daily_backup")
    assert (met, hours) == (True, pytest.approx(24.0))
    # every gap ending in the Cairo month (1 October 00:00 local = 30 September 21:00 UTC)
    assert events == 31


def test_a_backup_id_is_one_tenants(world):
    """Tenants' backup systems number their runs on their own: the same id under two tenants
    is two backups, neither dropped."""
    rows = query(
        world, "select tenant_id from staging.stg_backups__runs where backup_id = 'shared-1'"
    )
    assert sorted(rows) == [("quiet",), ("r1",)]


def test_restore_time_and_data_loss(world):
    met, hours, _, _, evidence = commitment(world, "r1", "rto")
    assert (met, evidence) == (True, "rto-759")
    assert hours == pytest.approx(7 + 59 / 60)
    assert commitment(world, "r1", "rpo")[0] is True
    met, hours, _, _, evidence = commitment(world, "r2", "rto")
    assert (met, evidence) == (False, "rto-801")
    assert hours == pytest.approx(8 + 1 / 60)
    met, hours, limit, _, evidence = commitment(world, "r2", "rpo")
    assert (met, hours, limit, evidence) == (False, pytest.approx(30.0), 24.0, "rto-801")
    # still down at month end: within the RTO it is not judged yet; past it, a miss
    assert commitment(world, "r3", "rto")[0] is None
    met, hours, _, _, evidence = commitment(world, "r4", "rto")
    assert (met, evidence) == (False, "down")
    assert hours == pytest.approx(
        (utc(2026, 10, 31, 22) - utc(2026, 10, 20, 10)).total_seconds() / 3600
    )


def test_breach_notices(world):
    assert commitment(world, "n1", "breach_notice")[:2] == (True, pytest.approx(71.0))
    assert commitment(world, "n1", "breach_notice")[3] == 1
    assert commitment(world, "n2", "breach_notice")[:2] == (False, pytest.approx(73.0))
    met, _, limit, _, evidence = commitment(world, "n3", "breach_notice")
    assert (met, limit, evidence) == (False, 72.0, "inc-silent")


def test_short_maintenance_notice_misses_and_its_downtime_counts(world):
    met, hours, limit, events, evidence = commitment(world, "m1", "maintenance_notice")
    assert (met, hours, limit, events, evidence) == (False, pytest.approx(60.0), 72.0, 2, "w-late")
    [(downtime,)] = query(
        world,
        "select downtime_minutes from marts.availability_monthly "
        "where tenant_id = 'm1' and service_month = '2026-10'",
    )
    assert downtime == pytest.approx(30.0)


def test_bad_rows_are_quarantined_with_their_reason(world):
    assert sorted(query(world, "select backup_id, reason from quarantine.backups")) == [
        ("bad-offset", "timestamp without offset: completed_at"),
        ("bad-status", "unknown status"),
    ]
    assert sorted(query(world, "select event_id, reason from quarantine.recovery_events")) == [
        ("bad-kind", "unknown kind"),
        ("bad-point", "restore_point_at after declared_at"),
    ]
    assert sorted(
        query(world, "select incident_id, reason from quarantine.security_incidents")
    ) == [
        ("bad-flag", "unparseable value: personal_data"),
        ("bad-tenant", "unknown tenant"),
    ]


def test_evidence_pack_lists_the_commitments(world, tmp_path):
    from orchestration.lib.evidence import write_evidence

    con = duckdb.connect(str(world / "warehouse.duckdb"), read_only=True)
    try:
        out = write_evidence(con, "b25", "2026-10", tmp_path / "pack")
    finally:
        con.close()
    text = (out / "commitments.csv").read_text().splitlines()
    assert text[0].startswith("tenant_id,service_month,commitment,met")
    assert len(text) == 6
