"""Readers for the contract's file formats, all landing as text columns.

Every value lands as text so that nothing is lost or coerced before validation: the staging
models parse it and quarantine what does not parse, with the file and line it came from. A
row's line is the line of the file it starts on, as an editor numbers them: a CSV value quoted
across several lines, blank lines and a blank line before the header all count.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

# How far an open-ended recurring maintenance event is expanded.
RRULE_HORIZON = timedelta(days=3 * 366)


class UnreadableFileError(RuntimeError):
    """A whole file could not be read; the run must fail naming it."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"cannot read {path}: {reason}")
        self.path = path
        self.reason = reason


# A column a reader or adapter fills with why a row could not be read (the quarantine reason).
PARSE_ERROR = "_parse_error"


def _to_text_frame(
    df: pl.DataFrame, first_line: int, lines: np.ndarray | None = None
) -> pl.DataFrame:
    """Cast every column to text, keep timestamps' offsets explicit, number the lines.

    Row i is on line first_line + i, unless `lines` gives each row's line.
    """
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is None:
                # A naive timestamp carries no offset: keep it that way so staging quarantines it.
                exprs.append(col.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f").alias(name))
            else:
                exprs.append(
                    col.dt.convert_time_zone("UTC")
                    .dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
                    .alias(name)
                )
        elif dtype == pl.Boolean:
            # a null stays null (missing), never "false": a missing `ok` is bad input, not Down
            exprs.append(
                pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false")).alias(name)
            )
        elif dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d").alias(name))
        elif dtype == pl.String:
            exprs.append(col)
        else:
            exprs.append(col.cast(pl.String).alias(name))
    out = df.select(exprs) if exprs else df
    if lines is not None:
        return out.insert_column(0, pl.Series("source_line", lines, dtype=pl.Int64))
    return out.with_row_index("source_line", offset=first_line).with_columns(
        pl.col("source_line").cast(pl.Int64)
    )


_BOM = b"\xef\xbb\xbf"


def _physical_lines(raw: bytes) -> int:
    """Lines as an editor numbers them: a last line without a newline still counts."""
    return raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)


