{#- Every landed maintenance row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'maintenance') }}

),

tenants as (

    select tenant_id from {{ ref('stg_reference__contracts') }}

),

parsed as (

    select
        source.*,
        trim(source.window_id) as window_key,
        trim(source.tenant_id) as tenant_key,
        lower(trim(source.kind)) as kind_key,
        {{ parse_timestamp_us('source.starts_at') }} as starts_at_us,
        {{ parse_timestamp_us('source.ends_at') }} as ends_at_us,
        {{ parse_timestamp_us('source.announced_at') }} as announced_at_us,
        trim(source.tenant_id) = '*' or tenants.tenant_id is not null as is_known_tenant
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['window_id', 'tenant_id', 'starts_at', 'ends_at', 'kind']) }}
            when kind_key not in ('scheduled', 'emergency') then 'unknown kind'
            when kind_key = 'scheduled' and nullif(trim(announced_at), '') is null
                then 'missing key: announced_at'
            {{ timestamp_checks('starts_at') }}
            {{ timestamp_checks('ends_at') }}
            {{ timestamp_checks('announced_at', required=false) }}
            when ends_at_us < starts_at_us then 'ends_at before starts_at'
            when not is_known_tenant then 'unknown tenant'
        end as first_reason,
        -- what a row says about its window; an exact repeat says the same and counts once
        {{ dbt.hash(dbt.concat([
            "coalesce(tenant_key, '')", "'|'",
            "coalesce(kind_key, '')", "'|'",
            "coalesce(cast(starts_at_us as string), '')", "'|'",
            "coalesce(cast(ends_at_us as string), '')",
        ])) }} as content_hash
    from parsed

),

-- One window, one announcement instant, two different windows: the latest announcement
-- cannot be told, so both rows are bad input (and an earlier announcement, if any, stands).
conflicts as (

    select
        window_key,
        coalesce(announced_at_us, -1) as announced_key
    from checked
    where first_reason is null
    group by window_key, coalesce(announced_at_us, -1)
    having count(distinct content_hash) > 1

)

select
    checked.*,
    coalesce(
        checked.first_reason,
        case when conflicts.window_key is not null then 'conflicting windows' end
    ) as reason
from checked
left join conflicts
    on checked.window_key = conflicts.window_key
    and coalesce(checked.announced_at_us, -1) = conflicts.announced_key
