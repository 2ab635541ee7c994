"""Freshness: last month's credits must exist by the 3rd, Cairo time (finance invoices from
the 5th, and the monthly schedule runs at 02:00 on the 3rd)."""

import functools

import dagster as dg

SERVICE_CREDITS = dg.AssetKey(["marts", "service_credits"])


@functools.cache
def service_credits_freshness_checks() -> tuple[dg.AssetChecksDefinition, ...]:
    return tuple(
        dg.build_time_partition_freshness_checks(
            assets=[SERVICE_CREDITS],
            # midnight starting the 3rd of each month, Africa/Cairo
            deadline_cron="0 0 3 * *",
            timezone="Africa/Cairo",
            severity=dg.AssetCheckSeverity.ERROR,
        )
    )


@dg.definitions
def freshness() -> dg.Definitions:
    checks = service_credits_freshness_checks()
    return dg.Definitions(
        asset_checks=list(checks),
        sensors=[
            dg.build_sensor_for_freshness_checks(
                freshness_checks=list(checks), name="service_credits_freshness_sensor"
            )
        ],
    )
