{#-
  Every landed ticket export row, parsed, with the reason it is bad (null when it is good).
  Help desks re-export tickets, so one ticket has many rows; two rows of one ticket taken at
  the same exported_at that disagree cannot both be true, and neither is believed.
-#}
with

source as (

    select * from {{ source('raw', 'tickets') }}

),

tenants as (

    select tenant_id from {{ ref('stg_reference__contracts') }}

),

parsed as (

    select
        source.*,
        trim(source.ticket_id) as ticket_key,
        trim(source.tenant_id) as tenant_key,
        upper(trim(source.severity)) as severity_key,
        {{ parse_timestamp_us('source.created_at') }} as created_at_us,
        {{ parse_timestamp_us('source.first_response_at') }} as first_response_at_us,
        {{ parse_timestamp_us('source.exported_at') }} as exported_at_us,
        nullif(trim(source.channel), '') as channel_value,
        nullif(trim(source.subject), '') as subject_value,
        tenants.tenant_id is not null as is_known_tenant
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['ticket_id', 'tenant_id', 'severity', 'created_at', 'exported_at']) }}
            {{ timestamp_checks('created_at') }}
            {{ timestamp_checks('first_response_at', required=false) }}
            {{ timestamp_checks('exported_at') }}
            when severity_key not in ('P1', 'P2', 'P3', 'P4') then 'unknown severity'
            when first_response_at_us < created_at_us then 'first_response_at before created_at'
            when not is_known_tenant then 'unknown tenant'
        end as first_reason,
        -- what a row says about its ticket; an exact repeat says the same and counts once
        {{ dbt.hash(dbt.concat([
            "coalesce(tenant_key, '')", "'|'",
            "coalesce(severity_key, '')", "'|'",
            "coalesce(cast(created_at_us as string), '')", "'|'",
            "coalesce(cast(first_response_at_us as string), '')", "'|'",
            "coalesce(channel_value, '')", "'|'",
            "coalesce(subject_value, '')",
        ])) }} as content_hash
    from parsed

),

-- one ticket, one export instant, two different stories: both rows are bad input
conflicts as (

    select
        ticket_key,
        exported_at_us
    from checked
    where first_reason is null
    group by ticket_key, exported_at_us
    having count(distinct content_hash) > 1

)

select
    checked.*,
    coalesce(
        checked.first_reason,
        case when conflicts.ticket_key is not null then 'conflicting exports' end
    ) as reason
from checked
left join conflicts
    on checked.ticket_key = conflicts.ticket_key
    and checked.exported_at_us = conflicts.exported_at_us
