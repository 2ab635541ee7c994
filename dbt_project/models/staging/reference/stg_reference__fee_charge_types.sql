with

source as (

    select * from {{ source('raw', 'policy_fee_charge_types') }}

),

renamed as (

    select
        policy_id,
        plan_tier,
        charge_type
    from source

)

select * from renamed
