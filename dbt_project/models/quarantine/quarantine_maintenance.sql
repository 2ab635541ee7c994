{{ config(alias='maintenance') }}

with

validated as (

    select * from {{ ref('stg_maintenance__windows_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        window_id,
        tenant_id,
        starts_at,
        ends_at,
        announced_at,
        kind,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'maintenance',
        [
        'window_id',
        'tenant_id',
        'starts_at',
        'ends_at',
        'announced_at',
        'kind',
        'extra',
        ],
    )
}}
