{{ config(alias='coverage_overrides') }}

with

validated as (

    select * from {{ ref('stg_reference__coverage_overrides_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        tenant_id,
        service_month,
        accepted_by,
        accepted_at,
        note,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'coverage_overrides',
        [
        'tenant_id',
        'service_month',
        'accepted_by',
        'accepted_at',
        'note',
        'extra',
        ],
    )
}}
