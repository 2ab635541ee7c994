"""The coverage gate: below the policy's threshold a credit waits for a recorded acceptance."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal

import duckdb
import pytest

from tests.scenario import CLARUS_YAML, Tenant, World, utc

GATED = CLARUS_YAML.replace("policy_id: clarus-2026", "policy_id: clarus-gated").replace(
    "  credit_cap_pct: 50\n", "  credit_cap_pct: 50\n  coverage_review_below_pct: 95\n"
)
OUTAGE = utc(2026, 10, 5, 8)


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("gated")
    w = World(root, policies=GATED)
    fail = [("core", None, OUTAGE, OUTAGE + timedelta(minutes=45))]
    # g1 was watched for ten days only; g2 all month
    w.tenants.append(
        Tenant(
            "g1",
            policy_id="clarus-gated",
            failures=fail,
            spans=[(utc(2026, 10, 1), utc(2026, 10, 11))],
        )
    )
    w.tenants.append(
        Tenant(
            "g2",
            policy_id="clarus-gated",
            failures=fail,
            spans=[(utc(2026, 9, 29), utc(2026, 11, 2))],
        )
    )
    for t in ("g1", "g2"):
        w.fee(t, "2026-10", "1000.00", "EGP")
    w.write()
    env = {"SLA_DATA_DIR": str(root), "SLA_DUCKDB_PATH": str(root / "warehouse.duckdb")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield root
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def state(root):
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        credits = {
            r[0]: r[1:]
            for r in con.execute(
                "select tenant_id, review_status, payable, credit_amount, min_coverage_pct "
                "from marts.service_credits where service_month = '2026-10'"
            ).fetchall()
        }
        lines = con.execute(
            "select tenant_id, credit_amount from marts.invoice_credit_lines order by 1"
        ).fetchall()
    finally:
        con.close()
    return credits, lines


def test_low_coverage_waits_for_an_operator_and_then_pays(gated):
    from orchestration.cli import main

    args = [
        "materialize",
        "--month",
        "2026-10",
        "--as-of",
        "2026-11-25T00:00:00Z",
        "--log-level",
        "WARNING",
    ]
    assert main(args) == 0
    credits, lines = state(gated)
    assert credits["g1"][:3] == ("needs_review", False, Decimal("100"))
    assert credits["g1"][3] < 95
    assert credits["g2"][:3] == ("not_needed", True, Decimal("100"))
    assert lines == [("g2", Decimal("100"))]

    (gated / "reference" / "coverage_overrides.csv").write_text(
        "tenant_id,service_month,accepted_by,accepted_at,note\n"
        "g1,2026-10,ops@example.com,2026-11-20T10:00:00+02:00,probe outage confirmed by vendor\n"
    )
    assert main(args) == 0
    credits, lines = state(gated)
    assert credits["g1"][:2] == ("accepted", True)
    assert lines == [("g1", Decimal("100")), ("g2", Decimal("100"))]
