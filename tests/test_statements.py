"""Tenant statements from the session's materialised world (see conftest): their figures, their
languages, their isolation from other tenants, their structure, and how Chromium shows them.

Hand-worked (October 2026, Cairo: 44,700 minutes; Tokyo: 44,640):
- maint-71: 2 h outage 04:00–06:00 Cairo on the 14th inside window w-maint-71 announced only
  71 h ahead -> 120 counted minutes -> uptime (44,700 − 120) ÷ 44,700 = 99.7315 % -> tier
  [99, 99.9) -> 10 % of 1,000.00 EGP = 100.00 EGP; maintenance notice 71 h < 72 h: missed.
- clara-claimed: hardware down 8 h on the 20th -> 98.9247 %; the allowance (1 % of 44,640 min =
  446.4 min) runs out at 16:26:24 Tokyo; deadline 14 days after that day: end of 3 November;
  claimed at 23:59 that day -> 10 % of ¥123,457 = ¥12,345.7 -> ¥12,346.
- term: third breached month in a row -> termination right, refund 12,000.00 × 61 ÷ 365 days
  = 2,005.48 EGP.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from orchestration.lib.policies import PolicyError, load_policies, statement_languages
from orchestration.lib.statement_labels import LABELS, MONTHS
from orchestration.lib.statements import find_chromium, money, pct, run_chromium
from tests.scenario import CLARA_YAML, CLARUS_YAML, warehouse_env

MONTH = "2026-10"
SNAPSHOT = Path(__file__).parent / "snapshots" / "statement_skeleton.txt"


# ------------------------------------------------------------------ a small DOM for reading


class Node:
    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.children = tag, attrs, []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                    found.append(child)
                found += child.find_all(tag, cls)
        return found

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag} class={cls}> in the statement"
        return found[0]

    def rows(self) -> list[list[str]]:
        """Cell texts of every body row of the tables below this node."""
        rows = [[td.text() for td in tr.find_all("td")] for tr in self.find_all("tr")]
        return [r for r in rows if r]


VOID = {"meta", "link", "br", "img", "input", "hr", "line", "rect"}


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while len(self.stack) > 1:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data):
        if data.strip():
            self.stack[-1].children.append(data)


def parse(path: Path) -> Node:
    builder = TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    return builder.root


def skeleton(node: Node, depth: int = 0) -> list[str]:
    """Tags and classes only; a run of identical siblings (rows, bars) counts as one."""
    lines: list[str] = []
    previous: list[str] | None = None
    for child in node.children:
        if not isinstance(child, Node):
            continue
        label = child.tag + "".join(f".{c}" for c in child.classes)
        if child.tag == "html":
            label += f"[lang={child.attrs.get('lang')} dir={child.attrs.get('dir')}]"
        block = ["  " * depth + label] + skeleton(child, depth + 1)
        if block != previous:
            lines += block
        previous = block
    return lines


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def folder(materialized: Path) -> Path:
    return materialized / "published" / "statements" / f"month={MONTH}"


def section(doc: Node, name: str) -> Node:
    return doc.find("section", name)


# ------------------------------------------------------------------ content


def test_every_tenant_gets_its_policy_languages(folder: Path, marts):
    tenants = {
        r[0]
        for r in marts.execute(
            "select tenant_id from marts.service_credits where service_month = ?", [MONTH]
        ).fetchall()
    }
    files = {p.name for p in folder.iterdir()}
    assert {"maint-71.en.html", "maint-71.ar.html", "clara-claimed.en.html"} <= files
    assert "clara-claimed.ar.html" not in files and "acme-1.ar.html" not in files
    assert {name.split(".")[0] for name in files} == tenants
    assert not [f for f in files if not f.endswith(".html")], "PDFs are off in the suite's runs"


def test_hand_worked_statement(folder: Path, marts):
    doc = parse(folder / "maint-71.en.html")
    summary = section(doc, "summary").text()
    assert "99.7315 %" in summary and "99.9 %" in summary and "100.00 EGP" in summary
    assert section(doc, "components").rows() == [
        ["core", "44,700", "120", "0", "99.7315", "99.9", "missed"]
    ]

    daily = section(doc, "daily")
    days = daily.find_all("g", "day")
    assert len(days) == 31
    counted = [g for g in days if g.find_all("rect", "counted")]
    assert len(counted) == 1 and counted[0].find("title").text().startswith(
        "2026-10-14: 120 min counted, 0 min excluded"
    )

    timeline = section(doc, "timeline")
    episodes = timeline.find("table", "episodes").rows()
    assert episodes == [
        [
            "core",
            "2026-10-14 04:00",
            "2026-10-14 06:00",
            "120",
            "120",
            "0",
            "inside w-maint-71 (not excluded)",
        ]
    ]
    window = timeline.find("table", "windows").rows()
    assert window[0][:5] == [
        "w-maint-71",
        "scheduled maintenance",
        "2026-10-14 04:00",
        "2026-10-14 06:00",
        "no",
    ]
    assert "only 71 h ahead (at least 72 h required)" in window[0][5]

    assert section(doc, "coverage").rows() == [["core", "44,700", "0", "100.00"]]
    assert [r[0] for r in section(doc, "response").rows()] == ["P1", "P2", "P3", "P4"]

    credit = section(doc, "credit")
    tiers = credit.find("table", "tiers").find_all("tr")[1:]
    assert [[td.text() for td in tr.find_all("td")] for tr in tiers] == [
        ["99 %", "99.9 %", "10 %", "applies"],
        ["95 %", "99 %", "25 %", ""],
        ["0 %", "95 %", "50 %", ""],
    ]
    assert "applied" in tiers[0].classes
    facts = {
        tr.find("th").text(): tr.find("td").text()
        for tr in credit.find_all("tr")
        if tr.find_all("th") and tr.find_all("td")
    }
    assert facts["Monthly fee"] == "1,000.00 EGP"
    assert facts["Credit amount"] == "100.00 EGP"
    assert facts["Payable"] == "yes" and facts["Invoiced in"] == "November 2026"

    claim = {
        tr.find("th").text(): tr.find("td").text() for tr in section(doc, "claim").find_all("tr")
    }
    assert claim == {
        "Claim required": "no",
        "Downtime allowance used up at": "2026-10-14 04:44:42",
        "Claim status": "no claim needed: the credit is applied automatically",
    }

    commitments = section(doc, "commitments").rows()
    assert [r[0] for r in commitments] == [
        "Daily backup (longest interval)",
        "Recovery point (RPO)",
        "Recovery time (RTO)",
        "Breach notice",
        "Maintenance notice (shortest)",
    ]
    expected = marts.execute(
        "select commitment, met, measured_hours, limit_hours, events, evidence_ids "
        "from marts.commitments_monthly where tenant_id = 'maint-71' and service_month = ? "
        "and commitment = 'maintenance_notice'",
        [MONTH],
    ).fetchone()
    assert expected == ("maintenance_notice", False, 71.0, 72.0, 1, "w-maint-71")
    assert commitments[-1] == [
        "Maintenance notice (shortest)",
        "missed",
        "71",
        "72",
        "1",
        "w-maint-71",
    ]
    assert commitments[0][1:] == ["nothing to judge", "—", "24", "0", ""]

    fingerprint, publication = marts.execute(
        "select input_fingerprint, publication_id from marts.publications "
        "where service_month = ? order by published_at desc limit 1",
        [MONTH],
    ).fetchone()
    provenance = {
        tr.find("th").text(): tr.find("td").text()
        for tr in section(doc, "provenance").find_all("tr")
    }
    assert provenance["Input fingerprint"] == fingerprint
    assert provenance["Publication"] == publication
    assert not doc.find_all("p", "draft"), "a published month is not a draft"


def test_claim_deadline_in_yen(folder: Path):
    doc = parse(folder / "clara-claimed.en.html")
    assert "98.9247 %" in section(doc, "summary").text()
    assert len(section(doc, "daily").find_all("figure", "chart")) == 3
    claim = {
        tr.find("th").text(): tr.find("td").text() for tr in section(doc, "claim").find_all("tr")
    }
    assert claim["Claim required"] == "yes"
    assert claim["Downtime allowance used up at"] == "2026-10-20 16:26:24"
    assert claim["Claim deadline"] == "2026-11-03 (claims received before 2026-11-04 00:00)"
    assert claim["Claim status"] == "claimed in time"
    assert claim["Claims received"] == "cl-1 2026-11-03 23:59"
    credit = section(doc, "credit").text()
    assert "123,457 JPY" in credit and "12,346 JPY" in credit
    assert "This policy sets no response-time targets." in section(doc, "response").text()
    # clara-unclaimed's only claim arrived after the run's as-of: not on the page that says
    # its credit expired unclaimed
    unclaimed = parse(folder / "clara-unclaimed.en.html")
    rows = [tr.find("th").text() for tr in section(unclaimed, "claim").find_all("tr")]
    assert "Claims received" not in rows


def test_termination_right_and_refund(folder: Path):
    doc = parse(folder / "term.en.html")
    termination = {
        tr.find("th").text(): tr.find("td").text()
        for tr in section(doc, "termination").find_all("tr")
    }
    assert termination["Consecutive months below target"] == "3"
    assert termination["Right to terminate after"] == "3 consecutive months"
    assert termination["Right to terminate"] == "yes"
    assert termination["Prepaid period"] == "2026-01-01 – 2026-12-31 · 12,000.00 EGP"
    assert termination["Refund of the unused prepaid period"] == "2,005.48 EGP"


def test_excluded_windows_say_why(folder: Path):
    doc = parse(folder / "overlap.en.html")
    timeline = section(doc, "timeline")
    assert timeline.find("table", "episodes").rows()[0][3:] == [
        "180",
        "0",
        "180",
        "inside w-overlap, x-overlap (excluded)",
    ]
    windows = {r[0]: r for r in timeline.find("table", "windows").rows()}
    assert windows["w-overlap"][4:] == ["yes", "announced 100 h ahead (at least 72 h required)"]
    assert windows["x-overlap"][1:] == [
        "exclusion",
        "2026-10-16 04:00",
        "2026-10-16 06:00",
        "yes",
        "caused by the customer · their firewall",
    ]
    day = [g for g in section(doc, "daily").find_all("g", "day") if g.find_all("rect", "excluded")]
    excluded = [g for g in day if float(g.find("rect", "excluded").attrs["height"]) > 0]
    assert len(excluded) == 1
    assert (
        excluded[0].find("title").text().startswith("2026-10-16: 0 min counted, 180 min excluded")
    )


def test_daily_rows_add_up_to_the_month(marts):
    mismatches = marts.execute(
        """select d.tenant_id, d.component, d.service_month
           from marts.availability_daily as d
           join marts.availability_monthly as m using (tenant_id, component, service_month)
           group by all
           having sum(d.downtime_us) <> any_value(m.downtime_us)
               or sum(d.day_us) <> any_value(m.total_us)"""
    ).fetchall()
    assert mismatches == []
    assert marts.execute(
        "select day_minutes from marts.availability_daily "
        "where tenant_id = 'maint-71' and local_on = date '2026-10-29'"
    ).fetchone() == (1500.0,), (
        "Cairo's clocks go back at the end of Thursday 29 October 2026: a 25-hour day"
    )


def test_arabic_statement(folder: Path):
    doc = parse(folder / "maint-71.ar.html")
    html = doc.find("html")
    assert html.attrs["lang"] == "ar" and html.attrs["dir"] == "rtl"
    ar = LABELS["ar"]
    assert doc.find("h1").text() == f"{ar['title']} — {MONTHS['ar'][9]} 2026"
    headings = [h.text() for h in doc.find_all("h2")]
    assert headings[:3] == [ar["summary"], ar["components"], ar["daily"]]
    assert ar["commitments"] in headings and ar["fingerprint"] in headings
    # figures and ids stay as they are, isolated left-to-right inside the Arabic text
    summary = section(doc, "summary")
    assert [b.text() for b in summary.find_all("bdi")][:2] == ["99.7315 %", "99.9 %"]
    assert "100.00 EGP" in summary.text()
    assert "w-maint-71" in section(doc, "timeline").text()
    assert not re.search(r"\b(Uptime|Summary|Claim|Credit)\b", doc.text())


def test_no_other_tenants_data(folder: Path, marts):
    tenants = dict(
        marts.execute(
            "select tenant_id, tenant_name from staging.stg_reference__contracts"
        ).fetchall()
    )
    owned = marts.execute(
        """select tenant_id, window_id from staging.stg_maintenance__windows
           union all select tenant_id, exclusion_id from staging.stg_exclusions__periods
           union all select tenant_id, claim_id from staging.stg_claims__claims"""
    ).fetchall()
    checked = 0
    for path in sorted(folder.glob("*.html")):
        tenant = path.name.split(".")[0]
        # the words a person reads and every attribute; the stylesheet's `gap:` is no tenant
        text = re.sub(r"<style>.*?</style>", "", path.read_text(encoding="utf-8"), flags=re.S)
        others = [(t, n) for t, n in tenants.items() if t != tenant]
        foreign = {t for t, _ in others} | {n for _, n in others}
        foreign |= {i for t, i in owned if t not in (tenant, "*")}
        pattern = "|".join(re.escape(f) for f in sorted(foreign, key=len, reverse=True))
        leaked = sorted(set(re.findall(rf"(?<![\w-])(?:{pattern})(?![\w-])", text)))
        assert leaked == [], f"{path.name} shows another tenant's data: {leaked}"
        assert re.search(rf"(?<![\w-]){re.escape(tenant)}(?![\w-])", text)
        checked += 1
    assert checked >= len(tenants)


def test_structure_matches_snapshot(folder: Path):
    en = skeleton(parse(folder / "maint-71.en.html"))
    ar = skeleton(parse(folder / "maint-71.ar.html"))
    assert ar == [line.replace("lang=en dir=ltr", "lang=ar dir=rtl") for line in en]
    text = "\n".join(en) + "\n"
    if not SNAPSHOT.exists() or os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text(), (
        "the statement's structure changed: review, then UPDATE_SNAPSHOTS=1 to accept"
    )


def test_self_contained(folder: Path):
    text = (folder / "maint-71.ar.html").read_text(encoding="utf-8")
    assert "<script" not in text
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)
    assert "<style>" in text and "<svg" in text


# ------------------------------------------------------------------ small rules


def test_money_keeps_the_currency_minor_unit():
    assert money(Decimal("12345.7000"), 0) == "12,346"
    assert money(Decimal("1234.5"), 3) == "1,234.500"
    assert money(Decimal("0.125"), 2) == "0.13"
    assert money(Decimal("1000.0000"), 2) == "1,000.00"


def test_percentages_are_truncated_never_rounded_up():
    assert pct(Decimal("99.89999999")) == "99.8999"
    assert pct(Decimal("99.9")) == "99.9000"


def test_statement_languages_are_policy_data(tmp_path: Path):
    path = tmp_path / "policies.yaml"
    path.write_text(CLARUS_YAML)
    assert statement_languages(load_policies(path)[0][2]) == ["en", "ar"]
    path.write_text(CLARUS_YAML.replace("  statement_languages: [en, ar]\n", ""))
    assert statement_languages(load_policies(path)[0][2]) == ["en"]
    path.write_text(CLARUS_YAML.replace("[en, ar]", "[en, fr]"))
    with pytest.raises(PolicyError, match="statement_languages"):
        load_policies(path)


def test_a_percentage_with_more_places_than_its_column_keeps_is_refused(tmp_path: Path):
    """credit_pct is kept to 6 places: 33.3333333 % would silently pay 333,333.33 of a million."""
    path = tmp_path / "policies.yaml"
    path.write_text(CLARUS_YAML.replace("credit_pct: 25}", "credit_pct: 33.333333}"))
    assert load_policies(path)[0][2]["credit_tiers"][1]["credit_pct"] == 33.333333
    path.write_text(CLARUS_YAML.replace("credit_pct: 25}", "credit_pct: 33.3333333}"))
    with pytest.raises(PolicyError, match="credit_pct 33.3333333 has more than 6 decimal places"):
        load_policies(path)
    path.write_text(CLARUS_YAML.replace("credit_cap_pct: 50", "credit_cap_pct: 49.9999999"))
    with pytest.raises(PolicyError, match="credit_cap_pct"):
        load_policies(path)
    path.write_text(CLARUS_YAML.replace("below_pct: 99.9,", "below_pct: 99.9000001,"))
    with pytest.raises(PolicyError, match="below_pct"):
        load_policies(path)


def test_a_breach_anchored_claim_needs_every_credit_below_the_target(tmp_path: Path):
    path = tmp_path / "policies.yaml"
    path.write_text(CLARA_YAML)
    assert load_policies(path)  # 99 % target, every credit below it
    path.write_text(CLARA_YAML.replace("uptime_target_pct: 99.0", "uptime_target_pct: 98.0"))
    with pytest.raises(PolicyError, match="no breach anchors the claim window"):
        load_policies(path)


@pytest.mark.parametrize(
    ("written", "refused", "reason"),
    [
        ("stale_after_seconds: 180", "stale_after_seconds: -180", "is negative"),
        ("min_downtime_seconds: 60", "min_downtime_seconds: -60", "is negative"),
        ("maintenance_notice_hours: 72", "maintenance_notice_hours: -1", "is negative"),
        ("window_days: 30", "window_days: -5", "is negative"),
        ("window_days: 30", "window_days: 14.5", "not a whole number"),
        ("{severity: P2, minutes: 240", "{severity: P2, minutes: -240", "is negative"),
        ("credit_cap_pct: 50", "credit_cap_pct: 150", "above 100"),
        ("uptime_target_pct: 99.9", "uptime_target_pct: 100.1", "above 100"),
        ("credit_pct: 25}", "credit_pct: -25}", "is negative"),
        (
            "termination_after_consecutive_breaches: 3",
            "termination_after_consecutive_breaches: 0",
            "positive integer",
        ),
    ],
)
def test_a_policy_number_out_of_its_range_is_refused(
    tmp_path: Path, written: str, refused: str, reason: str
):
    """Negative durations and percentages past 100 computed without error and paid nonsense
    (a staleness of -180 s made a 100-minute outage one minute): refused, naming the line."""
    path = tmp_path / "policies.yaml"
    assert written in CLARUS_YAML
    path.write_text(CLARUS_YAML.replace(written, refused, 1))
    with pytest.raises(PolicyError, match=reason):
        load_policies(path)


def test_every_language_has_every_label():
    keys = set(LABELS["en"])
    for lang, labels in LABELS.items():
        assert set(labels) == keys, f"{lang} labels differ from English"
        assert len(MONTHS[lang]) == 12


# ------------------------------------------------------------------ as a person sees it


def read_png(path: Path) -> np.ndarray:
    """Decode an 8-bit, non-interlaced PNG (what Chromium writes) into rows × columns × channels."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and interlace == 0
        elif kind == b"IDAT":
            idat.append(chunk)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    stride = width * bpp
    rows = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), np.uint8)
    prev = np.zeros(stride, np.uint8)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            cur = line.copy()
        elif kind == 1:
            cur = (line.reshape(-1, bpp).astype(np.uint32).cumsum(axis=0) % 256).astype(np.uint8)
            cur = cur.ravel()
        elif kind == 2:
            cur = line + prev
        else:
            f, p, c = line.tolist(), prev.tolist(), [0] * stride
            for i in range(stride):
                a = c[i - bpp] if i >= bpp else 0
                b = p[i]
                if kind == 3:
                    c[i] = (f[i] + ((a + b) >> 1)) & 255
                else:
                    d = p[i - bpp] if i >= bpp else 0
                    pa, pb, pc = abs(b - d), abs(a - d), abs(a + b - 2 * d)
                    c[i] = (f[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else d)) & 255
            cur = np.array(c, np.uint8)
        out[y] = prev = cur
    return out.reshape(height, width, bpp)[..., :3]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip(
            "Chromium is not installed (`make browser` installs it with apt-get as root): "
            "the statement cannot be rendered as a person sees it"
        )
    return found


