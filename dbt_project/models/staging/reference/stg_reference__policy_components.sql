with

source as (

    select * from {{ source('raw', 'policy_components') }}

),

renamed as (

    select
        policy_id,
        plan_tier,
        component,
        cast(position as integer) as component_position
    from source

)

select * from renamed
