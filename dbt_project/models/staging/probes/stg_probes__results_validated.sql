{#-
  Every landed probe row with the reason it is bad input (null when it is good): the row's own
  rules (stg_probes__results_screened), then whether another result contradicts it.
-#}
with

screened as (

    select * from {{ ref('stg_probes__results_screened') }}

),

conflicts as (

    select * from {{ ref('stg_probes__conflicts') }}

),

judged as (

    select
        screened.tenant_id,
        screened.component,
        screened.location,
        screened.checked_at,
        screened.ok,
        screened.latency_ms,
        screened.extra,
        screened.parse_error,
        screened.source_file,
        screened.source_line,
        screened.file_sha256,
        screened.ingested_at,
        screened.tenant_key,
        screened.component_key,
        screened.location_key,
        screened.checked_at_us,
        screened.is_ok,
        screened.latency_ms_value,
        screened.is_known_tenant,
        screened.is_known_component,
        coalesce(
            screened.reason,
            case when conflicts.checked_at_us is not null then 'conflicting results' end
        ) as reason
    from screened
    left join conflicts
        on screened.tenant_key = conflicts.tenant_id
        and screened.component_key = conflicts.component
        and screened.location_key = conflicts.location
        and screened.checked_at_us = conflicts.checked_at_us

)

select * from judged
