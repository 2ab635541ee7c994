{{ config(alias='charges') }}

with

validated as (

    select * from {{ ref('stg_reference__charges_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        charge_id,
        tenant_id,
        service_month,
        charge_type,
        amount,
        currency,
        paid,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'charges',
        [
        'charge_id',
        'tenant_id',
        'service_month',
        'charge_type',
        'amount',
        'currency',
        'paid',
        'extra',
        ],
    )
}}
