{#- Meanings 3–5, published: every Down episode, split at month ends, with what counted. -#}
with

pieces as (

    select * from {{ ref('int_downtime_pieces_minus_exclusions') }}

),

-- The month reads the results of a stretch around it. A state from them is the true state
-- from stale_after after the stretch starts (an earlier result could still hold then) until
-- it ends; an episode reaching past that is longer than any minimum either way, but where it
-- began or ended is not known from this month's run.
windows as (

    select
        tenant_id,
        component,
        service_month,
        probes_from_us + stale_after_us as known_from_us,
        probes_until_us as known_until_us
    from {{ ref('int_tenant_components_monthly') }}

),

bounded as (

    select
        pieces.*,
        pieces.episode_started_at_us > windows.known_from_us as start_is_known,
        pieces.episode_ended_at_us < windows.known_until_us as end_is_known
    from pieces
    inner join windows
        on
            pieces.tenant_id = windows.tenant_id
            and pieces.component = windows.component
            and pieces.service_month = windows.service_month

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
        case
            when start_is_known then {{ us_to_timestamp('episode_started_at_us') }}
        end as episode_started_at,
        case
            when end_is_known then {{ us_to_timestamp('episode_ended_at_us') }}
        end as episode_ended_at,
        case
            when start_is_known and end_is_known
                then cast(episode_duration_us / 60000000.0 as double)
        end as episode_minutes,
        cast(is_long_enough as boolean) as is_long_enough
    from bounded

)

select * from final
