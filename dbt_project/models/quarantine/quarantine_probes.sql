{{ config(alias='probes') }}

with

validated as (

    select * from {{ ref('stg_probes__results_validated') }}
    where reason is not null

),

quarantined as (

    select
        source_file,
        source_line,
        tenant_id,
        component,
        location,
        -- ingestion keeps a value's text only where it did not parse; a parsed one is shown
        -- as the instant or value it was read as
        coalesce(checked_at, {{ format_instant_utc('checked_at_us') }}) as checked_at,
        coalesce(ok, case when is_ok then 'true' when not is_ok then 'false' end) as ok,
        coalesce(latency_ms, cast(latency_ms_value as {{ dbt.type_string() }})) as latency_ms,
        extra,
        reason,
        ingested_at
    from validated

)

select * from quarantined
