{#-
  Meaning 3: an episode is a maximal Down period; the minimum duration applies to the whole
  episode, before exclusions and before any split at a month end. Periods of accepted
  disputes are Down too (the customer's evidence was corroborated): they merge with the
  probes' Down time before episodes are cut, so nothing is counted twice.
-#}
with

down as (

    select
        tenant_id,
        component,
        started_at_us,
        ended_at_us,
        0 as is_disputed
    from {{ ref('int_component_states_swept') }}
    where state = 'down'

),

components as (

    select distinct
        tenant_id,
        component,
        min_downtime_us
    from {{ ref('int_tenant_components_monthly') }}

),

disputed as (

    select
        components.tenant_id,
        components.component,
        disputes.starts_at_us as started_at_us,
        disputes.ends_at_us as ended_at_us,
        1 as is_disputed
    from {{ ref('stg_disputes__decisions') }} as disputes
    inner join components
        on
            disputes.tenant_id = components.tenant_id
            and (disputes.component is null or disputes.component = components.component)
    where
        disputes.outcome = 'accepted'
        and disputes.ends_at_us > disputes.starts_at_us

),

-- One row per distinct period, so that (start, end) orders each partition completely and
-- the two passes below see one order: a dispute alike in start and end to the probes' Down
-- period was a tie that DuckDB ordered differently in each pass on large tables, and the
-- period was counted twice.
periods as (

    select
        tenant_id,
        component,
        started_at_us,
        ended_at_us,
        max(is_disputed) as is_disputed
    from (
        select * from down
        union all
        select * from disputed
    ) as all_periods
    group by tenant_id, component, started_at_us, ended_at_us

),

reached as (

    select
        *,
        max(ended_at_us) over (
            partition by tenant_id, component
            order by started_at_us, ended_at_us
            rows between unbounded preceding and 1 preceding
        ) as reach_before_us
    from periods

),

flagged as (

    select
        *,
        case
            when reach_before_us is null or started_at_us > reach_before_us then 1 else 0
        end as starts_episode
    from reached

),

numbered as (

    select
        *,
        sum(starts_episode) over (
            partition by tenant_id, component
            order by started_at_us, ended_at_us
            rows between unbounded preceding and current row
        ) as episode_number
    from flagged

),

episodes as (

    select
        tenant_id,
        component,
        min(started_at_us) as started_at_us,
        max(ended_at_us) as ended_at_us,
        max(is_disputed) as is_disputed
    from numbered
    group by tenant_id, component, episode_number

)

select
    episodes.tenant_id,
    episodes.component,
    episodes.started_at_us,
    episodes.ended_at_us,
    episodes.ended_at_us - episodes.started_at_us as duration_us,
    episodes.ended_at_us - episodes.started_at_us >= components.min_downtime_us as is_long_enough,
    episodes.is_disputed = 1 as is_disputed
from episodes
inner join components
    on
        episodes.tenant_id = components.tenant_id
        and episodes.component = components.component
