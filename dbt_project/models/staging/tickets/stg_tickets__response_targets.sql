{#- The response targets of every effective policy (policy_id × plan_tier), in exact µs. -#}
with

source as (

    select * from {{ source('raw', 'policy_response_targets') }}

),

renamed as (

    select
        policy_id,
        plan_tier,
        upper(trim(severity)) as severity,
        {{ try_decimal('minutes', 18, 6) }} as target_minutes,
        -- wide enough for any target: DECIMAL(18, 6) × 60,000,000 overflowed above 16,666 min
        cast(
            cast({{ try_decimal('minutes', 18, 6) }} as decimal(38, 6)) * 60000000 as bigint
        ) as target_us,
        lower(trim(clock)) as clock,
        source_file
    from source

)

select * from renamed
