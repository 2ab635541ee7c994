{#-
  The service month for every contract active in it, bounded in the policy's time zone:
  month and contract-day edges as epoch microseconds (DST-correct minute counts follow).
-#}
with

contracts as (

    select * from {{ ref('stg_reference__contracts') }}

),

policies as (

    select * from {{ ref('stg_reference__policies') }}

),

bounded as (

    select
        contracts.tenant_id,
        contracts.policy_id,
        contracts.plan_tier,
        contracts.policy_plan,
        contracts.currency,
        contracts.minor_unit,
        contracts.starts_on,
        contracts.ends_on,
        contracts.prepaid_from,
        contracts.prepaid_through,
        contracts.prepaid_amount,
        policies.timezone,
        policies.uptime_target_pct,
        policies.min_downtime_us,
        policies.quorum_count,
        policies.stale_after_us,
        policies.maintenance_notice_us,
        policies.credit_cap_pct,
        policies.claim_required,
        policies.claim_window_days,
        policies.claim_anchor,
        policies.termination_after_consecutive_breaches,
        policies.policy_version,
        policies.coverage_review_below_pct,
        {{ service_month() }} as service_month,
        cast({{ month_first_day() }} as date) as month_first_on,
        cast({{ next_month_first_day() }} as date) as next_month_first_on,
        {{ local_midnight_us(month_first_day(), 'policies.timezone') }} as month_start_us,
        {{ local_midnight_us(next_month_first_day(), 'policies.timezone') }} as month_end_us,
        {{ local_midnight_us('contracts.starts_on', 'policies.timezone') }} as contract_start_us,
        case
            when contracts.ends_on is not null
                then {{ local_midnight_us(dbt.dateadd('day', 1, 'contracts.ends_on'), 'policies.timezone') }}
        end as contract_end_us
    from contracts
    inner join policies
        on contracts.policy_id = policies.policy_id
        and contracts.policy_plan = policies.plan_tier

),

active as (

    select
        *,
        month_end_us - month_start_us as total_us,
        case
            when contract_start_us > month_start_us then contract_start_us else month_start_us
        end as counted_from_us,
        case
            when contract_end_us is not null and contract_end_us < month_end_us
                then contract_end_us
            else month_end_us
        end as counted_until_us
    from bounded
    where
        starts_on < next_month_first_on
        and (ends_on is null or ends_on >= month_first_on)

)

select * from active
