"""The file readers on their own: every format lands as text, with offsets kept explicit."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.lib import readers
from orchestration.lib.ingest import ingest_source
from orchestration.lib.readers import read_any

ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:weekly-1
DTSTAMP:20260901T000000Z
CREATED:20260901T000000Z
DTSTART;TZID=Africa/Cairo:20261022T020000
DTEND;TZID=Africa/Cairo:20261022T040000
RRULE:FREQ=WEEKLY;UNTIL=20261112T000000Z
EXDATE;TZID=Africa/Cairo:20261105T020000
CATEGORIES:scheduled
X-TENANT-ID:t1
END:VEVENT
BEGIN:VEVENT
UID:emerg-1
DTSTAMP:20261001T000000Z
DTSTART:20261010T100000Z
DTEND:20261010T110000Z
CATEGORIES:EMERGENCY,security
END:VEVENT
BEGIN:VEVENT
UID:forever
DTSTAMP:20261001T000000Z
DTSTART;TZID=Asia/Tokyo:20261001T010000
DTEND;TZID=Asia/Tokyo:20261001T020000
RRULE:FREQ=DAILY
END:VEVENT
END:VCALENDAR
"""


def test_ics_recurrence_keeps_local_wall_time_across_dst(tmp_path: Path):
    path = tmp_path / "w.ics"
    path.write_text(ICS)
    df = read_any(path)
    weekly = df.filter(pl.col("window_id").str.starts_with("weekly-1")).sort("starts_at")
    # Oct 22 and 29 in summer time, Nov 5 excluded, Nov 12 (= UNTIL, 00:00Z) in winter time
    assert weekly["starts_at"].to_list() == [
        "2026-10-22T02:00:00+03:00",
        "2026-10-29T02:00:00+03:00",
        "2026-11-12T02:00:00+02:00",
    ]
    assert set(weekly["tenant_id"]) == {"t1"} and set(weekly["kind"]) == {"scheduled"}
    assert set(weekly["announced_at"]) == {"2026-09-01T00:00:00+00:00"}
    emergency = df.filter(pl.col("window_id") == "emerg-1").row(0, named=True)
    assert (emergency["kind"], emergency["tenant_id"]) == ("emergency", "*")
    # an open-ended rule is expanded to a horizon, not forever
    assert 1000 < df.filter(pl.col("window_id").str.starts_with("forever")).height < 1200


def test_csv_with_bom_and_gzip_and_jsonl_fallback(tmp_path: Path):
    csv = tmp_path / "a.csv.gz"
    with gzip.open(csv, "wb") as f:
        f.write("\ufefftenant_id,ok\r\na,TRUE\r\n".encode())
    df = read_any(csv)
    assert df.columns == ["source_line", "tenant_id", "ok"] and df.row(0) == (2, "a", "TRUE")
    jl = tmp_path / "b.jsonl"
    jl.write_text('{"tenant_id": "a", "ok": true, "latency_ms": 12}\n\nnot json\n')
    rows = read_any(jl).to_dicts()
    assert rows[0]["ok"] == "true" and rows[0]["source_line"] == 1
    assert rows[1]["_unparseable"] == "not json" and rows[1]["source_line"] == 3


def test_parquet_timestamps_keep_or_lack_their_offset(tmp_path: Path):
    path = tmp_path / "p.parquet"
    pl.DataFrame(
        {
            "aware": pl.Series([datetime(2026, 10, 1, 12)]).dt.replace_time_zone("Africa/Cairo"),
            "naive": [datetime(2026, 10, 1, 12)],
            "ok": [True],
        }
    ).write_parquet(path)
    row = read_any(path).row(0, named=True)
    assert row["aware"] == "2026-10-01T09:00:00.000000+00:00"
    assert row["naive"] == "2026-10-01T12:00:00.000000"  # no offset: staging quarantines it
    assert row["ok"] == "true" and row["source_line"] == 1


