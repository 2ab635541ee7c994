{#-
  Meaning 3: an episode is a maximal Down period; the minimum duration applies to the whole
  episode, before exclusions and before any split at a month end.
-#}
with

down as (

    select * from {{ ref('int_component_states_swept') }}
    where state = 'down'

),

policies as (

    select distinct
tenant_id,
component,
min_downtime_us
    from {{ ref('int_tenant_components_monthly') }}

),

flagged as (

    select
        *,
        case
            when lag(ended_at_us) over (
                partition by tenant_id, component order by started_at_us
            ) = started_at_us then 0
            else 1
        end as starts_episode
    from down

),

numbered as (

    select
        *,
        sum(starts_episode) over (
            partition by tenant_id, component
            order by started_at_us
            rows between unbounded preceding and current row
        ) as episode_number
    from flagged

),

episodes as (

    select
        tenant_id,
        component,
        min(started_at_us) as started_at_us,
        max(ended_at_us) as ended_at_us
    from numbered
    group by tenant_id, component, episode_number

)

select
    episodes.tenant_id,
    episodes.component,
    episodes.started_at_us,
    episodes.ended_at_us,
    episodes.ended_at_us - episodes.started_at_us as duration_us,
    episodes.ended_at_us - episodes.started_at_us >= policies.min_downtime_us as is_long_enough
from episodes
inner join policies
    on episodes.tenant_id = policies.tenant_id
    and episodes.component = policies.component
