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
        end as first_reason
    from parsed

),

-- A claim sent again counts once, at its earliest receipt; but one claim_id for two tenants or
-- two service months cannot be told apart, so every row of it is bad input ("conflicting
-- duplicates") rather than one of them silently winning.
conflicts as (

    select claim_key
    from checked
    where first_reason is null
    group by claim_key
    having count(distinct {{ dbt.concat(["tenant_key", "'|'", "service_month_key"]) }}) > 1

)

select
    checked.*,
    coalesce(
        checked.first_reason,
        case when conflicts.claim_key is not null then 'conflicting claims' end
    ) as reason
from checked
left join conflicts on checked.claim_key = conflicts.claim_key