def screenshot(chromium: str, page: Path, png: Path) -> np.ndarray:
    done = run_chromium(
        chromium, page, f"--screenshot={png}", "--window-size=900,700", "--hide-scrollbars"
    )
    assert png.exists(), done.stderr[-2000:]
    return read_png(png)


def test_rendered_as_a_person_sees_it(folder: Path, chromium: str, tmp_path: Path):
    en = screenshot(chromium, folder / "maint-71.en.html", tmp_path / "en.png")
    ar = screenshot(chromium, folder / "maint-71.ar.html", tmp_path / "ar.png")
    for image in (en, ar):
        assert image.shape == (700, 900, 3)
        assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50, "a blank or flat page"
        dark = image.sum(axis=2) < 200
        assert 0.01 < dark.mean() < 0.6, "no ink, or nothing but ink"

    def band_ink(image: np.ndarray) -> tuple[int, int]:
        # the masthead is a navy band with light text: crop to it, count text pixels per half
        navy = np.abs(image.astype(int) - [18, 53, 91]).sum(axis=2) < 30
        rows = navy.mean(axis=1) > 0.5
        cols = np.nonzero(navy[rows].mean(axis=0) > 0.5)[0]
        assert rows.sum() > 40 and len(cols) > 400, "the masthead band is not where it should be"
        band = image[rows][:, cols.min() : cols.max() + 1]
        light = band.astype(int).sum(axis=2) > 500
        half = band.shape[1] // 2
        return int(light[:, :half].sum()), int(light[:, half:].sum())

    left, right = band_ink(en)
    assert left > 2 * right, "English reads from the left"
    left, right = band_ink(ar)
    assert right > 2 * left, "Arabic reads from the right"

    dom = run_chromium(chromium, folder / "maint-71.ar.html", "--dump-dom").stdout
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    for figure in ("99.7315 %", "100.00 EGP", "1,000.00 EGP", "w-maint-71", LABELS["ar"]["title"]):
        assert figure in text


