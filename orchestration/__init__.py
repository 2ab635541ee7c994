"""SLA Ledger's Dagster code location and libraries."""

import zoneinfo

# Time zones come from the pinned `tzdata` package, never the system's copy, so that every part
# of the platform reads the same zone rules as the SQL does (lib/zones.py).
zoneinfo.reset_tzpath(to=())
