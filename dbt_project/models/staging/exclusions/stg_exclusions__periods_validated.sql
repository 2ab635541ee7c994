{#- Every landed exclusion row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'exclusions') }}

),

tenant_components as (

    select * from {{ ref('stg_reference__tenant_components') }}

),

parsed as (

    select
        source.*,
        trim(source.exclusion_id) as exclusion_key,
        trim(source.tenant_id) as tenant_key,
        nullif(trim(source.component), '') as component_key,
        lower(trim(source.reason)) as reason_key,
        {{ parse_timestamp_us('source.starts_at') }} as starts_at_us,
        {{ parse_timestamp_us('source.ends_at') }} as ends_at_us,
        trim(source.tenant_id) = '*' or exists (
            select 1 from tenant_components as tc
where tc.tenant_id = trim(source.tenant_id)
        ) as is_known_tenant,
        nullif(trim(source.component), '') is null or exists (
            select 1 from tenant_components as tc
            where tc.component = trim(source.component)
                and (trim(source.tenant_id) = '*' or tc.tenant_id = trim(source.tenant_id))
        ) as is_known_component
    from source

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['exclusion_id', 'tenant_id', 'starts_at', 'ends_at', 'reason']) }}
            when reason_key not in (
                'force_majeure', 'outside_control', 'customer_caused', 'suspension',
                'security_emergency', 'beta_feature'
            ) then 'unknown exclusion reason'
            {{ timestamp_checks('starts_at') }}
            {{ timestamp_checks('ends_at') }}
            when ends_at_us < starts_at_us then 'ends_at before starts_at'
            when not is_known_tenant then 'unknown tenant'
            when not is_known_component then 'unknown component for the tenant''s policy'
        end as first_reason,
        -- what a row says about its period; an exact repeat says the same and counts once
        {{ dbt.hash(dbt.concat([
            "coalesce(tenant_key, '')", "'|'",
            "coalesce(component_key, '')", "'|'",
            "coalesce(reason_key, '')", "'|'",
            "coalesce(cast(starts_at_us as string), '')", "'|'",
            "coalesce(cast(ends_at_us as string), '')",
        ])) }} as content_hash
    from parsed

),

-- one exclusion_id, two different periods: which one was meant cannot be told, so every row
-- of it is bad input ("conflicting duplicates")
conflicts as (

    select exclusion_key
    from checked
    where first_reason is null
    group by exclusion_key
    having count(distinct content_hash) > 1

)

select
    checked.*,
    coalesce(
        checked.first_reason,
        case when conflicts.exclusion_key is not null then 'conflicting exclusions' end
    ) as quarantine_reason
from checked
left join conflicts on checked.exclusion_key = conflicts.exclusion_key
