"""Uptime Kuma 1.23: heartbeats from a copy of its SQLite database land as probe results.

Each database is one Kuma instance, so one vantage point: the location. A monitor names its
tenant and component by tags (`tenant`, `component`, the tag's value), by a mapping.yaml entry,
or by its name (`tenant_id/component`). Kuma stores `heartbeat.time` in UTC without an offset,
so the adapter adds `+00:00`, as the contract asks of an adapter for such a tool.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import polars as pl

from ..readers import UnreadableFileError
from .common import PARSE_ERROR, Adapter, AdapterFile, glob_files, text_keys

TOOL = "uptime_kuma"
SUFFIXES = (".db", ".sqlite", ".sqlite3")

DEFAULTS: dict[str, Any] = {
    "tenant_tag": "tenant",
    "component_tag": "component",
    "name_separator": "/",
    "monitors": {},  # monitor name or id -> {tenant, component}
    "ignore_monitors": [],  # monitor names or ids never landed (not SLA monitors)
    "locations": {},  # instance (folder or file stem) -> location
}

# heartbeat.status as Kuma 1.23 writes it (src/util.ts: DOWN, UP, PENDING, MAINTENANCE)
DOWN, UP, PENDING, MAINTENANCE = 0, 1, 2, 3
# 'YYYY-MM-DD HH:MM:SS.fff' (R.isoDateTimeMillis); older rows lack the milliseconds
KUMA_TIME = r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)Z?$"


def instance_of(path: Path, folder: Path) -> str:
    """`fra/2026-11-03.db` -> fra (dated snapshots of one instance); `fra.db` -> fra."""
    return path.stem if path.parent == folder else path.parent.name


def list_files(folder: Path) -> list[AdapterFile]:
    return [AdapterFile(p) for p in glob_files(folder, *SUFFIXES)]


def _query(path: Path, con: sqlite3.Connection, sql: str) -> list[tuple]:
    try:
        return con.execute(sql).fetchall()
    except sqlite3.DatabaseError as exc:
        raise UnreadableFileError(path, f"not an Uptime Kuma database ({exc})") from exc


def monitor_targets(
    monitors: list[tuple], tags: list[tuple], mapping: dict[str, Any]
) -> dict[int, tuple[str | None, str | None, str | None]]:
    """monitor id -> (tenant, component, reason it cannot be mapped), in precedence order:
    a mapping.yaml entry, then the monitor's tags, then its name."""
    tag_values: dict[tuple[int, str], set[str]] = {}
    for monitor_id, tag_name, value in tags:
        key = (monitor_id, str(tag_name or "").strip().lower())
        tag_values.setdefault(key, set()).add(str(value or "").strip())
    explicit = text_keys(mapping["monitors"])
    separator = mapping["name_separator"]
    out: dict[int, tuple[str | None, str | None, str | None]] = {}
    for monitor_id, name in monitors:
        entry = explicit.get(str(name or "").strip()) or explicit.get(str(monitor_id)) or {}
        by_name: list[str | None] = [None, None]
        if separator and name and separator in name:
            by_name = [part.strip() or None for part in name.split(separator, 1)]
        values: list[str | None] = []
        reason = None
        for field, position in (("tenant", 0), ("component", 1)):
            tagged = tag_values.get((monitor_id, mapping[f"{field}_tag"].lower()), set()) - {""}
            if len(tagged) > 1:
                reason = f"Uptime Kuma monitor {name!r} has several {field} tags: {sorted(tagged)}"
            values.append(
                entry.get(field) or (min(tagged) if tagged else None) or by_name[position]
            )
        if reason is None and (values[0] is None or values[1] is None):
            reason = (
                f"unmapped Uptime Kuma monitor {name!r} (id {monitor_id}): no "
                f"{mapping['tenant_tag']}/{mapping['component_tag']} tags, no mapping.yaml "
                f"entry, and the name is not tenant{separator}component"
            )
        out[monitor_id] = (values[0], values[1], reason)
    return out


