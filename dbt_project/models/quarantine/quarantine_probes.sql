{{ config(alias='probes') }}
{#-
  The probe rows that break the contract (stg_probes__results_quarantined), then those of file
  versions since replaced or removed.
-#}
with

quarantined as (

    select * from {{ ref('stg_probes__results_quarantined') }}

)

{{
    with_replaced_versions(
        'quarantined',
        'probes',
        [
        'tenant_id',
        'component',
        'location',
        'checked_at',
        'ok',
        'latency_ms',
        'extra',
        ],
    )
}}
