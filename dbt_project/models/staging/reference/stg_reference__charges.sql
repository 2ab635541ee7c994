with

validated as (

    select * from {{ ref('stg_reference__charges_validated') }}
    where reason is null

),

renamed as (

    select
        charge_key as charge_id,
        tenant_key as tenant_id,
        service_month_key as service_month,
        charge_type_key as charge_type,
        amount_value as amount,
        currency_key as currency,
        is_paid,
        source_file,
        source_line
    from validated

)

select * from renamed
