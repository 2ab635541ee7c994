{#- A view on Spark too: a table here would copy every probe row once more. -#}
{{ config(materialized='view') }}
{#- Valid results: no reason of their own, and no other result contradicting them. -#}
with

validated as (

    select * from {{ ref('stg_probes__results_validated') }}
    where reason is null

),

renamed as (

    select
        tenant_key as tenant_id,
        component_key as component,
        location_key as location,
        checked_at_us,
        is_ok,
        latency_ms_value as latency_ms,
        source_file,
        source_line
    from validated

)

select * from renamed
