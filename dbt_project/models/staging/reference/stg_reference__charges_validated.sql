{#- Every landed charge row, parsed, with the reason it is bad (null when it is good). -#}
with

source as (

    select * from {{ source('raw', 'charges') }}

),

contracts as (

    select
tenant_id,
currency
from {{ ref('stg_reference__contracts') }}

),

parsed as (

    select
        source.*,
        trim(source.charge_id) as charge_key,
        trim(source.tenant_id) as tenant_key,
        trim(source.service_month) as service_month_key,
        lower(trim(source.charge_type)) as charge_type_key,
        upper(trim(source.currency)) as currency_key,
        {{ try_decimal('source.amount', 18, 4) }} as amount_value,
        {{ try_decimal('source.amount', 38, 10) }} as amount_exact,
        {{ parse_boolean('source.paid') }} as is_paid,
        contracts.tenant_id is not null as is_known_tenant,
        contracts.currency as contract_currency
    from source
    left join contracts on trim(source.tenant_id) = contracts.tenant_id

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['charge_id', 'tenant_id', 'service_month', 'charge_type',
                'amount', 'currency', 'paid']) }}
            when not {{ is_service_month('service_month') }} then 'unparseable value: service_month'
            when charge_type_key not in ('subscription', 'setup', 'hardware', 'addon', 'one_off')
                then 'unknown charge_type'
            when amount_exact is null then 'unparseable value: amount'
            when amount_exact < 0 then 'negative amount'
            -- money is published as DECIMAL(18, 4): 10¹⁴ and more would fail every tenant's month
            when amount_value is null then 'amount too large: amount'
            when amount_exact <> amount_value then 'more than 4 decimal places: amount'
            when is_paid is null then 'unparseable value: paid'
            when not is_known_tenant then 'unknown tenant'
            when currency_key <> contract_currency then 'currency differs from the contract''s'
        end as first_reason
    from parsed

),

ranked as (

    select
        *,
        case
            when first_reason is null
                then row_number() over (
                    partition by charge_key, first_reason is null
                    order by source_file, source_line
                )
        end as charge_row_number
    from checked

)

select
    *,
    coalesce(
        first_reason,
        case when charge_row_number > 1 then 'duplicate charge_id' end
    ) as reason
from ranked
