{#-
  Every landed probe row with the reason it is bad input (null when it is good), by the rules
  that need only the row itself and the contracts. Ingestion has already parsed the instant,
  state and latency into typed columns and kept the text only where they did not parse, so a
  good row is never parsed here. Results contradicting each other at one instant are found from
  the survivors (stg_probes__conflicts) and judged in stg_probes__results_validated.
-#}
with

source as (

    select * from {{ source('raw', 'probes') }}

),

tenant_components as (

    select * from {{ ref('stg_reference__tenant_components') }}

),

tenants as (

    select distinct tenant_id from tenant_components

),

parsed as (

    select
        source.tenant_id,
        source.component,
        source.location,
        source.checked_at,
        source.ok,
        source.latency_ms,
        source.extra,
        source.parse_error,
        source.source_file,
        source.source_line,
        source.file_sha256,
        source.ingested_at,
        trim(source.tenant_id) as tenant_key,
        trim(source.component) as component_key,
        trim(source.location) as location_key,
        source.checked_at_us,
        source.is_ok,
        source.latency_ms_value,
        tenants.tenant_id is not null as is_known_tenant,
        tenant_components.component is not null as is_known_component
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id
    left join tenant_components
        on trim(source.tenant_id) = tenant_components.tenant_id
        and trim(source.component) = tenant_components.component

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['tenant_id', 'component', 'location']) }}
            when checked_at_us is null and nullif(trim(checked_at), '') is null
                then 'missing key: checked_at'
            when is_ok is null and nullif(trim(ok), '') is null then 'missing key: ok'
            when checked_at_us is null and {{ parse_timestamp_us('checked_at') }} is null
                then 'unparseable timestamp: checked_at'
            when checked_at_us is null then 'timestamp without offset: checked_at'
            when is_ok is null then 'unparseable value: ok'
            when nullif(trim(latency_ms), '') is not null and latency_ms_value is null
                then 'unparseable value: latency_ms'
            when not is_known_tenant then 'unknown tenant'
            when not is_known_component then 'unknown component for the tenant''s policy'
        end as reason
    from parsed

)

select * from checked
