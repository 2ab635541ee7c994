{#-
  Meanings 3–5 applied to each episode: split at the month's edges (policy time zone), keep
  only the contract's days, then take out Excluded Downtime. Episodes shorter than the
  minimum stay listed with nothing counted.
-#}
with

components as (

    select * from {{ ref('int_tenant_components_monthly') }}

),

episodes as (

    select * from {{ ref('int_downtime_episodes_merged') }}

),

excluded as (

    select * from {{ ref('int_excluded_periods_merged') }}

),

pieces as (

    select
        components.tenant_id,
        components.component,
        components.service_month,
        episodes.started_at_us as episode_started_at_us,
        episodes.ended_at_us as episode_ended_at_us,
        episodes.duration_us as episode_duration_us,
        episodes.is_long_enough,
        case
            when episodes.started_at_us > components.month_start_us then episodes.started_at_us
            else components.month_start_us
        end as started_at_us,
        case
            when episodes.ended_at_us < components.month_end_us then episodes.ended_at_us
            else components.month_end_us
        end as ended_at_us,
        components.counted_from_us,
        components.counted_until_us
    from episodes
    inner join components
        on episodes.tenant_id = components.tenant_id
        and episodes.component = components.component
    where
        episodes.started_at_us < components.month_end_us
        and episodes.ended_at_us > components.month_start_us

),

in_contract as (

    select
        *,
        case
            when started_at_us > counted_from_us then started_at_us else counted_from_us
        end as contract_started_at_us,
        case
            when ended_at_us < counted_until_us then ended_at_us else counted_until_us
        end as contract_ended_at_us
    from pieces

),

exclusion_overlaps as (

    select
        in_contract.tenant_id,
        in_contract.component,
        in_contract.started_at_us,
        sum(
            case
                when excluded.ended_at_us < in_contract.contract_ended_at_us
                    then excluded.ended_at_us
                else in_contract.contract_ended_at_us
            end
            - case
                when excluded.started_at_us > in_contract.contract_started_at_us
                    then excluded.started_at_us
                else in_contract.contract_started_at_us
            end
        ) as excluded_us
    from in_contract
    inner join excluded
        on in_contract.tenant_id = excluded.tenant_id
        and in_contract.component = excluded.component
        -- a piece outside the contract's days has its bounds crossed (started after it ended):
        -- an exclusion across the gap between them would overlap it by a negative length
        and in_contract.contract_started_at_us < in_contract.contract_ended_at_us
        and excluded.started_at_us < in_contract.contract_ended_at_us
        and excluded.ended_at_us > in_contract.contract_started_at_us
    group by in_contract.tenant_id, in_contract.component, in_contract.started_at_us

),

measured as (

    select
        in_contract.*,
        in_contract.ended_at_us - in_contract.started_at_us as piece_us,
        case
            when in_contract.contract_ended_at_us > in_contract.contract_started_at_us
                then in_contract.contract_ended_at_us - in_contract.contract_started_at_us
            else 0
        end as in_contract_us,
        coalesce(exclusion_overlaps.excluded_us, 0) as overlap_excluded_us
    from in_contract
    left join exclusion_overlaps
        on in_contract.tenant_id = exclusion_overlaps.tenant_id
        and in_contract.component = exclusion_overlaps.component
        and in_contract.started_at_us = exclusion_overlaps.started_at_us

)

select
    tenant_id,
    component,
    service_month,
    episode_started_at_us,
    episode_ended_at_us,
    episode_duration_us,
    is_long_enough,
    started_at_us,
    ended_at_us,
    contract_started_at_us,
    contract_ended_at_us,
    piece_us,
    case when is_long_enough then overlap_excluded_us else 0 end as excluded_us,
    case when is_long_enough then in_contract_us - overlap_excluded_us else 0 end as counted_us
from measured
