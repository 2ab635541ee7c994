{#- A view on every engine: it only names the month's results for the two models that read them. -#}
{{ config(materialized='view') }}
{#-
  The valid results that can matter to the month (the components' look-back and look-ahead),
  each with its location's stale_after and its slot and bucket (int_probe_buckets_summarised),
  and the file it came from (the tenant-incremental models read only some files). These are
  stg_probes__results' rows in the month's windows, found with one join of every landed row
  to its pair and the pair's window together (int_probe_pairs_windowed): the pairs are few,
  the rows are not, and a second join of every row, to the components, cost as much again.
-#}
with

source as (

    select * from {{ source('raw', 'probes') }}

),

windowed_pairs as (

    select * from {{ ref('int_probe_pairs_windowed') }}

),

valid as (

    {{ valid_probe_rows(
        'source', 'windowed_pairs',
        pair_columns=['stale_after_us', 'probes_from_us', 'probes_until_us', 'slot_us']
    ) }}

),

conflicts as (

    select * from {{ ref('stg_probes__conflicts') }}

),

slotted as (

    select
        valid.tenant_key as tenant_id,
        valid.component_key as component,
        valid.location_key as location,
        valid.checked_at_us,
        valid.is_ok,
        valid.source_file,
        valid.stale_after_us,
        {{ int_div('valid.checked_at_us', 'valid.slot_us') }} as slot
    from valid
    {{ probe_conflict_join('valid', 'conflicts') }}
    where
        conflicts.checked_at_us is null
        and valid.checked_at_us >= valid.probes_from_us
        and valid.checked_at_us < valid.probes_until_us

)

select
    *,
    {{ int_div('slot', 32) }} as bucket
from slotted
