{{ config(alias='claims') }}

with

validated as (

    select * from {{ ref('stg_claims__claims_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        claim_id,
        tenant_id,
        service_month,
        received_at,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'claims',
        [
        'claim_id',
        'tenant_id',
        'service_month',
        'received_at',
        'extra',
        ],
    )
}}
