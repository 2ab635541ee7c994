{#-
  The month's counted Downtime per local day (policy time zone), for the tenant statement's
  daily chart. Taken from the intervals the month's uptime was computed from, so the days of
  a component always add up to its availability_monthly row; a day is 23 or 25 hours long
  when the clocks change.
-#}
with

components as (

    select * from {{ ref('int_tenant_components_monthly') }}

),

counted as (

    select * from {{ ref('int_counted_downtime_intervals') }}

),

-- Down time inside the contract's days of episodes long enough to count, before exclusions:
-- what is left after taking the counted part out is the excluded part.
down as (

    select
        tenant_id,
        component,
        contract_started_at_us as started_at_us,
        contract_ended_at_us as ended_at_us
    from {{ ref('int_downtime_pieces_minus_exclusions') }}
    where is_long_enough and contract_ended_at_us > contract_started_at_us

),

numbers as (

    {{ dbt.generate_series(31) }}

),

days as (

    select
        components.tenant_id,
        components.component,
        components.service_month,
        components.policy_id,
        components.timezone,
        cast({{ dbt.dateadd('day', 'numbers.generated_number - 1', 'components.month_first_on') }}
            as date) as local_on
    from components
    cross join numbers
    where
        numbers.generated_number - 1
        < {{ days_between('components.month_first_on', 'components.next_month_first_on') }}

),

bounded as (

    select
        *,
        {{ local_midnight_us('local_on', 'timezone') }} as day_start_us,
        {{ local_midnight_us(dbt.dateadd('day', 1, 'local_on'), 'timezone') }} as day_end_us
    from days

),

counted_by_day as (

    select
        bounded.tenant_id,
        bounded.component,
        bounded.local_on,
        sum(
            case
                when counted.ended_at_us < bounded.day_end_us then counted.ended_at_us
                else bounded.day_end_us
            end
            - case
                when counted.started_at_us > bounded.day_start_us then counted.started_at_us
                else bounded.day_start_us
            end
        ) as downtime_us
    from bounded
    inner join counted
        on bounded.tenant_id = counted.tenant_id
        and bounded.component = counted.component
        and counted.started_at_us < bounded.day_end_us
        and counted.ended_at_us > bounded.day_start_us
    group by bounded.tenant_id, bounded.component, bounded.local_on

),

down_by_day as (

    select
        bounded.tenant_id,
        bounded.component,
        bounded.local_on,
        sum(
            case
                when down.ended_at_us < bounded.day_end_us then down.ended_at_us
                else bounded.day_end_us
            end
            - case
                when down.started_at_us > bounded.day_start_us then down.started_at_us
                else bounded.day_start_us
            end
        ) as down_us
    from bounded
    inner join down
        on bounded.tenant_id = down.tenant_id
        and bounded.component = down.component
        and down.started_at_us < bounded.day_end_us
        and down.ended_at_us > bounded.day_start_us
    group by bounded.tenant_id, bounded.component, bounded.local_on

),

measured as (

    select
        bounded.tenant_id,
        bounded.component,
        bounded.service_month,
        bounded.local_on,
        bounded.policy_id,
        bounded.day_end_us - bounded.day_start_us as day_us,
        coalesce(counted_by_day.downtime_us, 0) as downtime_us,
        coalesce(down_by_day.down_us, 0) - coalesce(counted_by_day.downtime_us, 0) as excluded_us,
        bounded.day_start_us,
        bounded.day_end_us
    from bounded
    left join counted_by_day
        on bounded.tenant_id = counted_by_day.tenant_id
        and bounded.component = counted_by_day.component
        and bounded.local_on = counted_by_day.local_on
    left join down_by_day
        on bounded.tenant_id = down_by_day.tenant_id
        and bounded.component = down_by_day.component
        and bounded.local_on = down_by_day.local_on

),

final as (

    select
        cast(tenant_id as string) as tenant_id,
        cast(component as string) as component,
        cast(service_month as string) as service_month,
        cast(local_on as date) as local_on,
        {{ us_to_timestamp('day_start_us') }} as day_started_at,
        {{ us_to_timestamp('day_end_us') }} as day_ended_at,
        cast(day_us / 60000000.0 as double) as day_minutes,
        cast(downtime_us / 60000000.0 as double) as downtime_minutes,
        cast(excluded_us / 60000000.0 as double) as excluded_minutes,
        cast(100.0 - downtime_us * 100.0 / day_us as double) as uptime_pct,
        cast(policy_id as string) as policy_id,
        cast(day_us as bigint) as day_us,
        cast(downtime_us as bigint) as downtime_us
    from measured

)

select * from final
