"""Source adapters: each tool's own export lands in the contract's raw tables, so staging,
quarantine and the marts treat it exactly like a contract file.

Unit tests read the fixtures under tests/fixtures/<tool>/ (written to each tool's documented
export format); one world then runs October 2026 through the real CLI, Dagster, dbt and
DuckDB with every adapter feeding it, and the marts are checked against hand-worked numbers.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.lib.adapters import ADAPTERS
from orchestration.lib.adapters.freshdesk import LocalTimeError, localize
from orchestration.lib.ingest import ensure_raw_schema, ingest_source
from orchestration.lib.readers import UnreadableFileError
from tests.scenario import Tenant, World, utc, warehouse_env

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = "2026-11-25T00:00:00Z"
OCT = [(utc(2026, 9, 29), utc(2026, 11, 2))]
M = timedelta(minutes=1)


def kuma_db(path: Path, *, seed: bool = True) -> Path:
    """A Kuma 1.23 database from the committed schema (and the small seed, unless told)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript((FIXTURES / "uptime_kuma" / "schema.sql").read_text())
    if seed:
        con.executescript((FIXTURES / "uptime_kuma" / "seed.sql").read_text())
    con.commit()
    con.close()
    return path


def place(root: Path, tool: str, mapping: str | None = None) -> Path:
    """Copy a tool's fixtures to root/sources/<tool>/, optionally with another mapping.yaml."""
    folder = root / "sources" / tool
    if (FIXTURES / tool).is_dir() and tool != "uptime_kuma":
        shutil.copytree(FIXTURES / tool, folder)
    folder.mkdir(parents=True, exist_ok=True)
    if mapping is not None:
        (folder / "mapping.yaml").write_text(mapping)
    return folder


def read(root: Path, tool: str) -> dict[str, pl.DataFrame]:
    adapter = ADAPTERS[tool]
    return {f.path.relative_to(root).as_posix(): adapter.load(root, f) for f in adapter.files(root)}


def by_line(frame: pl.DataFrame, *columns: str) -> dict[int, tuple]:
    return {r["source_line"]: tuple(r.get(c) for c in columns) for r in frame.iter_rows(named=True)}


# --- unit tests: one adapter at a time ---------------------------------------------------


def test_uptime_kuma_maps_tags_names_and_statuses(tmp_path: Path):
    folder = place(
        tmp_path,
        "uptime_kuma",
        "ignore_monitors: [internal db]\nlocations: {fra: Frankfurt}\n",
    )
    kuma_db(folder / "fra.db")
    frame = read(tmp_path, "uptime_kuma")["sources/uptime_kuma/fra.db"]
    rows = by_line(
        frame,
        "tenant_id",
        "component",
        "location",
        "checked_at",
        "ok",
        "latency_ms",
        "_parse_error",
    )
    assert rows[1] == (
        "acme",
        "core",
        "Frankfurt",
        "2026-10-12T07:59:00.120+00:00",
        "true",
        "87",
        None,
    )
    # PENDING is a failed check that Kuma is retrying: the service did not answer
    assert rows[2][4:] == ("false", None, None) and rows[2][3] == "2026-10-12T08:00:00.450+00:00"
    assert rows[3][4] == "false" and rows[4][4] == "true"
    assert rows[5][6] == "Uptime Kuma MAINTENANCE heartbeat: no check ran, so no result to count"
    # the name convention, and Kuma's older second-precision times
    assert rows[6] == (
        "beta-co",
        "core",
        "Frankfurt",
        "2026-10-12T08:00:30+00:00",
        "true",
        "12",
        None,
    )
    assert rows[7][6].startswith("unmapped Uptime Kuma monitor 'mystery box' (id 3)")
    assert 8 not in rows  # ignored on purpose: not an SLA monitor
    assert rows[9][6] == "unknown Uptime Kuma status 7"
    assert rows[10][6] == "unparseable Uptime Kuma time yesterday"
    assert rows[11][6].startswith("Uptime Kuma monitor 'group of things' has several tenant tags")


