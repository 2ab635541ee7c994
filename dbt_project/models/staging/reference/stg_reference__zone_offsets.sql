with

source as (

    select * from {{ source('raw', 'policy_zones') }}

),

renamed as (

    select
        timezone as zone_name,
        cast(utc_from_us as bigint) as zone_utc_from_us,
        cast(utc_until_us as bigint) as zone_utc_until_us,
        cast(offset_us as bigint) as zone_offset_us,
        cast(wall_from_us as bigint) as zone_wall_from_us,
        cast(wall_until_us as bigint) as zone_wall_until_us
    from source

)

select * from renamed
