"""Atlassian Statuspage: scheduled maintenances (`/api/v2/scheduled-maintenances.json`).

A maintenance is announced when it is created on the page, so `created_at` is its
announcement and the notice period runs from it. Which tenants it concerns comes from its
affected components (mapping.yaml `components`), else from the page (`pages`), else
`default_tenant` (`*`, every tenant: a public status page speaks to all customers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ..readers import UnreadableFileError
from ..sources import SOURCES
from .common import PARSE_ERROR, Adapter, AdapterFile, glob_files, read_json, rows_frame, text_keys

TOOL = "statuspage"

DEFAULTS: dict[str, Any] = {
    "components": {},  # component id or name -> tenant_id (or *)
    "pages": {},  # page id -> tenant_id (or *)
    "default_tenant": "*",  # null = a maintenance nobody is mapped to is quarantined
}


def list_files(folder: Path) -> list[AdapterFile]:
    return [AdapterFile(p) for p in glob_files(folder, ".json", ".json.gz")]


def read(entry: AdapterFile, folder: Path, mapping: dict[str, Any]) -> pl.DataFrame:
    path = entry.path
    doc = read_json(path)
    maintenances = doc.get("scheduled_maintenances") if isinstance(doc, dict) else None
    if not isinstance(maintenances, list):
        raise UnreadableFileError(
            path, "not a Statuspage scheduled maintenances answer (no scheduled_maintenances list)"
        )
    page = doc.get("page") if isinstance(doc.get("page"), dict) else {}
    components_map = text_keys(mapping["components"])
    pages_map = text_keys(mapping["pages"])
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(maintenances, start=1):
        if not isinstance(item, dict):
            rows.append({"source_line": index, PARSE_ERROR: "not a Statuspage maintenance object"})
            continue
        page_id = str(item.get("page_id") or page.get("id") or "")
        by_component: list[str] = []
        for component in item.get("components") or []:
            if not isinstance(component, dict):
                continue
            for key in (component.get("id"), component.get("name")):
                tenant = components_map.get(str(key).strip()) if key is not None else None
                if tenant is not None:
                    by_component.append(str(tenant))
                    break
        base = {
            "source_line": index,
            "starts_at": item.get("scheduled_for"),
            "ends_at": item.get("scheduled_until"),
            "announced_at": item.get("created_at"),
            "kind": "scheduled",
            "statuspage_name": item.get("name"),
            "statuspage_status": item.get("status"),
            "statuspage_page_id": page_id or None,
        }
        window = item.get("id")
        if by_component:
            # One window per tenant, each its own window_id: a window_id is one window, and
            # a reschedule of one tenant's copy must not supersede another tenant's.
            for tenant in sorted(set(by_component)):
                rows.append(
                    {
                        **base,
                        "window_id": f"{window}:{tenant}" if window else None,
                        "tenant_id": tenant,
                    }
                )
            continue
        tenant = pages_map.get(page_id, mapping["default_tenant"])
        rows.append(
            {
                **base,
                "window_id": window,
                "tenant_id": tenant,
                PARSE_ERROR: None
                if tenant is not None
                else (
                    f"Statuspage maintenance on page {page_id or '?'}: no mapped component, "
                    "page not in mapping.yaml pages, and default_tenant is null"
                ),
            }
        )
    return rows_frame(rows, SOURCES["maintenance"].columns)


ADAPTER = Adapter(
    tool=TOOL,
    source="maintenance",
    reads="Atlassian Statuspage scheduled maintenances answers (*.json, *.json.gz)",
    defaults=DEFAULTS,
    list_files=list_files,
    read=read,
)
