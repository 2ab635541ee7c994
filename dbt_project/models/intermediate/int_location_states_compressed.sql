{#-
  Meaning 1, location state: a result's state holds until the next result, for at most
  stale_after; consecutive results in one state compress into one run [started, ended).
  Steady buckets (int_probe_buckets_summarised) enter as their first and last result, the
  last marked as continuing the first; the results of every other bucket enter one by one.
  The runs are the same as from every result, at a sliver of the rows. Each location's series
  is windowed under a small integer id rather than three strings: the sorts behind the
  windows are most of this model's cost.
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

series as (

    select
        located.tenant_id,
        located.component,
        located.location,
        components.stale_after_us,
        row_number() over (
            order by located.tenant_id, located.component, located.location
        ) as series_id
    from (
        select distinct
            tenant_id,
            component,
            location
        from buckets
    ) as located
    inner join components
        on located.tenant_id = components.tenant_id
        and located.component = components.component

),

located_buckets as (

    select
        buckets.*,
        series.series_id
    from buckets
    inner join series
        on buckets.tenant_id = series.tenant_id
        and buckets.component = series.component
        and buckets.location = series.location

),

unsteady_buckets as (

    select
        tenant_id,
        component,
        location,
        bucket,
        series_id
    from located_buckets
    where not is_steady

),

unsteady_results as (

    select
        unsteady_buckets.series_id,
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
        series_id,
        first_at_us as checked_at_us,
        true as is_ok,
        false as continues_previous,
        results
    from located_buckets
    where is_steady

    union all

    select
        series_id,
        last_at_us as checked_at_us,
        true as is_ok,
        true as continues_previous,
        0 as results
    from located_buckets
    where is_steady and last_at_us > first_at_us

),

results as (

    select
        sequence.*,
        series.stale_after_us
    from (
        select * from unsteady_results
        union all
        select * from steady_ends
    ) as sequence
    inner join series on sequence.series_id = series.series_id

),

neighboured as (

    select
        *,
        lag(checked_at_us) over (
            partition by series_id order by checked_at_us
        ) as previous_at_us,
        lag(is_ok) over (
            partition by series_id order by checked_at_us
        ) as previous_is_ok,
        lead(checked_at_us) over (
            partition by series_id order by checked_at_us
        ) as next_at_us,
        lead(continues_previous) over (
            partition by series_id order by checked_at_us
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
            partition by series_id
            order by checked_at_us
            rows between unbounded preceding and current row
        ) as run_number
    from flagged

),

runs as (

    select
        series_id,
        run_number,
        is_ok,
        min(checked_at_us) as started_at_us,
        max(holds_until_us) as ended_at_us,
        sum(results) as results
    from numbered
    group by series_id, run_number, is_ok

)

select
    series.tenant_id,
    series.component,
    series.location,
    runs.run_number,
    runs.is_ok,
    runs.started_at_us,
    runs.ended_at_us,
    runs.results
from runs
inner join series on runs.series_id = series.series_id
