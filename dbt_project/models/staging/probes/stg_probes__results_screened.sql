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

keys as (

    select * from {{ ref('stg_probes__keys') }}

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
        keys.tenant_key,
        keys.component_key,
        trim(source.location) as location_key,
        source.checked_at_us,
        source.is_ok,
        source.latency_ms_value,
        coalesce(keys.is_known_tenant, false) as is_known_tenant,
        coalesce(keys.is_known_component, false) as is_known_component
    from source
    left join keys
        on source.tenant_id is not distinct from keys.tenant_id
        and source.component is not distinct from keys.component

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            -- the keys arrive trimmed: what is empty after trimming is missing
            when nullif(tenant_key, '') is null then 'missing key: tenant_id'
            when nullif(component_key, '') is null then 'missing key: component'
            when nullif(location_key, '') is null then 'missing key: location'
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
