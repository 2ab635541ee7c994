{#- Every landed recovery event row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'recovery_events') }}

),

tenants as (

    select tenant_id from {{ ref('stg_reference__contracts') }}

),

parsed as (

    select
        source.*,
        trim(source.event_id) as event_key,
        trim(source.tenant_id) as tenant_key,
        lower(trim(source.kind)) as kind_key,
        {{ parse_timestamp_us('source.declared_at') }} as declared_at_us,
        {{ parse_timestamp_us('source.restored_at') }} as restored_at_us,
        {{ parse_timestamp_us('source.restore_point_at') }} as restore_point_at_us,
        -- `*` is an event that hit every tenant (a shared platform)
        trim(source.tenant_id) = '*' or tenants.tenant_id is not null as is_known_tenant
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['event_id', 'tenant_id', 'declared_at', 'restore_point_at',
                'kind']) }}
            when kind_key not in ('disaster', 'restore_test') then 'unknown kind'
            {{ timestamp_checks('declared_at') }}
            {{ timestamp_checks('restored_at', required=false) }}
            {{ timestamp_checks('restore_point_at') }}
            when restored_at_us < declared_at_us then 'restored_at before declared_at'
            when restore_point_at_us > declared_at_us then 'restore_point_at after declared_at'
            when not is_known_tenant then 'unknown tenant'
        end as reason
    from parsed

)

select * from checked
