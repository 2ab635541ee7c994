with

source as (

    select * from {{ source('raw', 'policy_credit_tiers') }}

),

renamed as (

    select
        policy_id,
        plan_tier,
        cast(tier_number as integer) as tier_number,
        cast(below_pct as decimal(9, 6)) as below_pct,
        cast(at_or_above_pct as decimal(9, 6)) as at_or_above_pct,
        cast(credit_pct as decimal(10, 6)) as credit_pct
    from source

)

select * from renamed
