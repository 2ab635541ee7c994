{{ config(alias='security_incidents') }}

with

validated as (

    select * from {{ ref('stg_security_incidents__incidents_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        incident_id,
        tenant_id,
        became_aware_at,
        notified_at,
        personal_data,
        summary,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'security_incidents',
        [
        'incident_id',
        'tenant_id',
        'became_aware_at',
        'notified_at',
        'personal_data',
        'summary',
        'extra',
        ],
    )
}}
