{{ config(alias='backups') }}

with

validated as (

    select * from {{ ref('stg_backups__runs_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        backup_id,
        tenant_id,
        store,
        started_at,
        completed_at,
        status,
        encrypted,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'backups',
        [
        'backup_id',
        'tenant_id',
        'store',
        'started_at',
        'completed_at',
        'status',
        'encrypted',
        'extra',
        ],
    )
}}
