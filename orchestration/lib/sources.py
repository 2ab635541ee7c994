"""The contract's raw sources: where their files live and which columns they carry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    name: str
    columns: tuple[str, ...]
    folder: str | None = None  # a folder of appended files under SLA_DATA_DIR
    file: str | None = None  # or one reference file that finance replaces whole

    @property
    def table(self) -> str:
        return f"raw.{self.name}"


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "probes",
            ("tenant_id", "component", "location", "checked_at", "ok", "latency_ms"),
            folder="raw/probes",
        ),
        Source(
            "tickets",
            (
                "ticket_id",
                "tenant_id",
                "severity",
                "created_at",
                "first_response_at",
                "exported_at",
                "channel",
                "subject",
            ),
            folder="raw/tickets",
        ),
        Source(
            "maintenance",
            ("window_id", "tenant_id", "starts_at", "ends_at", "announced_at", "kind"),
            folder="raw/maintenance",
        ),
        Source(
            "exclusions",
            ("exclusion_id", "tenant_id", "component", "starts_at", "ends_at", "reason", "note"),
            folder="raw/exclusions",
        ),
        Source(
            "claims",
            ("claim_id", "tenant_id", "service_month", "received_at"),
            folder="raw/claims",
        ),
        Source(
            "disputes",
            (
                "dispute_id",
                "tenant_id",
                "service_month",
                "component",
                "starts_at",
                "ends_at",
                "claimed_downtime_minutes",
                "outcome",
                "decided_at",
            ),
            folder="raw/disputes",
        ),
        Source(
            "backups",
            (
                "backup_id",
                "tenant_id",
                "store",
                "started_at",
                "completed_at",
                "status",
                "encrypted",
            ),
            folder="raw/backups",
        ),
        Source(
            "recovery_events",
            (
                "event_id",
                "tenant_id",
                "declared_at",
                "restored_at",
                "restore_point_at",
                "kind",
            ),
            folder="raw/recovery_events",
        ),
        Source(
            "security_incidents",
            (
                "incident_id",
                "tenant_id",
                "became_aware_at",
                "notified_at",
                "personal_data",
                "summary",
            ),
            folder="raw/security_incidents",
        ),
        Source(
            "contracts",
            (
                "tenant_id",
                "tenant_name",
                "policy_id",
                "plan_tier",
                "currency",
                "starts_on",
                "ends_on",
                "prepaid_from",
                "prepaid_through",
                "prepaid_amount",
            ),
            file="reference/contracts.csv",
        ),
        Source(
            "coverage_overrides",
            ("tenant_id", "service_month", "accepted_by", "accepted_at", "note"),
            file="reference/coverage_overrides.csv",
        ),
        Source(
            "charges",
            (
                "charge_id",
                "tenant_id",
                "service_month",
                "charge_type",
                "amount",
                "currency",
                "paid",
            ),
            file="reference/charges.csv",
        ),
    )
}

# The sources a monthly uptime-and-credits run reads (tickets belong to the support side).
FILE_SUFFIXES = (
    ".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json", ".json.gz",
    ".parquet", ".ics"
)  # fmt: skip

# Each modelled source: its staging relation with every landed row, and the column that holds
# the row's reason for quarantine (null = valid). Exclusions have their own `reason` column.
VALIDATED_RELATIONS: dict[str, tuple[str, str]] = {
    "probes": ("stg_probes__results_validated", "reason"),
    "maintenance": ("stg_maintenance__windows_validated", "reason"),
    "exclusions": ("stg_exclusions__periods_validated", "quarantine_reason"),
    "claims": ("stg_claims__claims_validated", "reason"),
    "contracts": ("stg_reference__contracts_validated", "reason"),
    "charges": ("stg_reference__charges_validated", "reason"),
    "tickets": ("stg_tickets__exports_validated", "reason"),
    "disputes": ("stg_disputes__decisions_validated", "reason"),
    "coverage_overrides": ("stg_reference__coverage_overrides_validated", "reason"),
    "backups": ("stg_backups__runs_validated", "reason"),
    "recovery_events": ("stg_recovery_events__events_validated", "reason"),
    "security_incidents": ("stg_security_incidents__incidents_validated", "reason"),
}

# Where downstream models read a source's valid rows, when that is not its validated relation
# filtered on the reason. Probes find theirs another way (macro valid_probe_rows: a join and
# null tests instead of judging 10⁸ rows), so reconciliation weighs that way against the
# quarantine, which judges rows by the rules one by one.
STAGED_RELATIONS: dict[str, str] = {"probes": "stg_probes__results"}


def source_counts(con, reconciled: bool = False) -> dict[str, dict[str, int]]:
    """Rows read, staged and quarantined per source: the run summary finance can check.

    `reconciled`: this run's blocking reconciliation checks passed, so raw = staged +
    quarantined is proven and staged is read − quarantined, from two cheap counts. Otherwise
    (a summary asked at any time) every landed row is classified again: at a provider's scale
    that is a scan of 10⁸ probe rows.
    """
    out: dict[str, dict[str, int]] = {}
    for source, (relation, reason) in VALIDATED_RELATIONS.items():
        sql = (
            f"select (select count(*) from raw.{source}), null, "
            f"(select count(*) from quarantine.{source} where replaced_at is null)"
            if reconciled
            else f"select count(*), count(*) filter (where {reason} is null), "
            f"count(*) filter (where {reason} is not null) from staging.{relation}"
        )
        try:
            row = con.execute(sql).fetchone()
        except Exception:  # noqa: BLE001 - a source not modelled yet has no counts to report
            continue
        read, staged, quarantined = (int(v) if v is not None else None for v in row)
        if staged is None:
            staged = read - quarantined
        out[source] = {"read": read, "staged": staged, "quarantined": quarantined}
    return out
