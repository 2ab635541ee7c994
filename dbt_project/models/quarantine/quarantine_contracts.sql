{{ config(alias='contracts') }}

with

validated as (

    select * from {{ ref('stg_reference__contracts_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        tenant_id,
        tenant_name,
        policy_id,
        plan_tier,
        currency,
        starts_on,
        ends_on,
        prepaid_from,
        prepaid_through,
        prepaid_amount,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'contracts',
        [
        'tenant_id',
        'tenant_name',
        'policy_id',
        'plan_tier',
        'currency',
        'starts_on',
        'ends_on',
        'prepaid_from',
        'prepaid_through',
        'prepaid_amount',
        'extra',
        ],
    )
}}
