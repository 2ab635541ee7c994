{#-
  Meaning 1, location state: a result's state holds until the next result, for at most
  stale_after; consecutive results in one state compress into one run [started, ended).
  Steady buckets (int_probe_buckets_summarised) enter as their first and last result, the
  last marked as continuing the first; the results of every other bucket enter one by one.
  The runs are the same as from every result, at a sliver of the rows.
-#}
with

components as (

    select
        tenant_id,
        component,
        stale_after_us
    from {{ ref('int_tenant_components_monthly') }}

),

buckets as (

    select * from {{ ref('int_probe_buckets_summarised') }}

),

unsteady_buckets as (

    select
        tenant_id,
        component,
        location,
        bucket
    from buckets
    where not is_steady

),

unsteady_results as (

    select
        results.tenant_id,
        results.component,
        results.location,
        results.checked_at_us,
        results.is_ok,
        false as continues_previous,
        1 as results
    from {{ ref('int_probe_results_slotted') }} as results
    inner join unsteady_buckets
        on results.tenant_id = unsteady_buckets.tenant_id
        and results.component = unsteady_buckets.component
        and results.location = unsteady_buckets.location
        and results.bucket = unsteady_buckets.bucket

),

steady_ends as (

    select
        tenant_id,
        component,
        location,
        first_at_us as checked_at_us,
        true as is_ok,
        false as continues_previous,
        results
    from buckets
    where is_steady

    union all

    select
        tenant_id,
        component,
        location,
        last_at_us as checked_at_us,
        true as is_ok,
        true as continues_previous,
        0 as results
    from buckets
    where is_steady and last_at_us > first_at_us

),

results as (

    select
        sequence.*,
        components.stale_after_us
    from (
        select * from unsteady_results
        union all
        select * from steady_ends
    ) as sequence
    inner join components
        on sequence.tenant_id = components.tenant_id
        and sequence.component = components.component

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
        ) as next_at_us,
        lead(continues_previous) over (
            partition by tenant_id, component, location order by checked_at_us
        ) as next_continues
    from results

),

flagged as (

    select
        *,
        case
            when previous_at_us is null then 1
            when previous_is_ok <> is_ok then 1
            when not continues_previous and checked_at_us > previous_at_us + stale_after_us then 1
            else 0
        end as starts_run,
        case
            when next_continues then next_at_us
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
        sum(results) as results
    from numbered
    group by tenant_id, component, location, run_number, is_ok

)

select * from runs