def statement_cli(*args: str) -> int:
    from orchestration.cli import main

    return main(["statement", "--month", MONTH, *args])


def test_cli_prints_a_pdf(materialized: Path, chromium: str, tmp_path: Path, capsys):
    with warehouse_env(materialized):
        assert statement_cli("--tenant", "term", "--out", str(tmp_path)) == 0
    pdf = tmp_path / "term.ar.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    assert (tmp_path / "term.en.pdf").exists() and (tmp_path / "term.en.html").exists()
    assert "PDF written to" in capsys.readouterr().out


def test_cli_without_a_working_chromium(materialized: Path, tmp_path: Path, capsys, monkeypatch):
    missing, broken = tmp_path / "missing", tmp_path / "broken"
    with warehouse_env(materialized):
        monkeypatch.setenv("SLA_CHROMIUM", str(tmp_path / "no-such-browser"))
        assert statement_cli("--tenant", "term", "--lang", "en", "--out", str(missing)) == 0
        said = re.sub(r"\s+", " ", capsys.readouterr().out)
        assert "No PDF: Chromium was not found" in said
        assert [p.name for p in missing.iterdir()] == ["term.en.html"]

        # a browser that prints nothing: the HTML stays, the command says so and fails
        fake = tmp_path / "fake-chromium"
        fake.write_text("#!/bin/sh\nexit 0\n")
        fake.chmod(0o755)
        monkeypatch.setenv("SLA_CHROMIUM", str(fake))
        assert statement_cli("--tenant", "term", "--lang", "en", "--out", str(broken)) == 1
        assert "No PDF for term.en.html" in re.sub(r"\s+", " ", capsys.readouterr().out)
        assert [p.name for p in broken.iterdir()] == ["term.en.html"]

        assert statement_cli("--tenant", "nobody", "--no-pdf", "--out", str(missing)) == 1


