{#- Every landed backup row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'backups') }}

),

tenants as (

    select tenant_id from {{ ref('stg_reference__contracts') }}

),

parsed as (

    select
        source.*,
        trim(source.backup_id) as backup_key,
        trim(source.tenant_id) as tenant_key,
        trim(source.store) as store_key,
        lower(trim(source.status)) as status_key,
        {{ parse_boolean('source.encrypted') }} as is_encrypted,
        {{ parse_timestamp_us('source.started_at') }} as started_at_us,
        {{ parse_timestamp_us('source.completed_at') }} as completed_at_us,
        tenants.tenant_id is not null as is_known_tenant
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['backup_id', 'tenant_id', 'store', 'started_at', 'status',
                'encrypted']) }}
            when status_key not in ('succeeded', 'failed') then 'unknown status'
            when is_encrypted is null then 'unparseable value: encrypted'
            {{ timestamp_checks('started_at') }}
            {{ timestamp_checks('completed_at', required=false) }}
            when completed_at_us < started_at_us then 'completed_at before started_at'
            -- a success that never completed contradicts itself: nobody can tell which is true
            when status_key = 'succeeded' and completed_at_us is null
                then 'missing key: completed_at'
            when not is_known_tenant then 'unknown tenant'
        end as reason
    from parsed

)

select * from checked
