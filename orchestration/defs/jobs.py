"""The month's end-to-end job, its schedule, and a sensor for newly dropped files."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.defs.quality.freshness import service_credits_freshness_checks
from orchestration.lib.adapters import SOURCES_DIR
from orchestration.lib.config import get_settings
from orchestration.lib.partitions import monthly_partitions, partition_key_of, previous_month

monthly_sla_job = dg.define_asset_job(
    name="monthly_sla_job",
    # Freshness is judged by its own sensor against the clock, not inside a month's run.
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.checks(*service_credits_freshness_checks()),
    partitions_def=monthly_partitions,
    description="Land new files, build the month's models and tests, publish its marts.",
)


# 02:00 Cairo time on the 3rd of every month, for the month that just ended: late probe
# files from the last days have arrived by then, and finance invoices from the 5th.
@dg.schedule(
    job=monthly_sla_job,
    cron_schedule="0 2 3 * *",
    execution_timezone="Africa/Cairo",
)
def monthly_sla_schedule(context: dg.ScheduleEvaluationContext):
    now = context.scheduled_execution_time or datetime.now(ZoneInfo("Africa/Cairo"))
    month = previous_month(now.date())
    return dg.RunRequest(run_key=month, partition_key=partition_key_of(month))


@dg.sensor(
    job=monthly_sla_job, minimum_interval_seconds=300, default_status=dg.DefaultSensorStatus.STOPPED
)
def new_raw_files_sensor(context: dg.SensorEvaluationContext):
    """A new or changed raw/reference file, or source adapter file (sources/), re-runs the last
    closed month (restatement-safe)."""
    data_dir = get_settings().data_dir
    listing = []
    for folder in ("raw", "reference", SOURCES_DIR):
        root = data_dir / folder
        if root.exists():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                stat = path.stat()
                listing.append(f"{path.relative_to(data_dir)}:{stat.st_size}:{stat.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(listing).encode()).hexdigest()
    if digest == context.cursor:
        return dg.SkipReason("no new or changed files")
    context.update_cursor(digest)
    month = previous_month(datetime.now(ZoneInfo("UTC")).date())
    return dg.RunRequest(run_key=digest, partition_key=partition_key_of(month))
