{#- Every landed security incident row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'security_incidents') }}

),

tenants as (

    select tenant_id from {{ ref('stg_reference__contracts') }}

),

parsed as (

    select
        source.*,
        trim(source.incident_id) as incident_key,
        trim(source.tenant_id) as tenant_key,
        {{ parse_boolean('source.personal_data') }} as is_personal_data,
        {{ parse_timestamp_us('source.became_aware_at') }} as became_aware_at_us,
        {{ parse_timestamp_us('source.notified_at') }} as notified_at_us,
        tenants.tenant_id is not null as is_known_tenant
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['incident_id', 'tenant_id', 'became_aware_at',
                'personal_data']) }}
            when is_personal_data is null then 'unparseable value: personal_data'
            {{ timestamp_checks('became_aware_at') }}
            {{ timestamp_checks('notified_at', required=false) }}
            when notified_at_us < became_aware_at_us then 'notified_at before became_aware_at'
            when not is_known_tenant then 'unknown tenant'
        end as reason
    from parsed

)

select * from checked
