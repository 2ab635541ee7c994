{#- Every landed coverage override, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'coverage_overrides') }}

),

tenants as (

    select tenant_id from {{ ref('stg_reference__contracts') }}

),

parsed as (

    select
        source.*,
        trim(source.tenant_id) as tenant_key,
        trim(source.service_month) as service_month_key,
        {{ parse_timestamp_us('source.accepted_at') }} as accepted_at_us,
        tenants.tenant_id is not null as is_known_tenant
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['tenant_id', 'service_month', 'accepted_by', 'accepted_at']) }}
            when not {{ is_service_month('service_month') }} then 'unparseable value: service_month'
            {{ timestamp_checks('accepted_at') }}
            when not is_known_tenant then 'unknown tenant'
        end as reason
    from parsed

)

select * from checked