def test_uptime_kuma_instance_folder_and_explicit_monitor_mapping(tmp_path: Path):
    folder = place(tmp_path, "uptime_kuma", "monitors:\n  3: {tenant: acme, component: network}\n")
    kuma_db(folder / "iad" / "2026-11-03.db")
    frame = read(tmp_path, "uptime_kuma")["sources/uptime_kuma/iad/2026-11-03.db"]
    rows = by_line(frame, "tenant_id", "component", "location", "_parse_error")
    # a dated snapshot in the instance's folder: the folder names the location
    assert rows[1] == ("acme", "core", "iad", None)
    assert rows[7] == ("acme", "network", "iad", None)  # by monitor id, from mapping.yaml
    assert rows[8][3].startswith("unmapped Uptime Kuma monitor 'internal db'")


def test_prometheus_labels_fallbacks_and_bad_samples(tmp_path: Path):
    place(
        tmp_path,
        "prometheus",
        "instances:\n  'https://beta.example/health': {tenant: beta-co, component: core}\n",
    )
    frame = read(tmp_path, "prometheus")["sources/prometheus/probe_success.json"]
    rows = by_line(frame, "tenant_id", "component", "location", "checked_at", "ok", "_parse_error")
    assert rows[1] == ("acme", "core", "fra", "2026-10-12T08:00:00.000000+00:00", "true", None)
    # float seconds kept exact, not rounded through a binary float
    assert rows[2] == ("acme", "core", "fra", "2026-10-12T08:01:00.500000+00:00", "false", None)
    assert rows[3][5] == "probe_success value 'NaN' is neither 0 nor 1"
    # no location label: the scrape job (one per prober location) names it
    assert rows[4][:3] == ("acme", "core", "blackbox-iad")
    # tenant and component from mapping.yaml by the probed target
    assert rows[5] == (
        "beta-co",
        "core",
        "blackbox",
        "2026-10-12T08:00:00.000000+00:00",
        "true",
        None,
    )
    assert rows[7][5] == "series of probe_duration_seconds, not probe_success"
    unmapped = read(place(tmp_path / "other", "prometheus").parent.parent, "prometheus")
    reason = by_line(unmapped["sources/prometheus/probe_success.json"], "_parse_error")[5][0]
    assert reason.startswith('unmapped Prometheus series {__name__="probe_success", instance=')


def test_zendesk_first_reply_from_events_across_exports_then_metrics(tmp_path: Path):
    place(tmp_path, "zendesk")
    pages = read(tmp_path, "zendesk")
    first = by_line(
        pages["sources/zendesk/2026-10-09/tickets.json"], "ticket_id", "first_response_at"
    )
    assert first == {1: ("101", "2026-10-07T14:40:00Z"), 2: ("102", None)}
    later = pages["sources/zendesk/2026-10-20/tickets.json"]
    rows = by_line(
        later,
        "ticket_id",
        "tenant_id",
        "severity",
        "created_at",
        "first_response_at",
        "exported_at",
        "channel",
        "_parse_error",
    )
    # 101's reply event is in the earlier export's event file: still its first reply
    assert rows[1] == (
        "101",
        "desk-z",
        "P2",
        "2026-10-07T14:00:00Z",
        "2026-10-07T14:40:00Z",
        "2026-10-20T00:00:00+00:00",
        "email",
        None,
    )
    assert rows[2][4] == "2026-10-11T07:30:00Z"
    # no first-reply event (instance 2 follows a reopening): the metric's whole minutes
    assert rows[3][1:5] == ("desk-z", "P1", "2026-10-12T10:00:00Z", "2026-10-12T11:15:00+00:00")
    assert rows[4][7] == (
        "Zendesk organization 4242 is not in mapping.yaml organizations and no "
        "tenant:<tenant_id> tag"
    )
    # tenant from a tag; the event (60 min) wins over the metric (61 min)
    assert rows[5][1:5] == ("desk-z", "P4", "2026-10-13T06:00:00Z", "2026-10-13T07:00:00Z")
    assert rows[6][7] == "no priority set in Zendesk and no default_severity in mapping.yaml"
    extra = later.filter(pl.col("source_line") == 3)["zendesk_first_response_from"][0]
    assert extra == "ticket_metrics reply_time_in_minutes (whole minutes)"


