{{ config(alias='recovery_events') }}

with

validated as (

    select * from {{ ref('stg_recovery_events__events_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        event_id,
        tenant_id,
        declared_at,
        restored_at,
        restore_point_at,
        kind,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'recovery_events',
        [
        'event_id',
        'tenant_id',
        'declared_at',
        'restored_at',
        'restore_point_at',
        'kind',
        'extra',
        ],
    )
}}
