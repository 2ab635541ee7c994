{#- A view on every engine: it only names the month's results for the two models that read them. -#}
{{ config(materialized='view') }}
{#-
  The valid results that can matter to the month (the components' look-back and look-ahead),
  each with its location's stale_after and its slot and bucket (int_probe_buckets_summarised),
  and the file it came from (the tenant-incremental models read only some files).
-#}
with

components as (

    select
        tenant_id,
        component,
        stale_after_us,
        probes_from_us,
        probes_until_us,
        slot_us
    from {{ ref('int_tenant_components_monthly') }}

),

slotted as (

    select
        probes.tenant_id,
        probes.component,
        probes.location,
        probes.checked_at_us,
        probes.is_ok,
        probes.source_file,
        components.stale_after_us,
        {{ int_div('probes.checked_at_us', 'components.slot_us') }} as slot
    from {{ ref('stg_probes__results') }} as probes
    inner join components
        on probes.tenant_id = components.tenant_id
        and probes.component = components.component
    where
        probes.checked_at_us >= components.probes_from_us
        and probes.checked_at_us < components.probes_until_us

)

select
    *,
    {{ int_div('slot', 32) }} as bucket
from slotted
