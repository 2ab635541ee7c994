with

source as (

    select * from {{ source('raw', 'policies') }}

),

-- Durations become microseconds in 38 digits: 18 overflowed from a million seconds (11.6 days
-- of staleness or minimum Downtime) and failed every tenant's month.
renamed as (

    select
        policy_id,
        plan_tier,
        timezone,
        cast(uptime_target_pct as decimal(9, 6)) as uptime_target_pct,
        combine,
        cast(cast(min_downtime_seconds as decimal(38, 6)) * 1000000 as bigint) as min_downtime_us,
        quorum as quorum_rule,
        case when quorum <> 'majority' then cast(quorum as integer) end as quorum_count,
        cast(cast(stale_after_seconds as decimal(38, 6)) * 1000000 as bigint) as stale_after_us,
        cast(
            cast(maintenance_notice_hours as decimal(38, 6)) * 3600000000 as bigint
        ) as maintenance_notice_us,
        cast(
            cast(backup_max_gap_hours as decimal(38, 6)) * 3600000000 as bigint
        ) as backup_max_gap_us,
        cast(
            cast(rto_hours as decimal(38, 6)) * 3600000000 as bigint
        ) as rto_us,
        cast(
            cast(rpo_hours as decimal(38, 6)) * 3600000000 as bigint
        ) as rpo_us,
        cast(
            cast(breach_notice_hours as decimal(38, 6)) * 3600000000 as bigint
        ) as breach_notice_us,
        cast(credit_cap_pct as decimal(10, 6)) as credit_cap_pct,
        claim_required = 'true' as claim_required,
        cast(claim_window_days as integer) as claim_window_days,
        claim_anchor,
        cast(termination_after_consecutive_breaches as integer)
            as termination_after_consecutive_breaches,
        calendar_timezone,
        calendar_weekdays,
        calendar_opens,
        calendar_closes,
        calendar_holidays,
        cast(coverage_review_below_pct as decimal(9, 6)) as coverage_review_below_pct,
        policy_version,
        source_file,
        source_line
    from source

)

select * from renamed