def test_month_wide_lookups_give_each_tenant_what_its_own_query_would(marts):
    """Statements read each lookup once per month; a tenant's share must be exactly what the
    evidence pack's per-tenant query returns (local month bounds, `*` windows, notice)."""
    from orchestration.lib.evidence import excluded_periods, month_bounds, tenant_policy
    from orchestration.lib.statements import (
        STATEMENT_RELATIONS,
        load_statement,
        month_scope,
        month_tenants,
    )
    from tests.commitments_world import TENANTS as COMMITMENT_TENANTS

    # the commitments' tenants have no windows, exclusions or claims but m1's two windows
    skipped = set(COMMITMENT_TENANTS) - {"m1"}
    seen_windows = 0
    for month in ("2026-08", "2026-09", "2026-10"):
        scope = month_scope(marts, month)
        for tenant in sorted(set(month_tenants(marts, month)) - skipped):
            statement = load_statement(marts, tenant, month, scope=scope)
            policy, tz, version = tenant_policy(marts, tenant, STATEMENT_RELATIONS)
            assert (statement["policy"], statement["timezone"], statement["policy_version"]) == (
                policy or {},
                tz,
                version,
            )
            start, end = month_bounds(month, tz)
            names, rows = excluded_periods(marts, tenant, start, end, STATEMENT_RELATIONS)
            assert statement["windows"] == [dict(zip(names, r, strict=True)) for r in rows]
            seen_windows += len(rows)
    assert seen_windows > 0