def _csv_record_lines(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The line each data record of a CSV starts on, records split the way polars splits them,
    and whether the record is an empty line (polars reads one as a row of nulls).

    A record ends at a newline outside quotes: one with an even number of quote characters
    before it (an escaped "" counts twice). Empty lines before the header are skipped.
    """
    buf = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(buf == ord("\n"))
    quotes = np.flatnonzero(buf == ord('"'))
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    starts = np.concatenate(([0], ends + 1))
    starts = starts[starts < len(raw)]
    lines = np.searchsorted(newlines, starts) + 1
    empty = np.isin(buf[starts], (ord("\n"), ord("\r")))
    header = int(np.argmin(empty))  # the first line that is not empty
    return lines[header + 1 :], empty[header + 1 :]


def _gunzip(path: Path, raw: bytes) -> bytes:
    try:
        return gzip.decompress(raw)
    # a bad header is an OSError, a damaged stream a zlib.error, a truncated one an EOFError
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFileError(path, f"not valid gzip ({exc})") from exc


def _read_csv_records(path: Path, raw: bytes) -> pl.DataFrame:
    """Record by record, for a file polars refused: a row with more fields than the header is
    quarantined (its reason in PARSE_ERROR) instead of failing the file. A row with fewer is
    filled with nulls, as polars fills it, and judged on what it holds."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(path, f"not UTF-8 ({exc})") from exc
    # each record with the line it starts on (a quoted value may span lines); empty lines,
    # which polars skips too, are no records
    records: list[tuple[list[str], int]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    ended = 0
    try:
        for record in reader:
            if record:
                records.append((record, ended + 1))
            ended = reader.line_num
    except csv.Error as exc:
        raise UnreadableFileError(path, f"malformed CSV ({exc})") from exc
    if not records:
        return pl.DataFrame({"source_line": pl.Series([], dtype=pl.Int64)})
    header = [c.strip() for c in records[0][0]]
    out: dict[str, list[str | None]] = {c: [] for c in [*header, PARSE_ERROR, "source_line"]}
    for record, line in records[1:]:
        for position, column in enumerate(header):
            value = record[position] if position < len(record) else None
            out[column].append(value or None)
        extra = len(record) > len(header)
        out[PARSE_ERROR].append(
            f"more fields than the header: {len(record)} for {len(header)}" if extra else None
        )
        out["source_line"].append(str(line))
    df = pl.DataFrame(out, schema={c: pl.String for c in out})
    return df.with_columns(pl.col("source_line").cast(pl.Int64))


def read_csv(path: Path) -> pl.DataFrame:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        raw = _gunzip(path, raw)
    if b"\n" not in raw and b"\r" in raw:
        # old Mac line endings: polars would read the whole file as one header line
        raw = raw.replace(b"\r", b"\n")
    if not raw or raw.isspace():  # raw.strip() would copy the whole file
        return pl.DataFrame({"source_line": pl.Series([], dtype=pl.Int64)})
    try:
        # from the bytes themselves: a BytesIO costs polars another copy of the file
        df = pl.read_csv(raw, infer_schema=False)
    except Exception:  # noqa: BLE001 - polars refuses a ragged row: read record by record
        return _read_csv_records(path, raw)
    # Spreadsheet exports often start with a byte-order mark and pad their headers.
    df = df.rename({c: c.lstrip("\ufeff").strip() for c in df.columns})
    # Nearly always one line per row after a one-line header: row i is line i + 2. That holds
    # exactly when the file has one line more than rows and does not start with an empty line
    # (every row takes at least one line). Otherwise find where each record starts. An empty
    # line is no row (as in JSON Lines): polars' row of nulls for it is dropped.
    text = raw.removeprefix(_BOM)
    blank = b"\n\n" in text or b"\n\r\n" in text
    if blank or text.startswith((b"\n", b"\r")) or _physical_lines(raw) != df.height + 1:
        lines, empty = _csv_record_lines(text)
        if len(lines) == df.height:
            if empty.any():
                keep = ~empty
                return _to_text_frame(df.filter(pl.Series(keep)), first_line=2, lines=lines[keep])
            return _to_text_frame(df, first_line=2, lines=lines)
    return _to_text_frame(df, first_line=2)


def read_json(path: Path) -> pl.DataFrame:
    """A `.json` file: JSON Lines under another name, or one array of row objects."""
    raw = _json_bytes(path)
    if raw.lstrip().startswith(b"["):
        return _read_json_array(path, raw)
    return read_jsonl(path)


def _json_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        raw = _gunzip(path, raw)
    return raw.removeprefix(_BOM)  # an editor's byte-order mark is no part of the first object


def _read_json_array(path: Path, raw: bytes) -> pl.DataFrame:
    """Each element of the array is a row, numbered by the line its object starts on."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(path, f"not UTF-8 ({exc})") from exc
    decoder = json.JSONDecoder()
    rows: list[dict[str, str | None]] = []
    at = text.index("[") + 1
    line, counted = 1, 0

    def skip(at: int) -> int:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        return at

    at = skip(at)
    while at < len(text) and text[at] != "]":
        try:
            obj, end = decoder.raw_decode(text, at)
        except ValueError as exc:
            # unlike a JSON Lines file, a broken array has no next row to go on with
            raise UnreadableFileError(path, f"not a valid JSON array ({exc})") from exc
        line += text.count("\n", counted, at)
        counted = at
        if isinstance(obj, dict):
            row = {k: _json_text(v) for k, v in obj.items()}
        else:
            row = {"_unparseable": text[at:end]}
        row["source_line"] = str(line)
        rows.append(row)
        at = skip(end)
        if at < len(text) and text[at] == ",":
            at = skip(at + 1)
        elif at >= len(text) or text[at] != "]":
            raise UnreadableFileError(path, "not a valid JSON array (expected , or ])")
    if at >= len(text) or text[skip(at + 1) :].strip():
        raise UnreadableFileError(path, "not a valid JSON array (nothing may follow it)")
    return _text_rows(rows)


def read_jsonl(path: Path) -> pl.DataFrame:
    raw = _json_bytes(path)
    # Fast path: a clean file (every line an object, none blank, not even the first or the
    # last) is read by polars at full speed, and its row numbers are its line numbers.
    if raw and not raw.isspace() and not raw.startswith((b"\n", b"\r")):
        try:
            df = _read_ndjson_whole(path, raw)
            if df.height == _physical_lines(raw):
                return _to_text_frame(df, first_line=1)
        except Exception:  # noqa: BLE001 - any failure falls back to the line-by-line reader
            pass
    return _read_jsonl_lines(path, raw)


# Inferring the schema from every line costs polars about 1.5 µs a line on one core: 10 s of
# the 13.5 s a 6.7 M-line probe file took. A schema inferred from the first lines reads the
# same frame when it names every key of the file and no column is nested (a list or an object
# can lose fields to it): a later value of another type fails the read instead of being
# coerced. DuckDB lists the keys of every line in parallel.
_SAMPLE_LINES = 10_000


def _read_ndjson_whole(path: Path, raw: bytes) -> pl.DataFrame:
    if _physical_lines(raw) > _SAMPLE_LINES:
        try:
            sampled = pl.read_ndjson(raw, infer_schema_length=_SAMPLE_LINES)
            flat = not any(dtype.is_nested() for dtype in sampled.dtypes)
            if flat and set(sampled.columns) == _json_keys(path):
                return sampled
        except Exception:  # noqa: BLE001 - a type the sample did not foresee: infer from all
            pass
    return pl.read_ndjson(raw, infer_schema_length=None)


def _json_keys(path: Path) -> set[str]:
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        rows = con.execute(
            "select distinct unnest(json_keys(json)) from read_ndjson_objects(?)", [str(path)]
        ).fetchall()
    return {r[0] for r in rows}


def _read_jsonl_lines(path: Path, raw: bytes) -> pl.DataFrame:
    """Line by line, so one broken line is quarantined instead of failing the file."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(path, f"not UTF-8 ({exc})") from exc
    rows: list[dict[str, str | None]] = []
    # only "\n" ends a line: str.splitlines() would also split at a U+2028 inside a JSON string
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError:
            rows.append({"source_line": str(number), "_unparseable": line})
            continue
        row = {k: _json_text(v) for k, v in obj.items()}
        row["source_line"] = str(number)
        rows.append(row)
    return _text_rows(rows)


def _text_rows(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    """Rows of text values (and their source_line) as a frame with every key a column."""
    if not rows:
        return pl.DataFrame({"source_line": pl.Series([], dtype=pl.Int64)})
    columns = list(dict.fromkeys(k for r in rows for k in r))
    df = pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in columns}, schema={c: pl.String for c in columns}
    )
    return df.with_columns(pl.col("source_line").cast(pl.Int64))


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def read_parquet(path: Path) -> pl.DataFrame:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFileError(path, f"not a readable Parquet file ({exc})") from exc
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return _to_text_frame(df, first_line=1)


def _wall_in(value: object, tz: tzinfo | None) -> object:
    """A date-time as wall-clock time in `tz` (naive), the way occurrences are compared."""
    if isinstance(value, datetime):
        if tz is not None:
            value = value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
        return value.replace(tzinfo=None)
    return value


def _recurrence_overrides(events: list) -> dict[str, set[object]]:
    """Per UID, the instants (RECURRENCE-ID) that an event of their own replaces or cancels.

    RFC 5545: an event with the UID of a recurring one and a RECURRENCE-ID takes the place of
    the occurrence that would have started then; with STATUS:CANCELLED there is none.
    """
    overrides: dict[str, set[object]] = {}
    for event in events:
        if event.get("UID") is not None and event.get("RECURRENCE-ID") is not None:
            overrides.setdefault(str(event.get("UID")), set()).add(event.decoded("RECURRENCE-ID"))
    return overrides


def read_ics(path: Path) -> pl.DataFrame:
    """Maintenance windows from iCalendar: recurring events expanded in their own zone.

    An occurrence moved or cancelled by an event of its own (RECURRENCE-ID) is not expanded:
    the moving event is the window, under the occurrence's window_id; a cancelled event
    (STATUS:CANCELLED) is no window at all.
    """
    import icalendar
    from dateutil.rrule import rrulestr

    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        cal = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise UnreadableFileError(path, f"not valid iCalendar ({exc})") from exc
    event_lines = [
        n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "BEGIN:VEVENT"
    ]
    events = list(cal.walk("VEVENT"))
    overrides = _recurrence_overrides(events)
    # Which version of each event (UID) this file holds: its main event's announcement. A
    # later file with the same UID replaces every occurrence of this one, including
    # occurrences the new version no longer has (int_maintenance_windows_deduplicated).
    versions = {
        str(event.get("UID")): _ics_text(_announced(event))
        for event in events
        if event.get("UID") is not None and event.get("RECURRENCE-ID") is None
    }
    rows: list[dict[str, str | None]] = []
    for index, event in enumerate(events):
        line = event_lines[index] if index < len(event_lines) else None
        uid = str(event.get("UID")) if event.get("UID") is not None else None
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start = event.decoded("DTSTART") if event.get("DTSTART") is not None else None
        end = event.decoded("DTEND") if event.get("DTEND") is not None else None
        duration = _duration(event.get("DURATION")) if event.get("DURATION") is not None else None
        if end is None and start is not None and duration is not None:
            end = _plus(start, duration)
        announced = _announced(event)
        categories = []
        for cat in (
            event.get("CATEGORIES", [])
            if isinstance(event.get("CATEGORIES"), list)
            else [event.get("CATEGORIES")]
        ):
            if cat is not None:
                categories.extend(str(c).strip().lower() for c in getattr(cat, "cats", [cat]))
        # a category that is "emergency", not one that merely contains it ("non-emergency")
        kind = "emergency" if "emergency" in categories else "scheduled"
        tenant = str(event.get("X-TENANT-ID")) if event.get("X-TENANT-ID") is not None else "*"
        base = {
            "tenant_id": tenant,
            "announced_at": _ics_text(announced),
            "kind": kind,
            "source_line": str(line) if line is not None else None,
        }
        if uid is not None and uid in versions:
            # Not for an override whose main event is in another file: it names no version
            # of the event, so it replaces only its own occurrence (by window_id).
            base["ics_series_uid"] = uid
            base["ics_series_announced_at"] = versions[uid]
        rule = event.get("RRULE")
        rdates = _rdates(event.get("RDATE"))
        if event.get("RECURRENCE-ID") is not None and uid is not None:
            # the occurrence it replaces keeps its id: one window, moved
            moved = _wall_in(event.decoded("RECURRENCE-ID"), _master_zone(events, uid, start))
            if isinstance(moved, datetime):
                uid = f"{uid}@{moved.strftime('%Y%m%dT%H%M%S')}"
            rule, rdates = None, []
        if (
            (rule is None and not rdates)
            or not isinstance(start, datetime)
            or not isinstance(end, datetime)
        ):
            rows.append(
                {**base, "window_id": uid, "starts_at": _ics_text(start), "ends_at": _ics_text(end)}
            )
            continue
        # Expand on wall-clock time in the event's own zone: dateutil builds each occurrence
        # from the rule's fields with the zone attached, so a 02:00 window stays at 02:00 local
        # across a DST change. An open-ended rule is cut at RRULE_HORIZON. Each occurrence
        # lasts what the event does (RFC 5545 3.8.5.3): DTEND's exact length, or DURATION's
        # days on the wall clock and its hours, minutes and seconds exactly.
        tz = start.tzinfo
        length = duration or (timedelta(0), _exact_length(start, end))
        excluded = {_wall_in(moved, tz) for moved in overrides.get(str(uid), set())}
        exdates = event.get("EXDATE")
        for ex in exdates if isinstance(exdates, list) else ([exdates] if exdates else []):
            for item in ex.dts:
                if isinstance(item.dt, datetime):
                    excluded.add(_wall_in(item.dt, tz))
        horizon = start + RRULE_HORIZON
        occurrences: dict[datetime, datetime] = {}
        if rule is not None:
            rule_text = rule.to_ical().decode()
            if tz is None:
                # floating times: compare UNTIL as floating too
                rule_text = re.sub(r"(UNTIL=\d{8}T\d{6})Z", r"\1", rule_text)
            for occurrence in rrulestr(rule_text, dtstart=start):
                if occurrence > horizon:
                    break
                occurrences.setdefault(occurrence.replace(tzinfo=None), occurrence)
        else:
            occurrences[start.replace(tzinfo=None)] = start  # RDATE adds to DTSTART's own
        for extra in rdates:
            at = extra.astimezone(tz) if tz is not None and extra.tzinfo else extra
            occurrences.setdefault(_wall_in(at, tz), at)  # type: ignore[arg-type]
        for wall, occurrence in sorted(occurrences.items()):
            if wall in excluded:
                continue
            rows.append(
                {
                    **base,
                    "window_id": f"{uid}@{wall.strftime('%Y%m%dT%H%M%S')}",
                    "starts_at": _ics_text(occurrence),
                    "ends_at": _ics_text(_plus(occurrence, length)),
                }
            )
    if not rows:
        return pl.DataFrame({"source_line": pl.Series([], dtype=pl.Int64)})
    columns = list(dict.fromkeys(k for r in rows for k in r))
    df = pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in columns}, schema={c: pl.String for c in columns}
    )
    return df.with_columns(pl.col("source_line").cast(pl.Int64))


