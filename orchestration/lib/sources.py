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
FILE_SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".parquet", ".ics")