def test_a_row_is_numbered_by_the_line_it_starts_on(tmp_path: Path):
    """Help-desk exports quote text across lines; quarantine must still point at the right line."""
    csv = tmp_path / "a.csv"
    csv.write_bytes(
        b"\r\n"  # an empty line before the header (line 1), then the header (line 2)
        b"ticket_id,subject,priority\r\n"
        b'T1,"Login fails\r\nafter the ""upgrade""\r\nsince Monday",P1\r\n'  # lines 3-5
        b"\r\n"  # line 6: an empty line, no row (as in JSON Lines)
        b"T2,Printer,P9"  # line 7, no newline at the end
    )
    rows = read_any(csv).select("source_line", "ticket_id").rows()
    assert rows == [(3, "T1"), (7, "T2")]
    # an empty line where every line holds one row, and at the end; ",," is a row of blanks
    csv.write_bytes(b"\xef\xbb\xbf\nticket_id,subject\nT1,a\n\n,\nT2,b\n\n")
    rows = read_any(csv).select("source_line", "ticket_id").rows()
    assert rows == [(3, "T1"), (5, None), (6, "T2")]
    gz = tmp_path / "b.csv.gz"
    with gzip.open(gz, "wb") as f:
        f.write(b'ticket_id,subject\n"T1","a\nb"\nT2,c\n')
    assert read_any(gz).select("source_line", "ticket_id").rows() == [(2, "T1"), (4, "T2")]
    jl = tmp_path / "c.jsonl"
    # a blank first line, a U+2028 inside a string, a blank line at the end
    jl.write_text('\n{"ticket_id": "T1", "subject": "a\u2028b"}\r\n{"ticket_id": "T2"}\n\n')
    rows = read_any(jl).select("source_line", "ticket_id", "subject").rows()
    assert rows == [(2, "T1", "a\u2028b"), (3, "T2", None)]


def test_landed_rows_keep_those_lines(tmp_path: Path):
    folder = tmp_path / "raw" / "tickets"
    folder.mkdir(parents=True)
    header = "ticket_id,tenant_id,priority,created_at,first_response_at,subject"
    (folder / "t.csv").write_text(
        f'{header}\nT1,a,P1,2026-10-05T10:00:00Z,,"two\nlines"\nT2,a,P9,x,,z\n'
    )
    con = duckdb.connect()
    ingest_source(con, tmp_path, "tickets")
    lines = con.execute("select ticket_id, source_line from raw.tickets order by 2").fetchall()
    assert lines == [("T1", 2), ("T2", 4)]


@pytest.mark.parametrize(
    "lines",
    [
        ['{"a": "x", "n": 1}'] * 3 + ['{"a": "y", "n": 2, "late": "kept"}'],
        ['{"n": {"a": 1}}'] * 3 + ['{"n": {"b": 2}}'],
        ['{"n": [1]}'] * 3 + ['{"n": ["x"]}'],
        ['{"n": 1}'] * 3 + ['{"n": 1.5}'],
        ['{"n": null}'] * 3 + ['{"n": "x"}'],
        ['{"n": "a"}'] * 3 + ['{"n": 5}'],
        ['{"a": "x", "ok": true, "n": 1.5}'] * 4,
    ],
)
def test_json_lines_schema_from_a_sample_reads_what_every_line_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: list[str]
):
    """Only the first lines are inferred from; a key, type or nesting they miss changes nothing."""
    monkeypatch.setattr(readers, "_SAMPLE_LINES", 2)
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n")
    raw = path.read_bytes()
    every_line = pl.read_ndjson(raw, infer_schema_length=None)
    assert readers._read_ndjson_whole(path, raw).equals(every_line)