_DURATION = re.compile(
    r"^(?P<sign>[+-])?P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)


def _duration(prop: object) -> tuple[timedelta, timedelta] | None:
    """An iCalendar DURATION as (nominal days, exact time): "P1D" is one calendar day, the
    same wall-clock time the next day; "PT24H" is 24 hours, also across a DST change."""
    text = prop.to_ical().decode() if hasattr(prop, "to_ical") else str(prop)
    found = _DURATION.match(text.strip().upper())
    if found is None:
        return None
    n = {k: int(v) if v else 0 for k, v in found.groupdict().items() if k != "sign"}
    sign = -1 if found["sign"] == "-" else 1
    return (
        sign * timedelta(weeks=n["w"], days=n["d"]),
        sign * timedelta(hours=n["h"], minutes=n["m"], seconds=n["s"]),
    )


def _plus(at: object, length: tuple[timedelta, timedelta]) -> object:
    """`at` plus a length: its days on the wall clock, the rest in elapsed time."""
    nominal, exact = length
    if not isinstance(at, datetime) or at.tzinfo is None:
        return at + nominal + exact  # type: ignore[operator]
    wall = (at.replace(tzinfo=None) + nominal).replace(tzinfo=at.tzinfo)
    return (wall.astimezone(UTC) + exact).astimezone(at.tzinfo)


def _exact_length(start: datetime, end: datetime) -> timedelta:
    """The time elapsed from start to end, also when their zones differ (DTEND in UTC)."""
    if start.tzinfo is not None and end.tzinfo is not None:
        return end.astimezone(UTC) - start.astimezone(UTC)
    return end.replace(tzinfo=None) - start.replace(tzinfo=None)


def _rdates(prop: object) -> list[datetime]:
    """The date-times an RDATE adds to a recurrence (a PERIOD counts by its start)."""
    found: list[datetime] = []
    for item in prop if isinstance(prop, list) else ([prop] if prop is not None else []):
        for value in getattr(item, "dts", []):
            at = value.dt[0] if isinstance(value.dt, tuple) else value.dt
            if isinstance(at, datetime):
                found.append(at)
    return found


def _announced(event: object) -> object:
    """When an event was announced: CREATED, else DTSTAMP (None when it has neither)."""
    for key in ("CREATED", "DTSTAMP"):
        if event.get(key) is not None:  # type: ignore[attr-defined]
            return event.decoded(key)  # type: ignore[attr-defined]
    return None


def _master_zone(events: list, uid: str, fallback: object) -> tzinfo | None:
    """The zone of the recurring event a RECURRENCE-ID belongs to (its DTSTART's)."""
    for event in events:
        if (
            str(event.get("UID")) == uid
            and event.get("RRULE") is not None
            and event.get("DTSTART") is not None
        ):
            start = event.decoded("DTSTART")
            if isinstance(start, datetime):
                return start.tzinfo
    return fallback.tzinfo if isinstance(fallback, datetime) else None


def _ics_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            # Floating time has no zone: it lands without offset and is quarantined.
            return value.strftime("%Y-%m-%dT%H:%M:%S")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_any(path: Path) -> pl.DataFrame:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return read_csv(path)
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        return read_jsonl(path)
    if name.endswith((".json", ".json.gz")):
        return read_json(path)
    if name.endswith(".parquet"):
        return read_parquet(path)
    if name.endswith(".ics"):
        return read_ics(path)
    raise UnreadableFileError(path, "unsupported file type")
