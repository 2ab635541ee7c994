"""The commitments' cases (backups, RPO, RTO, breach and maintenance notices), part of the
session world in conftest.py; test_commitments.py reads them."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from orchestration.lib.sources import SOURCES
from tests.scenario import Tenant, World, _write_csv, utc

# the sources' columns as the platform lands them
BACKUP_COLUMNS = list(SOURCES["backups"].columns)
RECOVERY_COLUMNS = list(SOURCES["recovery_events"].columns)
INCIDENT_COLUMNS = list(SOURCES["security_incidents"].columns)
TENANTS = ("b24", "b25", "r1", "r2", "r3", "r4", "n1", "n2", "n3", "m1", "quiet")
LATE_WINDOW = utc(2026, 10, 14, 8)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def backup(backup_id, tenant, completed, *, status="succeeded", encrypted="true", store="db"):
    return {
        "backup_id": backup_id,
        "tenant_id": tenant,
        "store": store,
        "started_at": iso(completed - timedelta(minutes=30)),
        "completed_at": iso(completed) if completed else "",
        "status": status,
        "encrypted": encrypted,
    }


def backups() -> list[dict[str, str]]:
    rows = []
    # b24: a good backup every 24 h exactly, from before the month to its last day
    for day in range(34):
        rows.append(backup(f"b24-{day:02d}", "b24", utc(2026, 9, 28, 12) + timedelta(days=day)))
    # b25: the same, except that after 10 October the backups run an hour later: one 25 h gap
    for day in range(34):
        late = (
            timedelta(hours=1)
            if utc(2026, 9, 28) + timedelta(days=day) > utc(2026, 10, 10, 23)
            else timedelta(0)
        )
        rows.append(
            backup(f"b25-{day:02d}", "b25", utc(2026, 9, 28, 12) + timedelta(days=day) + late)
        )
    # ... and a failed and an unencrypted backup inside that gap, which do not close it
    rows.append(backup("b25-failed", "b25", utc(2026, 10, 11, 1), status="failed"))
    rows.append(backup("b25-plain", "b25", utc(2026, 10, 11, 2), encrypted="false"))
    # two tenants' backup systems that number their runs alike: two backups, not one
    rows.append(backup("shared-1", "quiet", utc(2026, 10, 5, 12)))
    rows.append(backup("shared-1", "r1", utc(2026, 10, 5, 12)))
    # bad rows, quarantined with their reason
    rows.append(backup("bad-status", "b24", utc(2026, 10, 3), status="maybe"))
    bad_offset = backup("bad-offset", "b24", utc(2026, 10, 3))
    bad_offset["completed_at"] = "2026-10-03T00:00:00"
    rows.append(bad_offset)
    return rows


def recovery_events() -> list[dict[str, str]]:
    def event(event_id, tenant, declared, restored, restore_point, kind="disaster"):
        return {
            "event_id": event_id,
            "tenant_id": tenant,
            "declared_at": iso(declared),
            "restored_at": iso(restored) if restored else "",
            "restore_point_at": iso(restore_point),
            "kind": kind,
        }

    d1, d2 = utc(2026, 10, 5, 10), utc(2026, 10, 6, 10)
    return [
        event("rto-759", "r1", d1, d1 + timedelta(hours=7, minutes=59), d1 - timedelta(hours=2)),
        # a slow restore test is recorded, not held to the RTO
        event("test-20h", "r1", d1, d1 + timedelta(hours=20), d1, kind="restore_test"),
        event("rto-801", "r2", d2, d2 + timedelta(hours=8, minutes=1), d2 - timedelta(hours=30)),
        # still down, 4 h before the month end (22:00 UTC in Cairo): not judged yet
        event("open-4h", "r3", utc(2026, 10, 31, 18), None, utc(2026, 10, 31, 17)),
        # still down since 20 October: a miss
        event("down", "r4", utc(2026, 10, 20, 10), None, utc(2026, 10, 20, 9)),
        event("all-test", "*", d2, d2 + timedelta(hours=1), d2, kind="restore_test"),
        event("bad-kind", "r1", d1, d1, d1, kind="drill"),
        event("bad-point", "r1", d1, d1, d1 + timedelta(hours=1)),
    ]


def incidents() -> list[dict[str, str]]:
    def incident(incident_id, tenant, aware, hours, personal="true"):
        return {
            "incident_id": incident_id,
            "tenant_id": tenant,
            "became_aware_at": iso(aware),
            "notified_at": iso(aware + timedelta(hours=hours)) if hours is not None else "",
            "personal_data": personal,
            "summary": "test",
        }

    aware = utc(2026, 10, 8, 9)
    return [
        incident("inc-71h", "n1", aware, 71),
        # no personal data: no notice promise, however late
        incident("inc-other", "n1", aware, 200, personal="false"),
        incident("inc-73h", "n2", aware, 73),
        incident("inc-silent", "n3", utc(2026, 10, 20, 9), None),
        incident("bad-flag", "n1", aware, 1, personal="maybe"),
        incident("bad-tenant", "nobody", aware, 1),
    ]


def add_commitment_cases(w: World) -> None:
    """The tenants and maintenance windows of the commitments' cases."""
    for tenant_id in TENANTS:
        spans, failures = [], []
        if tenant_id == "m1":
            # 30 minutes down inside the late-announced window: its Downtime counts
            spans = [(utc(2026, 10, 14), utc(2026, 10, 15))]
            outage = LATE_WINDOW + timedelta(hours=1)
            failures = [("core", None, outage, outage + timedelta(minutes=30))]
        w.tenants.append(Tenant(tenant_id, spans=spans, failures=failures))
        w.fee(tenant_id, "2026-10", "1000.00", "EGP")
    w.maintenance += [
        {
            "window_id": "w-late",
            "tenant_id": "m1",
            "starts_at": iso(LATE_WINDOW),
            "ends_at": iso(LATE_WINDOW + timedelta(hours=4)),
            "announced_at": iso(LATE_WINDOW - timedelta(hours=60)),
            "kind": "scheduled",
        },
        {
            "window_id": "w-ok",
            "tenant_id": "m1",
            "starts_at": iso(utc(2026, 10, 20, 8)),
            "ends_at": iso(utc(2026, 10, 20, 9)),
            "announced_at": iso(utc(2026, 10, 20, 8) - timedelta(hours=80)),
            "kind": "scheduled",
        },
    ]


def write_commitment_files(root: Path) -> None:
    _write_csv(root / "raw" / "backups" / "backups.csv", BACKUP_COLUMNS, backups())
    _write_csv(root / "raw" / "recovery_events" / "events.csv", RECOVERY_COLUMNS, recovery_events())
    _write_csv(root / "raw" / "security_incidents" / "incidents.csv", INCIDENT_COLUMNS, incidents())
