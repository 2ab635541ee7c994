"""Freshdesk: the ticket export CSV, local wall times turned into instants with an offset.

Freshdesk writes its export's times without an offset, in the help desk's time zone, which
mapping.yaml must name (`timezone`). The conversion is DST-correct; a wall time that happens
twice (the hour repeated when clocks go back) or never (the hour skipped when they go forward)
cannot be placed on its own, so its row is quarantined, unless `ambiguous_times` says which
of the two instants to take.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from ..readers import UnreadableFileError, read_csv
from ..sources import SOURCES
from .common import PARSE_ERROR, Adapter, AdapterFile, glob_files, rows_frame

TOOL = "freshdesk"

DEFAULTS: dict[str, Any] = {
    "timezone": None,  # required: the help desk's IANA zone, e.g. Africa/Cairo
    "priorities": {"urgent": "P1", "high": "P2", "medium": "P3", "low": "P4"},
    "companies": {},  # "Company Name" -> tenant_id; a name not listed is taken as the tenant_id
    "ambiguous_times": "quarantine",  # or earlier / later: which instant a repeated hour means
    "timestamp_formats": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
    "exported_at": {},  # file name -> ISO instant, when the file's own latest update is not it
    "ticket_id_prefix": "",
}

TICKET_ID, CREATED, RESPONDED, UPDATED = (
    "Ticket ID",
    "Created time",
    "Initial response time",
    "Last update time",
)


class LocalTimeError(ValueError):
    pass


def localize(text: str, zone: ZoneInfo, formats: list[str], ambiguous: str) -> datetime:
    """A wall time in `zone` as an aware instant; raises LocalTimeError with the reason."""
    value = text.strip()
    try:
        explicit = datetime.fromisoformat(value)
    except ValueError:
        explicit = None
    if explicit is not None and explicit.tzinfo is not None:
        return explicit  # already carries its offset: nothing to assume
    for fmt in formats:
        try:
            wall = datetime.strptime(value, fmt)
            break
        except ValueError:
            continue
    else:
        raise LocalTimeError(f"unparseable time {value!r}")
    earlier, later = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    # Two offsets: the wall time was skipped (it does not survive a round trip) or repeated.
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise LocalTimeError(f"{value} does not exist in {zone.key} (clocks went forward)")
    if ambiguous == "earlier":
        return earlier
    if ambiguous == "later":
        return later
    raise LocalTimeError(f"{value} happens twice in {zone.key} (clocks went back)")


def list_files(folder: Path) -> list[AdapterFile]:
    return [AdapterFile(p) for p in glob_files(folder, ".csv", ".csv.gz")]


def read(entry: AdapterFile, folder: Path, mapping: dict[str, Any]) -> pl.DataFrame:
    path = entry.path
    try:
        zone = ZoneInfo(str(mapping["timezone"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnreadableFileError(
            folder / "mapping.yaml", f"timezone {mapping['timezone']!r} is not an IANA zone"
        ) from exc
    ambiguous = str(mapping["ambiguous_times"]).lower()
    if ambiguous not in ("quarantine", "earlier", "later"):
        raise UnreadableFileError(
            folder / "mapping.yaml", "ambiguous_times must be quarantine, earlier or later"
        )
    formats = list(mapping["timestamp_formats"])
    frame = read_csv(path)
    for column in (TICKET_ID, CREATED):
        if frame.height and column not in frame.columns:
            raise UnreadableFileError(path, f"not a Freshdesk ticket export (no {column!r} column)")
    priorities = {str(k).strip().lower(): v for k, v in (mapping["priorities"] or {}).items()}
    companies = {str(k).strip(): v for k, v in (mapping["companies"] or {}).items()}

    def instant(row: dict[str, Any], column: str) -> tuple[str | None, str | None]:
        """(ISO text with offset, reason it could not be placed) of one time cell."""
        text = row.get(column)
        if text is None or not text.strip():
            return None, None
        try:
            return localize(text, zone, formats, ambiguous).isoformat(), None
        except LocalTimeError as exc:
            return text, f"{column}: {exc}"

    rows: list[dict[str, Any]] = []
    latest_update: datetime | None = None
    for row in frame.iter_rows(named=True):
        created, created_error = instant(row, CREATED)
        responded, responded_error = instant(row, RESPONDED)
        updated, updated_error = instant(row, UPDATED)
        if updated is not None and updated_error is None:
            at = datetime.fromisoformat(updated)
            latest_update = at if latest_update is None or at > latest_update else latest_update
        priority = (row.get("Priority") or "").strip()
        severity = priorities.get(priority.lower())
        company = (row.get("Company Name") or "").strip()
        error = created_error or responded_error
        if error is None and severity is None:
            error = f"Freshdesk priority {priority!r} has no severity in mapping.yaml priorities"
        ticket_id = (row.get(TICKET_ID) or "").strip()
        rows.append(
            {
                "source_line": row["source_line"],
                "ticket_id": f"{mapping['ticket_id_prefix']}{ticket_id}" if ticket_id else None,
                "tenant_id": companies.get(company, company) or None,
                "severity": severity,
                "created_at": created,
                "first_response_at": responded,
                "channel": (row.get("Source") or "").strip().lower() or None,
                "subject": row.get("Subject"),
                "freshdesk_status": row.get("Status"),
                "freshdesk_priority": priority or None,
                "freshdesk_company": company or None,
                PARSE_ERROR: error,
            }
        )
    # The export carries no time of its own: its latest update is the latest state it shows.
    override = {str(k): v for k, v in (mapping["exported_at"] or {}).items()}.get(path.name)
    exported_at = (
        str(override) if override else latest_update.isoformat() if latest_update else None
    )
    for row in rows:
        row["exported_at"] = exported_at
    return rows_frame(rows, SOURCES["tickets"].columns)


ADAPTER = Adapter(
    tool=TOOL,
    source="tickets",
    reads="Freshdesk ticket export CSV (*.csv, *.csv.gz)",
    defaults=DEFAULTS,
    list_files=list_files,
    read=read,
    required=("timezone",),
)
