{#-
  Meanings 5–6 per component, in exact microseconds: Total Minutes of the month in the
  policy zone, counted and excluded Downtime, and the time no location's state was known.
-#}
with

components as (

    select * from {{ ref('int_tenant_components_monthly') }}

),

pieces as (

    select
        tenant_id,
        component,
        sum(counted_us) as downtime_us,
        sum(excluded_us) as excluded_us
    from {{ ref('int_downtime_pieces_minus_exclusions') }}
    group by tenant_id, component

),

known as (

    select
        segments.tenant_id,
        segments.component,
        sum(
            case
                when segments.ended_at_us < components.month_end_us then segments.ended_at_us
                else components.month_end_us
            end
            - case
                when segments.started_at_us > components.month_start_us
                    then segments.started_at_us
                else components.month_start_us
            end
        ) as known_us
    from {{ ref('int_component_states_swept') }} as segments
    inner join components
        on segments.tenant_id = components.tenant_id
        and segments.component = components.component
    where
        segments.state <> 'unmonitored'
        and segments.started_at_us < components.month_end_us
        and segments.ended_at_us > components.month_start_us
    group by segments.tenant_id, segments.component

)

select
    components.tenant_id,
    components.component,
    components.component_position,
    components.service_month,
    components.policy_id,
    components.total_us,
    coalesce(pieces.downtime_us, 0) as downtime_us,
    coalesce(pieces.excluded_us, 0) as excluded_us,
    components.total_us - coalesce(known.known_us, 0) as unmonitored_us
from components
left join pieces
    on components.tenant_id = pieces.tenant_id
    and components.component = pieces.component
left join known
    on components.tenant_id = known.tenant_id
    and components.component = known.component
