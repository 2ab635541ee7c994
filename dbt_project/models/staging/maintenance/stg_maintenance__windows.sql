with

validated as (

    select * from {{ ref('stg_maintenance__windows_validated') }}
    where reason is null

),

renamed as (

    select
        window_key as window_id,
        tenant_key as tenant_id,
        starts_at_us,
        ends_at_us,
        announced_at_us,
        kind_key as kind,
        -- set by the .ics reader: the event (UID) and the version of it the row comes from
        nullif(trim({{ json_text('extra', 'ics_series_uid') }}), '') as series_id,
        {{ parse_timestamp_us(json_text('extra', 'ics_series_announced_at')) }}
            as series_announced_at_us,
        source_file,
        source_line
    from validated

)

select * from renamed