def test_pages_rendered_by_worker_processes_are_the_pages_rendered_in_process(
    marts, tmp_path: Path
):
    """A provider's month renders its pages in forked workers (one per core); what they
    write must be byte for byte what one process writes."""
    from orchestration.lib.statements import write_month_statements

    written = {}
    for workers in (1, 2):
        out = tmp_path / f"workers-{workers}"
        tenants, paths = write_month_statements(marts, MONTH, out, workers=workers)
        assert tenants and len(paths) >= len(tenants)
        written[workers] = {p.name: p.read_bytes() for p in paths}
    assert written[1] == written[2]


def test_a_business_calendar_that_cannot_be_read_is_refused_at_load(tmp_path: Path):
    """A calendar that never opens would measure every ticket as met; one with a zone the
    engine does not know would fail every tenant's month in SQL. An unquoted 18:00 is what
    YAML 1.1 makes the number 1080 of: it is read back as the time it was."""
    path = tmp_path / "policies.yaml"
    path.write_text(CLARUS_YAML.replace('closes: "18:00"', "closes: 18:00"))
    assert load_policies(path)[0][2]["business_calendar"]["closes"] == "18:00"
    for old, new, match in (
        ("weekdays: [Sun,", "weekdays: [Sunday,", "weekdays"),
        ('opens: "09:00"', 'opens: "9am"', "opens"),
        ('closes: "18:00"', 'closes: "25:00"', "closes"),
        ("minutes: 240, clock: business", "minutes: 240, clock: biz", "clock must be"),
        ("timezone: Africa/Cairo\n    weekdays", "timezone: Africa/Kairo\n    weekdays", "zone"),
    ):
        assert old in CLARUS_YAML
        path.write_text(CLARUS_YAML.replace(old, new))
        with pytest.raises(PolicyError, match=match):
            load_policies(path)


