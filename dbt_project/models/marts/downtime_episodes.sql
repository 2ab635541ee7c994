{#- Meanings 3–5, published: every Down episode, split at month ends, with what counted. -#}
with

pieces as (

    select * from {{ ref('int_downtime_pieces_minus_exclusions') }}

),

final as (

    select
        cast(tenant_id as string) as tenant_id,
        cast(component as string) as component,
        cast(service_month as string) as service_month,
        {{ us_to_timestamp('started_at_us') }} as started_at,
        {{ us_to_timestamp('ended_at_us') }} as ended_at,
        cast(piece_us / 60000000.0 as double) as minutes,
        cast(counted_us / 60000000.0 as double) as counted_minutes,
        cast(excluded_us / 60000000.0 as double) as excluded_minutes,
        {{ us_to_timestamp('episode_started_at_us') }} as episode_started_at,
        {{ us_to_timestamp('episode_ended_at_us') }} as episode_ended_at,
        cast(episode_duration_us / 60000000.0 as double) as episode_minutes,
        cast(is_long_enough as boolean) as is_long_enough
    from pieces

)

select * from final
