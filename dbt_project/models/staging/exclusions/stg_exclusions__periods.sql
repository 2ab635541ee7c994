with

validated as (

    select * from {{ ref('stg_exclusions__periods_validated') }}
    where quarantine_reason is null

),

renamed as (

    select
        exclusion_key as exclusion_id,
        tenant_key as tenant_id,
        component_key as component,
        starts_at_us,
        ends_at_us,
        reason_key as reason,
        note,
        source_file,
        source_line
    from validated

)

select * from renamed
