{{ config(alias='probes') }}

with

validated as (

    select * from {{ ref('stg_probes__results_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        tenant_id,
        component,
        location,
        checked_at,
        ok,
        latency_ms,
        extra,
        reason,
        ingested_at
    from validated

)

select * from quarantined
