{#-
  Meaning 8's breach_at: the first instant at which a component's counted Downtime so far in
  the month exceeds Total × (100 − target) ÷ 100. Compared exactly, in scaled integers.
-#}
with

components as (

    select * from {{ ref('int_tenant_components_monthly') }}

),

intervals as (

    select * from {{ ref('int_counted_downtime_intervals') }}

),

accumulated as (

    select
        intervals.tenant_id,
        intervals.component,
        intervals.started_at_us,
        intervals.counted_us,
        coalesce(
            sum(intervals.counted_us) over (
                partition by intervals.tenant_id, intervals.component
                order by intervals.started_at_us
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as counted_before_us,
        -- the allowance × 100, kept exact: total_us × (100 − target)
        components.total_us * (100 - components.uptime_target_pct) as allowance_x100
    from intervals
    inner join components
        on intervals.tenant_id = components.tenant_id
        and intervals.component = components.component

),

crossing as (

    select
        tenant_id,
        component,
        started_at_us
        + cast(floor(allowance_x100 * 0.01 - counted_before_us) as bigint) as breach_at_us
    from accumulated
    where
        counted_before_us * 100 <= allowance_x100
        and (counted_before_us + counted_us) * 100 > allowance_x100

)

select
    tenant_id,
    min(breach_at_us) as breach_at_us
from crossing
group by tenant_id