def test_freshdesk_local_times_convert_dst_correctly():
    cairo = __import__("zoneinfo").ZoneInfo("Africa/Cairo")
    fmt = ["%Y-%m-%d %H:%M:%S"]

    def iso(text: str, ambiguous: str = "quarantine") -> str:
        return localize(text, cairo, fmt, ambiguous).isoformat()

    # Cairo: +02:00 in winter, +03:00 from 24 April 2026 00:00 to 29 October 2026 24:00
    assert iso("2026-04-23 23:59:59") == "2026-04-23T23:59:59+02:00"
    assert iso("2026-04-24 01:00:00") == "2026-04-24T01:00:00+03:00"
    assert iso("2026-10-29 22:59:59") == "2026-10-29T22:59:59+03:00"
    assert iso("2026-10-30 00:00:00") == "2026-10-30T00:00:00+02:00"
    assert iso("2026-10-29 23:30:00", "earlier") == "2026-10-29T23:30:00+03:00"
    assert iso("2026-10-29 23:30:00", "later") == "2026-10-29T23:30:00+02:00"
    assert iso("2026-10-29T23:30:00Z") == "2026-10-29T23:30:00+00:00"  # an offset is kept
    with pytest.raises(LocalTimeError, match="happens twice in Africa/Cairo"):
        iso("2026-10-29 23:30:00")
    with pytest.raises(LocalTimeError, match="does not exist in Africa/Cairo"):
        iso("2026-04-24 00:30:00")


def test_freshdesk_export_maps_priority_company_and_export_time(tmp_path: Path):
    place(tmp_path, "freshdesk")
    frame = read(tmp_path, "freshdesk")["sources/freshdesk/tickets.csv"]
    rows = by_line(
        frame,
        "ticket_id",
        "tenant_id",
        "severity",
        "created_at",
        "first_response_at",
        "exported_at",
        "channel",
        "_parse_error",
    )
    # the export's time is its latest "Last update time": 31 Oct 18:00 Cairo, after DST ended
    assert rows[2] == (
        "7001",
        "desk-f",
        "P3",
        "2026-10-13T09:00:00+03:00",
        "2026-10-13T12:30:00+03:00",
        "2026-10-31T18:00:00+02:00",
        "email",
        None,
    )
    assert rows[3][3:5] == ("2026-10-30T10:00:00+02:00", "2026-10-30T10:45:00+02:00")
    assert rows[4][3] == "2026-10-29 23:30:00"  # raw value kept for the quarantine row
    assert (
        rows[4][7]
        == "Created time: 2026-10-29 23:30:00 happens twice in Africa/Cairo (clocks went back)"
    )
    assert rows[5][1:3] == ("Unknown Co", "P4")  # no mapping: staging says "unknown tenant"


def test_statuspage_components_pages_and_default_tenant(tmp_path: Path):
    folder = place(tmp_path, "statuspage")
    frames = read(tmp_path, "statuspage")
    main = by_line(
        frames["sources/statuspage/scheduled_maintenances.json"],
        "window_id",
        "tenant_id",
        "starts_at",
        "ends_at",
        "announced_at",
        "kind",
    )
    assert main[1] == (
        "m60:sp-60",
        "sp-60",
        "2026-10-14T04:00:00.000+03:00",
        "2026-10-14T06:00:00.000+03:00",
        "2026-10-11T16:00:00.000+03:00",
        "scheduled",
    )
    page = by_line(frames["sources/statuspage/sp-80-page.json"], "window_id", "tenant_id")
    assert page == {1: ("m80", "sp-80")}
    # nothing mapped: the page speaks to every tenant, unless default_tenant is null
    (folder / "mapping.yaml").write_text("{}\n")
    assert by_line(
        read(tmp_path, "statuspage")["sources/statuspage/sp-80-page.json"], "tenant_id"
    ) == {1: ("*",)}
    (folder / "mapping.yaml").write_text("default_tenant: null\n")
    frame = read(tmp_path, "statuspage")["sources/statuspage/sp-80-page.json"]
    assert frame["_parse_error"][0].startswith("Statuspage maintenance on page pg-sp80")


