{#-
  Meaning 1, location state: a result's state holds until the next result, for at most
  stale_after; consecutive results in one state compress into one run [started, ended).
  Only results near the month are read: an episode that reaches past the look-back is
  longer than any minimum duration either way, so trimming cannot change what counts.
-#}
with

components as (

    select
        tenant_id,
        component,
        stale_after_us,
        month_start_us - (min_downtime_us + stale_after_us + 86400000000) as read_from_us,
        month_end_us + stale_after_us + 86400000000 as read_until_us
    from {{ ref('int_tenant_components_monthly') }}

),

results as (

    select distinct
        probes.tenant_id,
        probes.component,
        probes.location,
        probes.checked_at_us,
        probes.is_ok,
        components.stale_after_us
    from {{ ref('stg_probes__results') }} as probes
    inner join components
        on probes.tenant_id = components.tenant_id
        and probes.component = components.component
    where
        probes.checked_at_us >= components.read_from_us
        and probes.checked_at_us < components.read_until_us

),

neighboured as (

    select
        *,
        lag(checked_at_us) over (
            partition by tenant_id, component, location order by checked_at_us
        ) as previous_at_us,
        lag(is_ok) over (
            partition by tenant_id, component, location order by checked_at_us
        ) as previous_is_ok,
        lead(checked_at_us) over (
            partition by tenant_id, component, location order by checked_at_us
        ) as next_at_us
    from results

),

flagged as (

    select
        *,
        case
            when previous_at_us is null then 1
            when previous_is_ok <> is_ok then 1
            when checked_at_us > previous_at_us + stale_after_us then 1
            else 0
        end as starts_run,
        case
            when next_at_us is not null and next_at_us < checked_at_us + stale_after_us
                then next_at_us
            else checked_at_us + stale_after_us
        end as holds_until_us
    from neighboured

),

numbered as (

    select
        *,
        sum(starts_run) over (
            partition by tenant_id, component, location
            order by checked_at_us
            rows between unbounded preceding and current row
        ) as run_number
    from flagged

),

runs as (

    select
        tenant_id,
        component,
        location,
        run_number,
        is_ok,
        min(checked_at_us) as started_at_us,
        max(holds_until_us) as ended_at_us,
        count(*) as results
    from numbered
    group by tenant_id, component, location, run_number, is_ok

)

select * from runs
