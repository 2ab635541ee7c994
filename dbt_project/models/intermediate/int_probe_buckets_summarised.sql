{#-
  Nearly every result passes, and a location's state only changes at a failure or a gap, so
  the month's results are first summarised per location into buckets of 32 slots (a slot is
  half of stale_after): a bucket with no failure whose occupied slots are contiguous holds no
  state change and no gap, and stands for all its results by its first and last. Only the
  other buckets' results are read again one by one (int_location_states_compressed).
  One pass and a small grouping instead of a sort of every result. Tenant-incremental
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

bucketed as (

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
    where {{ probe_scope_filter(scope, tenant_column='tenant_id', file_column='source_file') }}
    group by 1, 2, 3, 4

),

judged as (

    select
        *,
        failed_results = 0
        and slot_mask
        = {{ power_of_two('last_slot % 32 + 1') }} - {{ power_of_two('first_slot % 32') }}
        as is_steady
    from bucketed

)

select * from judged