@pytest.mark.parametrize(
    ("tool", "name", "fixture", "mapping", "message"),
    [
        (
            "prometheus",
            "bad.json",
            "prometheus_error.json",
            None,
            "Prometheus answered status 'error'",
        ),
        ("statuspage", "cut.json", "not_json.json", None, "not valid JSON"),
        ("uptime_kuma", "fra.db", "not_kuma.db", None, "not an SQLite database"),
        (
            "freshdesk",
            "contacts.csv",
            "freshdesk_contacts.csv",
            "timezone: UTC\n",
            "not a Freshdesk ticket export",
        ),
        ("freshdesk", "t.csv", "freshdesk_contacts.csv", "companies: {}\n", "needs timezone"),
        (
            "zendesk",
            "e/tickets.json",
            "not_json.json",
            "organisations: {}\n",
            "unknown key(s) organisations",
        ),
    ],
)
def test_unreadable_inputs_fail_naming_the_file(tmp_path, tool, name, fixture, mapping, message):
    folder = tmp_path / "sources" / tool
    (folder / name).parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "malformed" / fixture, folder / name)
    if mapping is not None:
        (folder / "mapping.yaml").write_text(mapping)
    adapter = ADAPTERS[tool]
    (entry,) = adapter.files(tmp_path)
    with pytest.raises(UnreadableFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        adapter.load(tmp_path, entry)


def test_ingest_lands_adapter_files_once_and_replaces_changed_ones(tmp_path: Path):
    for tool in ("prometheus", "zendesk", "freshdesk", "statuspage"):
        place(tmp_path, tool)
    kuma_db(place(tmp_path, "uptime_kuma") / "fra.db")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_raw_schema(con)

    def land() -> dict[str, tuple[int, int, int, int]]:
        out = {}
        for name in ("probes", "tickets", "maintenance"):
            r = ingest_source(con, tmp_path, name)
            assert not r.unreadable
            out[name] = (r.files_new, r.files_replaced, r.rows_added, r.rows_total)
        return out

    assert land() == {
        "probes": (2, 0, 18, 18),
        "tickets": (3, 0, 12, 12),
        "maintenance": (2, 0, 4, 4),
    }
    assert land() == {
        "probes": (0, 0, 0, 18),
        "tickets": (0, 0, 0, 12),
        "maintenance": (0, 0, 0, 4),
    }
    row = con.execute(
        "select ticket_id, tenant_id, parse_error, source_line, extra from raw.tickets "
        "where source_file = 'sources/zendesk/2026-10-20/tickets.json' and ticket_id = '104'"
    ).fetchone()
    assert row[1] is None and row[2].startswith("Zendesk organization 4242") and row[3] == 4
    assert json.loads(row[4])["zendesk_organization_id"] == "4242"
    # every timestamp an adapter wrote parsed, with its offset, when it landed
    bad = con.execute(
        "select count(*) from raw.probes where parse_error is null and checked_at_us is null"
    ).fetchone()
    assert bad == (0,)

    # a mapping change re-lands every page it maps, whole; nothing else
    zendesk = tmp_path / "sources" / "zendesk"
    (zendesk / "mapping.yaml").write_text("organizations: {9001: desk-z, 4242: desk-z}\n")
    assert land()["tickets"] == (0, 2, 8, 12)
    row = con.execute(
        "select tenant_id, parse_error from raw.tickets where ticket_id = '104'"
    ).fetchone()
    assert row == ("desk-z", None)
    # a later export folder is new; the earlier ones, whose events it does not change, stay
    later = zendesk / "2026-10-30"
    later.mkdir()
    shutil.copy(zendesk / "2026-10-09" / "tickets.json", later / "tickets.json")
    assert land()["tickets"] == (1, 0, 2, 14)
    # an earlier export's events feed every later page: correcting them re-lands those
    events = zendesk / "2026-10-09" / "ticket_metric_events.json"
    events.write_text(events.read_text().replace("14:40:00Z", "14:41:00Z"))
    assert land()["tickets"] == (0, 3, 10, 14)
    # a broken mapping.yaml fails the run naming itself, and lands nothing of that tool
    (tmp_path / "sources" / "freshdesk" / "mapping.yaml").write_text("companies: {}\n")
    report = ingest_source(con, tmp_path, "tickets")
    assert report.unreadable == [
        "sources/freshdesk/mapping.yaml: needs timezone (see docs/ADAPTERS.md)"
    ]
    assert (report.files_replaced, report.rows_total) == (0, 14)
    con.close()


# --- one month end to end, every adapter feeding it ---------------------------------------


def build_kuma(path: Path) -> dict[str, list[int]]:
    """kuma-1 checked every minute from one instance: a PENDING then DOWN outage on 12 Oct
    08:00-08:45, three MAINTENANCE heartbeats on 20 Oct 02:00-02:02, and an unmapped monitor."""
    kuma_db(path, seed=False)
    outage, maintenance = utc(2026, 10, 12, 8), utc(2026, 10, 20, 2)
    rows: list[tuple[int, int, str, int | None]] = []
    at = OCT[0][0]
    while at < OCT[0][1]:
        status = 1
        if outage <= at < outage + 45 * M:
            status = 2 if at == outage else 0
        elif maintenance <= at < maintenance + 3 * M:
            status = 3
        rows.append((1, status, at.strftime("%Y-%m-%d %H:%M:%S.000"), 80 if status == 1 else None))
        at += M
    rows += [(2, 0, f"2026-10-05 0{h}:00:00.000", None) for h in range(3)]
    con = sqlite3.connect(path)
    con.execute(
        "insert into monitor (id, name, type, interval) values (1, 'Kuma One login', 'http', 60)"
    )
    con.execute("insert into monitor (id, name, type, interval) values (2, 'mystery', 'ping', 60)")
    con.execute(
        "insert into tag (id, name, color) values (1, 'tenant', '#000'), (2, 'component', '#111')"
    )
    con.execute(
        "insert into monitor_tag (monitor_id, tag_id, value) values (1, 1, 'kuma-1'), (1, 2, 'core')"
    )
    con.executemany(
        "insert into heartbeat (monitor_id, status, time, ping) values (?, ?, ?, ?)", rows
    )
    con.commit()
    con.close()
    ids = {status: [i + 1 for i, r in enumerate(rows) if r[1] == status] for status in (2, 3)}
    return {"maintenance": ids[3], "unmapped": list(range(len(rows) - 2, len(rows) + 1))}


def build_prometheus(path: Path) -> int:
    """prom-1 from two blackbox locations every minute: both fail on 14 Oct 10:00-10:30 (Down),
    fra alone on 15 Oct 11:00-12:00 (not a majority); one NaN sample; one unmapped series."""
    start, end = (int(t.timestamp()) for t in OCT[0])
    both, fra_only = int(utc(2026, 10, 14, 10).timestamp()), int(utc(2026, 10, 15, 11).timestamp())
    nan_at = int(utc(2026, 10, 16).timestamp())

    def values(fails: list[tuple[int, int]], nan: int | None = None) -> list[list]:
        out = []
        for t in range(start, end, 60):
            value = "0" if any(a <= t < b for a, b in fails) else "1"
            out.append([t, "NaN" if t == nan else value])
        return out

    common = {
        "__name__": "probe_success",
        "instance": "https://prom-1.example/login",
        "tenant": "prom-1",
        "component": "core",
    }
    fra = values([(both, both + 1800), (fra_only, fra_only + 3600)], nan=nan_at)
    result = [
        {"metric": {**common, "job": "blackbox", "location": "fra"}, "values": fra},
        {"metric": {**common, "job": "blackbox-iad"}, "values": values([(both, both + 1800)])},
        {
            "metric": {
                "__name__": "probe_success",
                "instance": "https://x.example",
                "job": "blackbox",
            },
            "values": [[start, "1"], [start + 60, "1"]],
        },
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}})
    )
    return (nan_at - start) // 60 + 1  # the NaN sample's line: its place in the file


