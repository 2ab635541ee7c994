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
        source_file,
        source_line
    from validated

)

select * from renamed
