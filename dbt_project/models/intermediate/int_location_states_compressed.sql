{#-
  Meaning 1, location state: a result's state holds until the next result, for at most
  stale_after; consecutive results in one state compress into one run [started, ended).
  Steady buckets (int_probe_buckets_summarised) enter as their first and last result, the
  last marked as continuing the first; the results of every other bucket enter one by one,
  those in their pair's window that no other result contradicts (stg_probes__conflicts). The runs are the same as from every result, at a sliver of the rows. Each location's series
  is windowed under a small integer id rather than three strings, and sorted once: the sort
  behind the windows is most of this model's cost. Tenant-incremental
  (macros/probe_scope.sql): a run reads only the files of the tenants whose inputs changed.
-#}
{{ config(
    materialized="table" if target.type == "spark" else "incremental",
    on_schema_change="sync_all_columns",
    pre_hook="{{ probe_scope_delete('intermediate') }}"
) }}
-- depends_on: {{ ref('stg_probes__file_pairs') }}
-- depends_on: {{ ref('stg_probes__keys') }}
{%- set scope = probe_scope('intermediate') %}
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
    where {{ probe_scope_filter(scope, tenant_column='tenant_id') }}

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

pairs as (

    select
        tenant_id,
        component,
        tenant_key,
        component_key,
        probes_from_us,
        probes_until_us
    from {{ ref('int_probe_pairs_windowed') }}
    where is_valid_pair

),

-- each unsteady bucket under every spelling of its pair, to meet the rows as they are written
unsteady_as_written as (

    select
        pairs.tenant_id as written_tenant_id,
        pairs.component as written_component,
        unsteady_buckets.tenant_id,
        unsteady_buckets.component,
        unsteady_buckets.location,
        unsteady_buckets.bucket,
        unsteady_buckets.series_id,
        pairs.probes_from_us,
        pairs.probes_until_us
    from unsteady_buckets
    inner join pairs
        on unsteady_buckets.tenant_id = pairs.tenant_key
        and unsteady_buckets.component = pairs.component_key

),

-- the results of the unsteady buckets inside their pair's window: one join of the month's rows
unsteady_rows as (

    select
        unsteady.series_id,
        unsteady.tenant_id as tenant_key,
        unsteady.component as component_key,
        unsteady.location as location_key,
        results.checked_at_us,
        results.is_ok
    from (
        select * from {{ ref('int_probe_results_slotted') }}
        where {{ probe_scope_filter(scope, tenant_column='trim(tenant_id)', file_column='source_file') }}
    ) as results
    inner join unsteady_as_written as unsteady
        on results.tenant_id = unsteady.written_tenant_id
        and results.component = unsteady.written_component
        and results.location = unsteady.location
        and results.bucket = unsteady.bucket
    where
        results.checked_at_us >= unsteady.probes_from_us
        and results.checked_at_us < unsteady.probes_until_us

),

conflicts as (

    select * from {{ ref('stg_probes__conflicts') }}

),

unsteady_results as (

    select
        unsteady_rows.series_id,
        unsteady_rows.checked_at_us,
        unsteady_rows.is_ok,
        false as continues_previous
    from unsteady_rows
    {{ probe_conflict_join('unsteady_rows', 'conflicts') }}
    where conflicts.checked_at_us is null

),

steady_ends as (

    select
        series_id,
        first_at_us as checked_at_us,
        true as is_ok,
        false as continues_previous
    from located_buckets
    where is_steady

    union all

    select
        series_id,
        last_at_us as checked_at_us,
        true as is_ok,
        true as continues_previous
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

    -- Every window here has the same partition and order, so they are computed over one sort
    -- and agree on the order of exact repeats (one instant, one state), which tie.
    select
        *,
        lag(checked_at_us) over ordered as previous_at_us,
        lag(is_ok) over ordered as previous_is_ok,
        lead(checked_at_us) over ordered as next_at_us,
        lead(is_ok) over ordered as next_is_ok,
        lead(continues_previous) over ordered as next_continues,
        row_number() over ordered as position
    from results
    window ordered as (partition by series_id order by checked_at_us)

),

flagged as (

    select
        *,
        {{ starts_run(
            'previous_at_us', 'previous_is_ok', 'checked_at_us', 'is_ok', 'continues_previous'
        ) }} as starts_run,
        -- the same test for the next result: this one ends its run when the next starts one
        {{ starts_run(
            'checked_at_us', 'is_ok', 'next_at_us', 'next_is_ok', 'next_continues'
        ) }} as ends_run,
        case
            when next_continues then next_at_us
            when next_at_us is not null and next_at_us < checked_at_us + stale_after_us
                then next_at_us
            else checked_at_us + stale_after_us
        end as holds_until_us
    from neighboured

),

-- A run is its first and its last result (one result may be both). Only these rows are
-- windowed again: numbering every result by a running sum of run starts was a second pass
-- over all of them and most of this model's time.
boundaries as (

    select
        series_id,
        position,
        is_ok,
        starts_run,
        ends_run,
        checked_at_us,
        holds_until_us,
        -- between a run's first and last result there is no other boundary
        lag(checked_at_us) over (partition by series_id order by position)
            as previous_boundary_at_us
    from flagged
    where starts_run = 1 or ends_run = 1

),

runs as (

    select
        series_id,
        row_number() over (partition by series_id order by position) as run_number,
        is_ok,
        case when starts_run = 1 then checked_at_us else previous_boundary_at_us end
            as started_at_us,
        -- a run's results hold one after the other, so its last holds longest
        holds_until_us as ended_at_us
    from boundaries
    where ends_run = 1

)

select
    series.tenant_id,
    series.component,
    series.location,
    runs.run_number,
    runs.is_ok,
    runs.started_at_us,
    runs.ended_at_us
from runs
inner join series on runs.series_id = series.series_id
