{{ config(alias='exclusions') }}

with

validated as (

    select * from {{ ref('stg_exclusions__periods_validated') }}
    where quarantine_reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        tenant_id,
        component,
        exclusion_id,
        starts_at,
        ends_at,
        reason as exclusion_reason,
        note,
        extra,
        quarantine_reason as reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'exclusions',
        [
        'tenant_id',
        'component',
        'exclusion_id',
        'starts_at',
        'ends_at',
        'exclusion_reason',
        'note',
        'extra',
        ],
    )
}}