MOVED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:moved-1
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Africa/Cairo:20261112T020000
DTSTART;TZID=Africa/Cairo:20261113T020000
DTEND;TZID=Africa/Cairo:20261113T040000
END:VEVENT
BEGIN:VEVENT
UID:moved-1
DTSTAMP:20260901T000000Z
DTSTART;TZID=Africa/Cairo:20261105T020000
DTEND;TZID=Africa/Cairo:20261105T040000
RRULE:FREQ=WEEKLY;COUNT=4
END:VEVENT
BEGIN:VEVENT
UID:moved-1
DTSTAMP:20261101T000000Z
RECURRENCE-ID:20261119T000000Z
STATUS:CANCELLED
DTSTART;TZID=Africa/Cairo:20261119T020000
DTEND;TZID=Africa/Cairo:20261119T040000
END:VEVENT
BEGIN:VEVENT
UID:called-off
DTSTAMP:20261101T000000Z
STATUS:CANCELLED
DTSTART:20261110T100000Z
DTEND:20261110T110000Z
END:VEVENT
END:VCALENDAR
"""


def test_ics_occurrence_moved_or_cancelled_by_its_own_event(tmp_path: Path):
    """RFC 5545 RECURRENCE-ID: the moved occurrence is one window at its new time, under the
    occurrence's id; a cancelled occurrence, or a cancelled event, is no window at all."""
    path = tmp_path / "w.ics"
    path.write_text(MOVED)
    df = read_any(path).sort("starts_at")
    assert df.select("window_id", "starts_at", "ends_at", "announced_at").rows() == [
        (
            "moved-1@20261105T020000",
            "2026-11-05T02:00:00+02:00",
            "2026-11-05T04:00:00+02:00",
            "2026-09-01T00:00:00+00:00",
        ),
        # the 12th moved to the 13th (its own line and announcement)
        (
            "moved-1@20261112T020000",
            "2026-11-13T02:00:00+02:00",
            "2026-11-13T04:00:00+02:00",
            "2026-11-01T00:00:00+00:00",
        ),
        # the 19th (02:00 Cairo = 00:00Z) cancelled; the 26th as the rule says
        (
            "moved-1@20261126T020000",
            "2026-11-26T02:00:00+02:00",
            "2026-11-26T04:00:00+02:00",
            "2026-09-01T00:00:00+00:00",
        ),
    ]
    assert df.filter(pl.col("window_id") == "moved-1@20261112T020000")["source_line"].to_list() == [
        4
    ]
    # every row is of the event's version this file holds: its main event's announcement, also
    # the moved occurrence announced later (a later file with the UID replaces them all)
    assert set(df.select("ics_series_uid", "ics_series_announced_at").rows()) == {
        ("moved-1", "2026-09-01T00:00:00+00:00")
    }


def test_an_ics_override_without_its_event_replaces_only_its_occurrence(tmp_path: Path):
    """A file holding only a moved occurrence names no version of the event: it must not
    replace the event's other occurrences, only the one its window_id names."""
    path = tmp_path / "w.ics"
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:VEVENT\nUID:moved-1\n"
        "DTSTAMP:20261101T000000Z\nRECURRENCE-ID;TZID=Africa/Cairo:20261112T020000\n"
        "DTSTART;TZID=Africa/Cairo:20261113T020000\nDTEND;TZID=Africa/Cairo:20261113T040000\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    )
    df = read_any(path)
    assert df["window_id"].to_list() == ["moved-1@20261112T020000"]
    assert "ics_series_uid" not in df.columns


def test_a_row_with_a_field_too_many_is_one_bad_row_not_a_bad_file(tmp_path: Path):
    path = tmp_path / "claims.csv"
    path.write_text(
        "\nclaim_id,tenant_id\n"
        'c1,t1\nc2,t1,by phone\n\n"c3\nsecond line",t1\nc4\n'
    )  # fmt: skip
    rows = read_any(path).to_dicts()
    assert [(r["claim_id"], r["source_line"], r[readers.PARSE_ERROR]) for r in rows] == [
        ("c1", 3, None),
        ("c2", 4, "more fields than the header: 3 for 2"),
        ("c3\nsecond line", 6, None),
        ("c4", 8, None),  # a field too few is filled with null, as polars fills it
    ]


