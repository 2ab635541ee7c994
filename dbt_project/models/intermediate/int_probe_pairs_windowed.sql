{#-
  Each landed (tenant_id, component) pair as written, with the probe window, slot width and
  stale_after of the component it names this month. int_probe_results_slotted joins every
  landed row to this one small table: as a table of its own it stays one join, where the
  same join written inline is split again by the planner into two joins of every row.
-#}
{{ config(materialized='table') }}
with

keys as (

    select * from {{ ref('stg_probes__keys') }}

),

components as (

    select * from {{ ref('int_tenant_components_monthly') }}

),

windowed as (

    select
        keys.tenant_id,
        keys.component,
        keys.tenant_key,
        keys.component_key,
        keys.is_valid_pair,
        components.stale_after_us,
        components.probes_from_us,
        components.probes_until_us,
        components.slot_us
    from keys
    inner join components
        on keys.tenant_key = components.tenant_id
        and keys.component_key = components.component

)

select * from windowed
