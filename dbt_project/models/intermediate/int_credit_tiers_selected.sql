{#-
  Meaning 7's tier, per tenant and month. combine: worst — the component with the most
  counted Downtime (lowest uptime) decides; a tie goes to the policy's first component.
  The single tier whose [at_or_above, below) holds the unrounded uptime applies, compared as
  (total − downtime) × 100 against pct × total, so an uptime of exactly 99.9 is 99.9.
-#}
with

months as (

    select * from {{ ref('int_contract_months_bounded') }}

),

components as (

    select * from {{ ref('int_component_availability_computed') }}

),

tiers as (

    select * from {{ ref('stg_reference__credit_tiers') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by tenant_id order by downtime_us desc, component_position asc
        ) as worst_rank
    from components

),

deciding as (

    select
        ranked.tenant_id,
        ranked.component as deciding_component,
        ranked.total_us,
        ranked.downtime_us,
        months.policy_id,
        months.policy_plan,
        months.uptime_target_pct,
        months.credit_cap_pct
    from ranked
    inner join months on ranked.tenant_id = months.tenant_id
    where ranked.worst_rank = 1

),

tiered as (

    select
        deciding.tenant_id,
        tiers.credit_pct,
        row_number() over (
            partition by deciding.tenant_id order by tiers.tier_number
        ) as tier_rank
    from deciding
    inner join tiers
        on deciding.policy_id = tiers.policy_id
        and deciding.policy_plan = tiers.plan_tier
    where
        (deciding.total_us - deciding.downtime_us) * 100
        >= tiers.at_or_above_pct * deciding.total_us
        and (deciding.total_us - deciding.downtime_us) * 100
        < tiers.below_pct * deciding.total_us

)

select
    deciding.tenant_id,
    deciding.deciding_component,
    deciding.total_us,
    deciding.downtime_us,
    -- stored unrounded for display; every decision above is taken on the exact integers
    cast(100.0 - deciding.downtime_us * 100.0 / deciding.total_us as double) as uptime_pct,
    (deciding.total_us - deciding.downtime_us) * 100
    < deciding.uptime_target_pct * deciding.total_us as breached,
    case
        when tiered.credit_pct is null then cast(0 as decimal(10, 6))
        when tiered.credit_pct > deciding.credit_cap_pct then deciding.credit_cap_pct
        else tiered.credit_pct
    end as credit_pct
from deciding
left join tiered on deciding.tenant_id = tiered.tenant_id and tiered.tier_rank = 1
