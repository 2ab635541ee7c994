{{ config(materialized='table') }}
{#- Every landed probe row, parsed, with the reason it is bad (null when it is good). -#}
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
        source.*,
        trim(source.tenant_id) as tenant_key,
        trim(source.component) as component_key,
        trim(source.location) as location_key,
        {{ parse_timestamp_us('source.checked_at') }} as checked_at_us,
        {{ parse_boolean('source.ok') }} as is_ok,
        {{ try_decimal('source.latency_ms', 18, 3) }} as latency_ms_value,
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
            {{ missing_key_checks(['tenant_id', 'component', 'location', 'checked_at', 'ok']) }}
            {{ timestamp_checks('checked_at') }}
            when is_ok is null then 'unparseable value: ok'
            when nullif(trim(latency_ms), '') is not null and latency_ms_value is null
                then 'unparseable value: latency_ms'
            when not is_known_tenant then 'unknown tenant'
            when not is_known_component then 'unknown component for the tenant''s policy'
        end as first_reason
    from parsed

),

-- two results for one location and instant that disagree: neither can be believed
conflicts as (

    select
        tenant_key,
        component_key,
        location_key,
        checked_at_us
    from checked
    where first_reason is null
    group by tenant_key, component_key, location_key, checked_at_us
    having count(distinct is_ok) > 1

)

select
    checked.*,
    coalesce(
        checked.first_reason,
        case when conflicts.checked_at_us is not null then 'conflicting results' end
    ) as reason
from checked
left join conflicts
    on checked.tenant_key = conflicts.tenant_key
    and checked.component_key = conflicts.component_key
    and checked.location_key = conflicts.location_key
    and checked.checked_at_us = conflicts.checked_at_us