def test_a_truncated_gzip_names_its_file(tmp_path: Path):
    whole = gzip.compress(b"claim_id,tenant_id\n" + b"c1,t1\n" * 1000)
    for name in ("claims.csv.gz", "claims.jsonl.gz"):
        path = tmp_path / name
        path.write_bytes(whole[: len(whole) // 2])
        with pytest.raises(readers.UnreadableFileError) as caught:
            read_any(path)
        assert caught.value.path == path and "gzip" in caught.value.reason


def test_a_missing_boolean_stays_missing(tmp_path: Path):
    """A null `ok` is no answer: as text it stays null (quarantined), never "false" (Down)."""
    path = tmp_path / "p.jsonl"
    path.write_text('{"ok": true}\n{"ok": false}\n{"ok": null}\n{"other": 1}\n')
    assert read_any(path)["ok"].to_list() == ["true", "false", None, None]


def test_old_line_endings_a_bom_before_json_and_gzipped_ndjson(tmp_path: Path):
    mac = tmp_path / "mac.csv"
    mac.write_bytes(b"claim_id,tenant_id\rc1,t1\rc2,t2\r")
    assert read_any(mac).select("source_line", "claim_id").rows() == [(2, "c1"), (3, "c2")]
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b'\xef\xbb\xbf{"claim_id": "c1"}\n')
    assert read_any(bom).select("source_line", "claim_id").rows() == [(1, "c1")]
    nd = tmp_path / "c.ndjson.gz"
    nd.write_bytes(gzip.compress(b'{"claim_id": "c1"}\n'))
    assert read_any(nd)["claim_id"].to_list() == ["c1"]


def test_only_the_emergency_category_makes_an_emergency(tmp_path: Path):
    path = tmp_path / "w.ics"
    path.write_text(
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n"
        "BEGIN:VEVENT\nUID:a\nDTSTAMP:20261001T000000Z\nDTSTART:20261010T100000Z\n"
        "DTEND:20261010T110000Z\nCATEGORIES:non-emergency\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:b\nDTSTAMP:20261001T000000Z\nDTSTART:20261011T100000Z\n"
        "DTEND:20261011T110000Z\nCATEGORIES:maintenance, Emergency\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    kinds = dict(read_any(path).select("window_id", "kind").rows())
    assert kinds == {"a": "scheduled", "b": "emergency"}


def test_a_json_file_is_json_lines_or_one_array_of_rows(tmp_path: Path):
    lines = tmp_path / "claims.json"
    lines.write_text('{"claim_id": "c1", "n": 1}\n{"claim_id": "c2", "n": true}\n')
    assert read_any(lines).select("source_line", "claim_id", "n").rows() == [
        (1, "c1", "1"),
        (2, "c2", "true"),
    ]
    array = tmp_path / "claims.json.gz"
    text = '\ufeff[\n  {"claim_id": "c1",\n   "ok": false},\n  7,\n  {"claim_id": "c3", "ok": null}\n]\n'
    array.write_bytes(gzip.compress(text.encode()))
    frame = read_any(array)
    # each row is numbered by the line its element starts on; a non-object is a bad row
    assert frame.select("source_line", "claim_id", "ok", "_unparseable").rows() == [
        (2, "c1", "false", None),
        (4, None, None, "7"),
        (5, "c3", None, None),
    ]
    assert read_any(tmp_path / "claims.json.gz").height == 3
    empty = tmp_path / "empty.json"
    empty.write_text("[ ]")
    assert read_any(empty).height == 0
    for broken in ('[{"claim_id": "c1"}', '[{"claim_id": "c1"} {"claim_id": "c2"}]', "[1] 2"):
        bad = tmp_path / "bad.json"
        bad.write_text(broken)
        with pytest.raises(readers.UnreadableFileError, match="not a valid JSON array"):
            read_any(bad)


def test_a_file_no_reader_takes_fails_the_run_by_name(tmp_path: Path):
    folder = tmp_path / "raw" / "claims"
    (folder / ".hidden").mkdir(parents=True)
    (folder / "c.csv").write_text("claim_id,tenant_id\nc1,t1\n")
    (folder / "c.xlsx").write_bytes(b"PK")
    (folder / ".hidden" / "notes.txt").write_text("an editor's file")
    (folder / ".DS_Store").write_bytes(b"")
    con = duckdb.connect()
    report = ingest_source(con, tmp_path, "claims")
    assert len(report.unreadable) == 1
    assert report.unreadable[0].startswith("raw/claims/c.xlsx: not a file type the platform reads")
    # the readable files still land; the run then fails naming the other
    assert con.execute("select claim_id from raw.claims").fetchall() == [("c1",)]


def _vevents(*bodies: str) -> str:
    events = "".join(f"BEGIN:VEVENT\nDTSTAMP:20261001T000000Z\n{b}END:VEVENT\n" for b in bodies)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\n{events}END:VCALENDAR\n"


def test_ics_lengths_are_exact_and_rdate_adds_occurrences(tmp_path: Path):
    """RFC 5545: every occurrence lasts DTEND's exact length (also when DTEND is in UTC and
    DTSTART is not); DURATION's hours are exact, its days are calendar days; RDATE adds
    occurrences. Cairo sets its clocks back from 00:00 to 23:00 on the night of 29 October."""
    path = tmp_path / "w.ics"
    path.write_text(
        _vevents(
            # 23:00-03:00 (+03) = 4 h; on the 29th the same 4 h end at 02:00 (+02), not 03:00
            "UID:span\nDTSTART;TZID=Africa/Cairo:20261022T230000\n"
            "DTEND;TZID=Africa/Cairo:20261023T030000\nRRULE:FREQ=WEEKLY;COUNT=2\n",
            # start in Cairo (23:00Z), end in UTC (01:00Z): 2 h, every week
            "UID:mixed\nDTSTART;TZID=Africa/Cairo:20261015T020000\nDTEND:20261015T010000Z\n"
            "RRULE:FREQ=WEEKLY;COUNT=2\n",
            "UID:hours\nDTSTART;TZID=Africa/Cairo:20261029T220000\nDURATION:PT4H\n",
            "UID:day\nDTSTART;TZID=Africa/Cairo:20261029T120000\nDURATION:P1D\n",
            "UID:rdate\nDTSTART;TZID=Africa/Cairo:20261010T020000\n"
            "DTEND;TZID=Africa/Cairo:20261010T040000\nRDATE;TZID=Africa/Cairo:20261024T020000\n",
        )
    )
    got = {r[0]: r[1:] for r in read_any(path).select("window_id", "starts_at", "ends_at").rows()}
    assert got == {
        "span@20261022T230000": ("2026-10-22T23:00:00+03:00", "2026-10-23T03:00:00+03:00"),
        "span@20261029T230000": ("2026-10-29T23:00:00+03:00", "2026-10-30T02:00:00+02:00"),
        "mixed@20261015T020000": ("2026-10-15T02:00:00+03:00", "2026-10-15T04:00:00+03:00"),
        "mixed@20261022T020000": ("2026-10-22T02:00:00+03:00", "2026-10-22T04:00:00+03:00"),
        "hours": ("2026-10-29T22:00:00+03:00", "2026-10-30T01:00:00+02:00"),
        "day": ("2026-10-29T12:00:00+03:00", "2026-10-30T12:00:00+02:00"),
        "rdate@20261010T020000": ("2026-10-10T02:00:00+03:00", "2026-10-10T04:00:00+03:00"),
        "rdate@20261024T020000": ("2026-10-24T02:00:00+03:00", "2026-10-24T04:00:00+03:00"),
    }
