"""Zendesk: incremental ticket exports, with first replies from ticket metric events.

An export is a folder (`sources/zendesk/<export>/`) holding one or more pages of the
incremental ticket export (`tickets*.json`), and optionally the ticket metric events
(`ticket_metric_events*.json`) and/or ticket metrics (`ticket_metrics*.json`) pulled with it.
Each page is one ledger entry, fingerprinted with the files its first replies come from.

A ticket's first human response is its first `reply_time` `fulfill` event (instance 1). Event
exports are incremental too: a ticket answered last week and solved today is in today's ticket
page but its reply event is in last week's event file. So the events of this export folder
and of every export folder that sorts before it are searched; only when none is found does
the ticket's metric record (`reply_time_in_minutes.calendar`, whole minutes) give it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from ..readers import UnreadableFileError
from ..sources import SOURCES
from .common import (
    MAPPING_FILE,
    PARSE_ERROR,
    Adapter,
    AdapterFile,
    glob_files,
    read_json,
    rows_frame,
    text_keys,
)

TOOL = "zendesk"
JSON = (".json", ".json.gz")

DEFAULTS: dict[str, Any] = {
    "priorities": {"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4"},
    "default_severity": None,  # for tickets without a priority; null = quarantine them
    "organizations": {},  # organization_id -> tenant_id
    "tenant_tag_prefix": "tenant:",  # a ticket tag `tenant:<tenant_id>`; null = off
    "ticket_id_prefix": "",
}


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if not name.endswith(JSON):
        return None
    for kind in ("ticket_metric_events", "ticket_metrics", "tickets"):
        if name.startswith(kind):
            return kind
    return None


def _export(path: Path, folder: Path) -> str:
    """The export folder of a file, relative to the tool's folder, as sortable text."""
    relative = path.parent.relative_to(folder).as_posix()
    return "" if relative == "." else relative


def list_files(folder: Path) -> list[AdapterFile]:
    files = [p for p in glob_files(folder, *JSON) if _kind(p)]
    out = []
    for page in (p for p in files if _kind(p) == "tickets"):
        export = _export(page, folder)
        events = [
            p for p in files if _kind(p) == "ticket_metric_events" and _export(p, folder) <= export
        ]
        metrics = [p for p in files if _kind(p) == "ticket_metrics" and p.parent == page.parent]
        out.append(AdapterFile(page, tuple(events + metrics)))
    return out


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _epoch(value: Any) -> str | None:
    try:
        seconds = int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _records(path: Path, key: str) -> list[dict[str, Any]]:
    doc = read_json(path)
    records = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(records, list):
        raise UnreadableFileError(path, f"not a Zendesk {key} export (no {key} list)")
    return [r for r in records if isinstance(r, dict)]


def first_reply_events(paths: list[Path], data_dir: Path) -> dict[str, tuple[datetime, str, str]]:
    """ticket id -> (instant, text as exported, where) of its earliest first-reply event."""
    first: dict[str, tuple[datetime, str, str]] = {}
    for path in paths:
        for index, event in enumerate(_records(path, "ticket_metric_events"), start=1):
            if event.get("metric") != "reply_time" or event.get("type") != "fulfill":
                continue
            # instance 1 is the first reply; later instances follow a reopening
            if event.get("instance_id") not in (None, 1):
                continue
            at = _instant(event.get("time"))
            if at is None:
                continue
            ticket = str(event.get("ticket_id"))
            if ticket not in first or at < first[ticket][0]:
                where = f"{path.relative_to(data_dir).as_posix()}#{index}"
                first[ticket] = (at, str(event["time"]).strip(), where)
    return first