def test_a_tenant_id_names_a_file_inside_the_month_folder():
    """Tenant ids are data: one with `/`, `..` or hundreds of characters must neither write
    outside the month's folder nor fail every tenant's statements (audit J)."""
    from orchestration.lib.statements import file_stem

    assert file_stem("clarus-t01") == "clarus-t01"  # a plain id is its own file name
    odd = ["../../../escaped", "a/b", "a_b", "T" * 500, "مختبر", "t,1", ".hidden", "x\ny"]
    stems = [file_stem(t) for t in odd]
    assert len(set(stems)) == len(odd)  # every id its own file
    for stem in stems:
        assert "/" not in stem and not stem.startswith(".") and len(stem) <= 80
        assert Path(stem).name == stem


def test_a_window_until_the_end_of_time_is_shown_in_utc(marts):
    """An exclusion `until 9999-12-31T23:59:59Z` has no Cairo date after it: shown in UTC, the
    page still renders (it failed every tenant's statements)."""
    from orchestration.lib.statements import load_statement, month_tenants, render_statement

    statement = next(
        s
        for s in (load_statement(marts, t, MONTH) for t in month_tenants(marts, MONTH))
        if s["windows"]
    )
    forever = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    statement["windows"][0] = statement["windows"][0] | {"ends_at": forever}
    html = render_statement(statement, "en")
    assert "9999-12-31 23:59:59 UTC" in html


