"""Source adapters: readers for the tools providers really use, feeding the contract's tables.

Each adapter reads the files under `SLA_DATA_DIR/sources/<tool>/` (with an optional
`mapping.yaml` there) and lands rows in the same `raw.<source>` table as the contract's own
files, so staging validates and quarantines them exactly alike. See docs/ADAPTERS.md.
"""

from __future__ import annotations

from pathlib import Path

from . import freshdesk, prometheus, statuspage, uptime_kuma, zendesk
from .common import SOURCES_DIR, Adapter, AdapterFile

# Which raw source each tool feeds, and which of its files it reads (Adapter.reads).
ADAPTERS: dict[str, Adapter] = {
    a.tool: a
    for a in (
        uptime_kuma.ADAPTER,
        prometheus.ADAPTER,
        zendesk.ADAPTER,
        freshdesk.ADAPTER,
        statuspage.ADAPTER,
    )
}


def adapters_for(source: str) -> list[Adapter]:
    return [a for a in ADAPTERS.values() if a.source == source]


def adapter_files(data_dir: Path, source: str) -> list[tuple[Adapter, AdapterFile]]:
    return [(a, f) for a in adapters_for(source) for f in a.files(data_dir)]


__all__ = ["ADAPTERS", "SOURCES_DIR", "Adapter", "AdapterFile", "adapter_files", "adapters_for"]
