{#- Every landed dispute row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'disputes') }}

),

tenant_components as (

    select * from {{ ref('stg_reference__tenant_components') }}

),

parsed as (

    select
        source.*,
        trim(source.dispute_id) as dispute_key,
        trim(source.tenant_id) as tenant_key,
        trim(source.service_month) as service_month_key,
        nullif(trim(source.component), '') as component_key,
        lower(trim(source.outcome)) as outcome_key,
        {{ parse_timestamp_us('source.starts_at') }} as starts_at_us,
        {{ parse_timestamp_us('source.ends_at') }} as ends_at_us,
        {{ parse_timestamp_us('source.decided_at') }} as decided_at_us,
        {{ try_decimal('source.claimed_downtime_minutes', 18, 6) }} as claimed_minutes,
        exists(
            select 1 from tenant_components as tc
            where tc.tenant_id = trim(source.tenant_id)
        ) as is_known_tenant,
        nullif(trim(source.component), '') is null or exists (
            select 1 from tenant_components as tc
            where
                tc.tenant_id = trim(source.tenant_id)
                and tc.component = trim(source.component)
        ) as is_known_component
    from source

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['dispute_id', 'tenant_id', 'service_month', 'starts_at',
                'ends_at', 'outcome']) }}
            when not {{ is_service_month('service_month') }} then 'unparseable value: service_month'
            when outcome_key not in ('accepted', 'rejected', 'pending') then 'unknown outcome'
            {{ timestamp_checks('starts_at') }}
            {{ timestamp_checks('ends_at') }}
            {{ timestamp_checks('decided_at', required=false) }}
            when outcome_key <> 'pending' and nullif(trim(decided_at), '') is null
                then 'missing key: decided_at'
            when ends_at_us < starts_at_us then 'ends_at before starts_at'
            when nullif(trim(claimed_downtime_minutes), '') is not null and claimed_minutes is null
                then 'unparseable value: claimed_downtime_minutes'
            when not is_known_tenant then 'unknown tenant'
            when not is_known_component then 'unknown component for the tenant''s policy'
        end as first_reason
    from parsed

),

-- One dispute decided twice at the same instant, the two decisions different: which stands
-- cannot be told, so both are bad input ("conflicting duplicates") and an earlier decision,
-- if any, stands; the file's name must not decide an outcome. Exact repeats count once.
conflicts as (

    select
        dispute_key,
        decided_at_us
    from checked
    where first_reason is null
    group by dispute_key, decided_at_us
    having count(distinct {{ dbt.concat([
        "tenant_key", "'|'", "service_month_key", "'|'", "coalesce(component_key, '')", "'|'",
        "cast(starts_at_us as string)", "'|'", "cast(ends_at_us as string)", "'|'",
        "outcome_key", "'|'", "coalesce(cast(claimed_minutes as string), '')"
    ]) }}) > 1

)

select
    checked.*,
    coalesce(
        checked.first_reason,
        case when conflicts.dispute_key is not null then 'conflicting decisions' end
    ) as reason
from checked
left join conflicts
    on
        checked.dispute_key = conflicts.dispute_key
        and coalesce(checked.decided_at_us, -1) = coalesce(conflicts.decided_at_us, -1)