def test_a_page_kept_from_the_last_run_is_the_page_rendered_now(marts, tmp_path: Path):
    """A restatement names its new publication on every page, though most tenants' figures did
    not move: such a page is filled in from the one the last run kept, and is byte for byte
    the page rendered afresh (in workers or not)."""
    from dataclasses import replace
    from datetime import timedelta

    from orchestration.lib.statements import month_scope, write_month_statements

    scope = month_scope(marts, MONTH)
    assert scope.publication is not None
    kept = tmp_path / "kept" / f"month={MONTH}"
    _, first = write_month_statements(marts, MONTH, tmp_path / "a", scope=scope, kept=kept)
    assert len(list(kept.glob("*.key"))) == len(first)  # every page kept
    drawn = {p.name: p.stat().st_ino for p in kept.glob("*.html")}

    later = dict(scope.publication)
    later.update(
        publication_id="pub-<later>",
        input_fingerprint="f" * 64,
        published_at=later["published_at"] + timedelta(days=3, seconds=7),
    )
    restated = replace(scope, publication=later)
    for workers in (1, 2):
        out = tmp_path / f"b{workers}"
        _, filled = write_month_statements(
            marts, MONTH, out, scope=restated, workers=workers, kept=kept
        )
        _, fresh = write_month_statements(marts, MONTH, tmp_path / f"c{workers}", scope=restated)
        assert {p.name: p.read_bytes() for p in filled} == {p.name: p.read_bytes() for p in fresh}
        assert all("pub-&lt;later&gt;" in p.read_text() for p in filled)
        # filled in, not drawn again: the kept pages are the same files
        assert {p.name: p.stat().st_ino for p in kept.glob("*.html")} == drawn


def test_a_page_is_kept_under_everything_it_shows_but_the_publication(marts):
    from copy import deepcopy

    from orchestration.lib.statements import (
        load_statement,
        month_tenants,
        page_key,
        page_with_stand_ins,
    )

    statement = load_statement(marts, month_tenants(marts, MONTH)[0], MONTH)
    key = page_key(statement, "en")
    assert key is not None and page_key(statement, "ar") != key
    other = deepcopy(statement)
    other["publication"] = {**other["publication"], "publication_id": "another"}
    assert page_key(other, "en") == key
    other["credit"] = {**other["credit"], "credit_amount": Decimal("0.01")}
    assert page_key(other, "en") != key
    assert page_key({**statement, "published": not statement["published"]}, "en") != key
    # nothing to keep without a publication, nor when the data holds a stand-in's character
    assert page_key({**statement, "publication": None}, "en") is None
    odd = deepcopy(statement)
    odd["tenant"]["tenant_name"] = "\ue000publication\ue001"
    assert page_with_stand_ins(odd, "en") is None