def read(entry: AdapterFile, folder: Path, mapping: dict[str, Any]) -> pl.DataFrame:
    path = entry.path
    with open(path, "rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        raise UnreadableFileError(path, "not an SQLite database")
    # Read-only, so a copy that is also Kuma's live file is never written to.
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        monitors = _query(path, con, "select id, name from monitor")
        tags = _query(
            path,
            con,
            "select monitor_tag.monitor_id, tag.name, monitor_tag.value "
            "from monitor_tag join tag on tag.id = monitor_tag.tag_id",
        )
        heartbeats = _query(
            path,
            con,
            # as text: a value of an unexpected type is quarantined, not a failed file
            "select id, monitor_id, cast(status as text), cast(time as text), "
            "cast(ping as text) from heartbeat order by id",
        )
    finally:
        con.close()
    ignored = {str(m).strip() for m in mapping["ignore_monitors"]}
    skip = {mid for mid, name in monitors if str(mid) in ignored or str(name).strip() in ignored}
    names = dict(monitors)
    targets = monitor_targets(monitors, tags, mapping)
    instance = instance_of(path, folder)
    location = str(text_keys(mapping["locations"]).get(instance, instance))

    frame = pl.DataFrame(
        heartbeats,
        schema={
            "source_line": pl.Int64,
            "monitor_id": pl.Int64,
            "status": pl.String,
            "time": pl.String,
            "ping": pl.String,
        },
        orient="row",
    ).filter(~pl.col("monitor_id").is_in(list(skip)))
    known = pl.DataFrame(
        {
            "monitor_id": list(targets),
            "tenant_id": [t[0] for t in targets.values()],
            "component": [t[1] for t in targets.values()],
            "_unmapped": [t[2] for t in targets.values()],
            "uptime_kuma_monitor": [names[m] for m in targets],
        },
        schema={
            "monitor_id": pl.Int64,
            "tenant_id": pl.String,
            "component": pl.String,
            "_unmapped": pl.String,
            "uptime_kuma_monitor": pl.String,
        },
    )
    frame = frame.join(known, on="monitor_id", how="left")
    status, time = pl.col("status"), pl.col("time")
    is_kuma_time = time.str.contains(KUMA_TIME).fill_null(False)
    reason = (
        pl.when(pl.col("_unmapped").is_not_null())
        .then(pl.col("_unmapped"))
        .when(pl.col("uptime_kuma_monitor").is_null())
        .then(
            pl.format("heartbeat of monitor id {}, which the database does not list", "monitor_id")
        )
        .when(status == str(MAINTENANCE))
        .then(pl.lit("Uptime Kuma MAINTENANCE heartbeat: no check ran, so no result to count"))
        .when(~status.is_in([str(DOWN), str(UP), str(PENDING)]).fill_null(True))
        .then(pl.format("unknown Uptime Kuma status {}", status))
        .when(~is_kuma_time)
        .then(pl.format("unparseable Uptime Kuma time {}", time))
    )
    return frame.select(
        "source_line",
        "tenant_id",
        "component",
        pl.lit(location).alias("location"),
        pl.when(is_kuma_time)
        .then(time.str.replace(KUMA_TIME, "${1}T${2}+00:00"))
        .otherwise(time)
        .alias("checked_at"),
        # PENDING is a failed check still being retried: the service did not answer.
        pl.when(status == str(UP))
        .then(pl.lit("true"))
        .when(status.is_in([str(DOWN), str(PENDING)]))
        .then(pl.lit("false"))
        .alias("ok"),
        pl.col("ping").alias("latency_ms"),
        pl.col("monitor_id").cast(pl.String).alias("uptime_kuma_monitor_id"),
        "uptime_kuma_monitor",
        status.alias("uptime_kuma_status"),
        reason.alias(PARSE_ERROR),
    )


ADAPTER = Adapter(
    tool=TOOL,
    source="probes",
    reads="Uptime Kuma 1.23 SQLite databases (*.db, *.sqlite, *.sqlite3)",
    defaults=DEFAULTS,
    list_files=list_files,
    read=read,
)
