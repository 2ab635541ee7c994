{#- Every component of every active contract's policy, data or not. -#}
with

months as (

    select * from {{ ref('int_contract_months_bounded') }}

),

components as (

    select * from {{ ref('stg_reference__policy_components') }}

),

joined as (

    select
        months.*,
        components.component,
        components.component_position,
        -- the probe results that can matter to the month: an episode reaching past either
        -- end of this window is longer than any minimum duration either way (a minimum of two
        -- days on an episode starting in the month's last hour needs the two days after it),
        -- so trimming cannot change what counts
        months.month_start_us
        - (months.min_downtime_us + months.stale_after_us + 86400000000) as probes_from_us,
        months.month_end_us
        + (months.min_downtime_us + months.stale_after_us + 86400000000) as probes_until_us,
        -- results in adjacent slots of this width are never further apart than stale_after
        greatest({{ int_div('months.stale_after_us', 2) }}, 1) as slot_us
    from months
    inner join components
        on months.policy_id = components.policy_id
        and months.policy_plan = components.plan_tier

)

select * from joined