@pytest.fixture(scope="module")
def adapter_month(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("adapters")
    w = World(root)
    for name in ("kuma-1", "prom-1", "desk-z", "desk-f"):
        w.tenants.append(Tenant(name))  # fed by adapters only
    window = utc(2026, 10, 14, 1)
    for name in ("sp-60", "sp-80"):
        w.tenants.append(
            Tenant(name, spans=OCT, failures=[("core", None, window, window + 2 * 60 * M)])
        )
    for t in w.tenants:
        w.fee(t.tenant_id, "2026-10", "1000.00", "EGP")
    w.write()
    for tool in ("zendesk", "freshdesk", "statuspage"):
        place(root, tool)
    kuma = build_kuma(root / "sources" / "uptime_kuma" / "fra" / "2026-11-03.db")
    nan_line = build_prometheus(root / "sources" / "prometheus" / "2026-10.json")
    with warehouse_env(root) as db:
        from orchestration.cli import main

        code = main(
            ["materialize", "--month", "2026-10", "--as-of", AS_OF, "--log-level", "WARNING"]
        )
        assert code == 0, "the adapters' month failed"
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    yield con, kuma, nan_line
    con.close()


def test_month_uptime_from_kuma_prometheus_and_statuspage(adapter_month):
    con, _, _ = adapter_month
    rows = con.execute(
        "select tenant_id, downtime_minutes, excluded_minutes, unmonitored_minutes, uptime_pct "
        "from marts.availability_monthly where service_month = '2026-10' "
        "and tenant_id in ('kuma-1', 'prom-1', 'sp-60', 'sp-80') order by tenant_id"
    ).fetchall()
    # Cairo's October 2026 has 44,700 minutes (the clocks go back on the 29th)
    assert [r[:4] for r in rows] == [
        # PENDING at 08:00 then DOWN to 08:45; the three MAINTENANCE heartbeats are
        # quarantined, so fra's state expires 180 s after 01:59 until 02:03: 1 minute unknown
        ("kuma-1", 45.0, 0.0, 1.0),
        ("prom-1", 30.0, 0.0, 0.0),  # fra alone failing for an hour is not a majority
        ("sp-60", 120.0, 0.0, 0.0),  # announced 60 h ahead: less than 72 h, so Downtime
        ("sp-80", 0.0, 120.0, 0.0),  # announced 80 h ahead: Excluded Downtime
    ]
    assert rows[0][4] == pytest.approx((44700 - 45) / 44700 * 100, abs=1e-9)
    assert rows[1][4] == pytest.approx((44700 - 30) / 44700 * 100, abs=1e-9)
    episode = con.execute(
        "select started_at, ended_at, minutes, counted_minutes from marts.downtime_episodes "
        "where tenant_id = 'kuma-1'"
    ).fetchall()
    assert episode == [(utc(2026, 10, 12, 8), utc(2026, 10, 12, 8, 45), 45.0, 45.0)]
    credit = con.execute(
        "select credit_pct, credit_amount from marts.service_credits where tenant_id = 'kuma-1'"
    ).fetchone()
    assert (float(credit[0]), credit[1]) == (10.0, Decimal("100.00"))


def test_month_response_times_from_zendesk_and_freshdesk(adapter_month):
    con, _, _ = adapter_month
    rows = con.execute(
        "select ticket_id, tenant_id, severity, created_at, first_response_at, clock, "
        "elapsed_minutes, met from marts.ticket_response where service_month = '2026-10' "
        "order by ticket_id"
    ).fetchall()
    assert rows == [
        # Wed 7 Oct 17:00 -> 17:40 Cairo
        (
            "101",
            "desk-z",
            "P2",
            utc(2026, 10, 7, 14),
            utc(2026, 10, 7, 14, 40),
            "business",
            40.0,
            True,
        ),
        # Wed 17:30 -> Sun 10:30 Cairo: 30 + 0 (Thu 8 Oct, Armed Forces Day observed) + 90
        (
            "102",
            "desk-z",
            "P2",
            utc(2026, 10, 7, 14, 30),
            utc(2026, 10, 11, 7, 30),
            "business",
            120.0,
            True,
        ),
        # from ticket metrics (75 whole minutes) on the 24x7 clock: over the 60-minute target
        (
            "103",
            "desk-z",
            "P1",
            utc(2026, 10, 12, 10),
            utc(2026, 10, 12, 11, 15),
            "24x7",
            75.0,
            False,
        ),
        ("105", "desk-z", "P4", utc(2026, 10, 13, 6), utc(2026, 10, 13, 7), "business", 60.0, True),
        # Freshdesk's Cairo wall times: +03:00 in summer, +02:00 after 29 October
        (
            "7001",
            "desk-f",
            "P3",
            utc(2026, 10, 13, 6),
            utc(2026, 10, 13, 9, 30),
            "business",
            210.0,
            True,
        ),
        (
            "7002",
            "desk-f",
            "P1",
            utc(2026, 10, 30, 8),
            utc(2026, 10, 30, 8, 45),
            "24x7",
            45.0,
            True,
        ),
    ]


def test_month_quarantines_what_adapters_could_not_map(adapter_month):
    con, kuma, nan_line = adapter_month

    def quarantined(source: str) -> list[tuple]:
        return con.execute(
            f"select source_file, source_line, reason from quarantine.{source} "
            "where source_file like 'sources/%' order by source_file, source_line"
        ).fetchall()

    kuma_file = "sources/uptime_kuma/fra/2026-11-03.db"
    probes = quarantined("probes")
    prom = [r for r in probes if r[0] == "sources/prometheus/2026-10.json"]
    assert prom[0] == (
        "sources/prometheus/2026-10.json",
        nan_line,
        "probe_success value 'NaN' is neither 0 nor 1",
    )
    assert [r[2][:26] for r in prom[1:]] == ["unmapped Prometheus series"] * 2
    maintenance = "Uptime Kuma MAINTENANCE heartbeat: no check ran, so no result to count"
    assert [r for r in probes if r[0] == kuma_file and r[2] == maintenance] == [
        (kuma_file, line, maintenance) for line in kuma["maintenance"]
    ]
    unmapped = [r for r in probes if r[0] == kuma_file and r[2] != maintenance]
    assert [r[1] for r in unmapped] == kuma["unmapped"]
    assert unmapped[0][2].startswith("unmapped Uptime Kuma monitor 'mystery' (id 2)")
    assert len(probes) == 3 + 3 + 3

    assert quarantined("tickets") == [
        (
            "sources/freshdesk/tickets.csv",
            4,
            "Created time: 2026-10-29 23:30:00 happens twice in Africa/Cairo (clocks went back)",
        ),
        ("sources/freshdesk/tickets.csv", 5, "unknown tenant"),
        (
            "sources/zendesk/2026-10-20/tickets.json",
            4,
            "Zendesk organization 4242 is not in mapping.yaml organizations and no tenant:<tenant_id> tag",
        ),
        (
            "sources/zendesk/2026-10-20/tickets.json",
            6,
            "no priority set in Zendesk and no default_severity in mapping.yaml",
        ),
    ]
    assert quarantined("maintenance") == [
        ("sources/statuspage/scheduled_maintenances.json", 2, "ends_at before starts_at"),
        ("sources/statuspage/scheduled_maintenances.json", 3, "missing key: starts_at"),
    ]


def test_dagster_sees_adapter_files(tmp_path: Path):
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs.jobs import new_raw_files_sensor

    probes = defs.resolve_assets_def(dg.AssetKey(["raw", "probes"]))
    description = probes.specs_by_key[dg.AssetKey(["raw", "probes"])].description or ""
    assert "sources/uptime_kuma/" in description and "sources/prometheus/" in description
    with warehouse_env(tmp_path):
        context = dg.build_sensor_context()
        assert isinstance(new_raw_files_sensor(context), dg.RunRequest)
        assert isinstance(new_raw_files_sensor(context), dg.SkipReason)
        place(tmp_path, "statuspage")
        assert isinstance(new_raw_files_sensor(context), dg.RunRequest)
