{#- Every landed claim row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'claims') }}

),

tenants as (

    select tenant_id from {{ ref('stg_reference__contracts') }}

),

parsed as (

    select
        source.*,
        trim(source.claim_id) as claim_key,
        trim(source.tenant_id) as tenant_key,
        trim(source.service_month) as service_month_key,
        {{ parse_timestamp_us('source.received_at') }} as received_at_us,
        tenants.tenant_id is not null as is_known_tenant
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['claim_id', 'tenant_id', 'service_month', 'received_at']) }}
            when not {{ is_service_month('service_month') }} then 'unparseable value: service_month'
            {{ timestamp_checks('received_at') }}
            when not is_known_tenant then 'unknown tenant'
        end as reason
    from parsed

)

select * from checked
