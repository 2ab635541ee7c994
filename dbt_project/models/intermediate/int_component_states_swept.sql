{#-
  Meaning 2, across locations: a sweep over run edges gives, for each stretch between two
  edges, how many locations are known and how many fail, and so the component's state.
-#}
with

runs as (

    select * from {{ ref('int_location_states_compressed') }}

),

policies as (

    select distinct
tenant_id,
component,
quorum_count
    from {{ ref('int_tenant_components_monthly') }}

),

edges as (

    select
        tenant_id,
        component,
        started_at_us as at_us,
        1 as known_change,
        case when is_ok then 0 else 1 end as failing_change
    from runs

    union all

    select
        tenant_id,
        component,
        ended_at_us as at_us,
        -1 as known_change,
        case when is_ok then 0 else -1 end as failing_change
    from runs

),

netted as (

    select
        tenant_id,
        component,
        at_us,
        sum(known_change) as known_change,
        sum(failing_change) as failing_change
    from edges
    group by tenant_id, component, at_us

),

counted as (

    select
        tenant_id,
        component,
        at_us as started_at_us,
        lead(at_us) over (partition by tenant_id, component order by at_us) as ended_at_us,
        sum(known_change) over (
            partition by tenant_id, component
            order by at_us
            rows between unbounded preceding and current row
        ) as known_locations,
        sum(failing_change) over (
            partition by tenant_id, component
            order by at_us
            rows between unbounded preceding and current row
        ) as failing_locations
    from netted

),

classified as (

    select
        counted.tenant_id,
        counted.component,
        counted.started_at_us,
        counted.ended_at_us,
        counted.known_locations,
        counted.failing_locations,
        case
            when counted.known_locations = 0 then 'unmonitored'
            when policies.quorum_count is null
                and 2 * counted.failing_locations > counted.known_locations then 'down'
            when policies.quorum_count is not null
                and counted.failing_locations >= policies.quorum_count then 'down'
            else 'available'
        end as state
    from counted
    inner join policies
        on counted.tenant_id = policies.tenant_id
        and counted.component = policies.component
    where counted.ended_at_us is not null

)

select * from classified
