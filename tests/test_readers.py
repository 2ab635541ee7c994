"""The file readers on their own: every format lands as text, with offsets kept explicit."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import polars as pl

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
