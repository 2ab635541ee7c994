{{ config(alias='tickets') }}

with

validated as (

    select * from {{ ref('stg_tickets__exports_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        ticket_id,
        tenant_id,
        severity,
        created_at,
        first_response_at,
        exported_at,
        channel,
        subject,
        extra,
        reason,
        ingested_at
    from validated

)

{{
    with_replaced_versions(
        'quarantined',
        'tickets',
        [
        'ticket_id',
        'tenant_id',
        'severity',
        'created_at',
        'first_response_at',
        'exported_at',
        'channel',
        'subject',
        'extra',
        ],
    )
}}
