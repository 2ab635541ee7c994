{{ config(alias='disputes') }}

with

validated as (

    select * from {{ ref('stg_disputes__decisions_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        dispute_id,
        tenant_id,
        service_month,
        component,
        starts_at,
        ends_at,
        claimed_downtime_minutes,
        outcome,
        decided_at,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'disputes',
        [
        'dispute_id',
        'tenant_id',
        'service_month',
        'component',
        'starts_at',
        'ends_at',
        'claimed_downtime_minutes',
        'outcome',
        'decided_at',
        'extra',
        ],
    )
}}
