{#- Every landed contract row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'contracts') }}

),

policies as (

    select distinct policy_id from {{ ref('stg_reference__policies') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

parsed as (

    select
        source.*,
        trim(source.tenant_id) as tenant_key,
        trim(source.policy_id) as policy_key,
        coalesce(nullif(trim(source.plan_tier), ''), '') as plan_key,
        upper(trim(source.currency)) as currency_key,
        {{ parse_date('source.starts_on') }} as starts_on_date,
        {{ parse_date('source.ends_on') }} as ends_on_date,
        {{ parse_date('source.prepaid_from') }} as prepaid_from_date,
        {{ parse_date('source.prepaid_through') }} as prepaid_through_date,
        {{ try_decimal('source.prepaid_amount', 18, 4) }} as prepaid_amount_value,
        {{ try_decimal('source.prepaid_amount', 38, 10) }} as prepaid_amount_exact,
        policies.policy_id is not null as is_known_policy,
        currencies.minor_unit
    from source
    left join policies on trim(source.policy_id) = policies.policy_id
    left join currencies on upper(trim(source.currency)) = currencies.currency_code

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['tenant_id', 'policy_id', 'currency', 'starts_on']) }}
            when starts_on_date is null then 'unparseable date: starts_on'
            when nullif(trim(ends_on), '') is not null and ends_on_date is null
                then 'unparseable date: ends_on'
            when nullif(trim(prepaid_from), '') is not null and prepaid_from_date is null
                then 'unparseable date: prepaid_from'
            when nullif(trim(prepaid_through), '') is not null and prepaid_through_date is null
                then 'unparseable date: prepaid_through'
            when nullif(trim(prepaid_amount), '') is not null and prepaid_amount_exact is null
                then 'unparseable value: prepaid_amount'
            when prepaid_amount_exact < 0 then 'negative amount: prepaid_amount'
            -- money is published as DECIMAL(18, 4): 10¹⁴ and more would fail every tenant's month
            when prepaid_amount_exact is not null and prepaid_amount_value is null
                then 'amount too large: prepaid_amount'
            when prepaid_amount_exact <> prepaid_amount_value
                then 'more than 4 decimal places: prepaid_amount'
            when ends_on_date < starts_on_date then 'ends_on before starts_on'
            when prepaid_through_date < prepaid_from_date
                then 'prepaid_through before prepaid_from'
            when (prepaid_amount_value is null)
                <> (prepaid_from_date is null and prepaid_through_date is null)
                or (prepaid_from_date is null) <> (prepaid_through_date is null)
                then 'incomplete prepaid term'
            when not is_known_policy then 'unknown policy_id'
            when minor_unit is null then 'unknown currency'
        end as first_reason
    from parsed

),

ranked as (

    select
        *,
        case
            when first_reason is null
                then row_number() over (
                    partition by tenant_key, first_reason is null
                    order by source_file, source_line
                )
        end as tenant_row_number
    from checked

)

select
    *,
    coalesce(
        first_reason,
        case when tenant_row_number > 1 then 'duplicate contract for tenant' end
    ) as reason
from ranked
