{#-
  Nearly every result passes, and a location's state only changes at a failure or a gap, so
  the month's results are first summarised per location into buckets of 32 slots (on the
  month's grid, int_probe_results_slotted): a bucket with no failure whose occupied slots are
  contiguous, and whose results all fall in its pair's window, holds no state change and no gap,
  and stands for all its results by its first and last. Only the other buckets' results are
  read again one by one (int_location_states_compressed). The rows are grouped as they spell
  their tenant and component, then the groups (not the rows) meet their pair; a bucket written
  under two spellings of one pair is merged. A conflict needs a failure, so a
  bucket holding one is never steady and its results are read again, where conflicts are left
  out. One pass and a grouping instead of a sort of every result. Tenant-incremental
  (macros/probe_scope.sql): a run reads only the files of the tenants whose inputs changed.
-#}
{{ config(
    materialized="table" if target.type == "spark" else "incremental",
    on_schema_change="sync_all_columns",
    pre_hook="{{ probe_scope_delete('intermediate') }}"
) }}
-- depends_on: {{ ref('stg_probes__file_pairs') }}
-- depends_on: {{ ref('stg_probes__keys') }}
-- depends_on: {{ ref('int_tenant_components_monthly') }}
{%- set scope = probe_scope('intermediate') %}
with

pairs as (

    select
        tenant_id,
        component,
        tenant_key,
        component_key,
        probes_from_us,
        probes_until_us,
        count(*) over (partition by tenant_key, component_key) as spellings
    from {{ ref('int_probe_pairs_windowed') }}
    where is_valid_pair

),

as_written as (

    select
        tenant_id,
        component,
        location,
        bucket,
        count(*) as results,
        sum(case when is_ok then 0 else 1 end) as failed_results,
        min(checked_at_us) as first_at_us,
        max(checked_at_us) as last_at_us,
        min(slot) as first_slot,
        max(slot) as last_slot,
        bit_or({{ power_of_two('slot % 32') }}) as slot_mask
    from {{ ref('int_probe_results_slotted') }}
    where {{ probe_scope_filter(scope, tenant_column='trim(tenant_id)', file_column='source_file') }}
    group by 1, 2, 3, 4

),

-- the buckets that may hold a result in their pair's window, under the pair's keys
keyed as (

    select
        pairs.tenant_key as tenant_id,
        pairs.component_key as component,
        as_written.location,
        as_written.bucket,
        as_written.results,
        as_written.failed_results,
        as_written.first_at_us,
        as_written.last_at_us,
        as_written.first_slot,
        as_written.last_slot,
        as_written.slot_mask,
        pairs.spellings,
        case
            when
                as_written.first_at_us < pairs.probes_from_us
                or as_written.last_at_us >= pairs.probes_until_us
                then 1
            else 0
        end as crosses_window
    from as_written
    inner join pairs
        on as_written.tenant_id = pairs.tenant_id
        and as_written.component = pairs.component
    where
        as_written.last_at_us >= pairs.probes_from_us
        and as_written.first_at_us < pairs.probes_until_us

),

-- A pair written one way has one row per bucket already; one written several ways (" t" and
-- "t") is merged. Grouping every bucket again only for those cost 2 CPU-s at 10⁸ rows.
bucketed as (

    select
        tenant_id,
        component,
        location,
        bucket,
        results,
        failed_results,
        first_at_us,
        last_at_us,
        first_slot,
        last_slot,
        slot_mask,
        crosses_window
    from keyed
    where spellings = 1

    union all

    select
        tenant_id,
        component,
        location,
        bucket,
        cast(sum(results) as bigint) as results,
        sum(failed_results) as failed_results,
        min(first_at_us) as first_at_us,
        max(last_at_us) as last_at_us,
        min(first_slot) as first_slot,
        max(last_slot) as last_slot,
        bit_or(slot_mask) as slot_mask,
        max(crosses_window) as crosses_window
    from keyed
    where spellings > 1
    group by 1, 2, 3, 4

),

judged as (

    select
        *,
        -- a result outside the pair's window can only be left out row by row
        failed_results = 0
        and crosses_window = 0
        and slot_mask
        = {{ power_of_two('last_slot % 32 + 1') }} - {{ power_of_two('first_slot % 32') }}
        as is_steady
    from bucketed

)

select * from judged