def read(entry: AdapterFile, folder: Path, mapping: dict[str, Any]) -> pl.DataFrame:
    page = entry.path
    data_dir = folder.parent.parent
    doc = read_json(page)
    tickets = doc.get("tickets") if isinstance(doc, dict) else None
    if not isinstance(tickets, list):
        raise UnreadableFileError(page, "not a Zendesk incremental ticket export (no tickets list)")
    companions = [p for p in entry.depends_on if p.name != MAPPING_FILE]
    events = first_reply_events(
        [p for p in companions if _kind(p) == "ticket_metric_events"], data_dir
    )
    metrics: dict[str, dict[str, Any]] = {}
    for path in (p for p in companions if _kind(p) == "ticket_metrics"):
        for record in _records(path, "ticket_metrics"):
            metrics[str(record.get("ticket_id"))] = record
    # metric sets sideloaded into the page (include=metric_sets) say the same
    for record in doc.get("metric_sets") or []:
        if isinstance(record, dict):
            metrics.setdefault(str(record.get("ticket_id")), record)

    exported_at = _epoch(doc.get("end_time"))
    priorities = {str(k).strip().lower(): v for k, v in (mapping["priorities"] or {}).items()}
    organizations = text_keys(mapping["organizations"])
    prefix = mapping["tenant_tag_prefix"]
    rows: list[dict[str, Any]] = []
    for index, ticket in enumerate(tickets, start=1):
        if not isinstance(ticket, dict):
            rows.append({"source_line": index, PARSE_ERROR: "not a Zendesk ticket object"})
            continue
        ticket_id = ticket.get("id")
        key = str(ticket_id)
        error = None

        organization = ticket.get("organization_id")
        tenant = organizations.get(str(organization)) if organization is not None else None
        if tenant is None and prefix:
            tagged = sorted(
                {t[len(prefix) :] for t in ticket.get("tags") or [] if str(t).startswith(prefix)}
            )
            if len(tagged) > 1:
                error = f"several {prefix} tags: {tagged}"
            tenant = tagged[0] if tagged else None
        if tenant is None and error is None:
            error = (
                "no Zendesk organization"
                if organization is None
                else f"Zendesk organization {organization} is not in mapping.yaml organizations"
            ) + (f" and no {prefix}<tenant_id> tag" if prefix else "")

        priority = ticket.get("priority")
        severity = priorities.get(str(priority).strip().lower()) if priority else None
        if priority is None:
            severity = mapping["default_severity"]
            if severity is None and error is None:
                error = "no priority set in Zendesk and no default_severity in mapping.yaml"
        elif severity is None and error is None:
            error = f"Zendesk priority {priority!r} has no severity in mapping.yaml priorities"

        first_response_at = None
        first_response_from = None
        if key in events:
            _, first_response_at, first_response_from = events[key]
        else:
            minutes = (metrics.get(key, {}).get("reply_time_in_minutes") or {}).get("calendar")
            created = _instant(ticket.get("created_at"))
            if minutes is not None and created is not None:
                try:
                    delay = timedelta(minutes=int(Decimal(str(minutes))))
                except (InvalidOperation, ValueError):
                    error = error or f"unparseable reply_time_in_minutes {minutes!r}"
                else:
                    first_response_at = (created + delay).astimezone(UTC).isoformat()
                    first_response_from = "ticket_metrics reply_time_in_minutes (whole minutes)"

        if ticket.get("status") == "deleted" and error is None:
            error = "deleted in Zendesk: not counted from this export"

        via = ticket.get("via") if isinstance(ticket.get("via"), dict) else {}
        rows.append(
            {
                "source_line": index,
                "ticket_id": None if ticket_id is None else f"{mapping['ticket_id_prefix']}{key}",
                "tenant_id": tenant,
                "severity": severity,
                "created_at": ticket.get("created_at"),
                "first_response_at": first_response_at,
                # end_time is the latest change the page holds: the state is at least that new
                "exported_at": exported_at
                or _epoch(ticket.get("generated_timestamp"))
                or ticket.get("updated_at"),
                "channel": via.get("channel"),
                "subject": ticket.get("subject"),
                "zendesk_status": ticket.get("status"),
                "zendesk_priority": priority,
                "zendesk_organization_id": organization,
                "zendesk_first_response_from": first_response_from,
                PARSE_ERROR: error,
            }
        )
    return rows_frame(rows, SOURCES["tickets"].columns)


ADAPTER = Adapter(
    tool=TOOL,
    source="tickets",
    reads=(
        "Zendesk incremental ticket export pages (tickets*.json) with ticket_metric_events*.json "
        "and/or ticket_metrics*.json, a folder per export"
    ),
    defaults=DEFAULTS,
    list_files=list_files,
    read=read,
)
