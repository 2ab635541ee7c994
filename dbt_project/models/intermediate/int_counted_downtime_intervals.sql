{#-
  The counted Downtime itself, as intervals: each long-enough piece minus the merged
  exclusions inside it. Needed to find the instant the month's allowance ran out.
-#}
with

pieces as (

    select * from {{ ref('int_downtime_pieces_minus_exclusions') }}
    where is_long_enough and contract_ended_at_us > contract_started_at_us

),

excluded as (

    select * from {{ ref('int_excluded_periods_merged') }}

),

clipped as (

    select
        pieces.tenant_id,
        pieces.component,
        pieces.contract_started_at_us as piece_started_at_us,
        case
            when excluded.started_at_us > pieces.contract_started_at_us
                then excluded.started_at_us
            else pieces.contract_started_at_us
        end as excluded_from_us,
        case
            when excluded.ended_at_us < pieces.contract_ended_at_us then excluded.ended_at_us
            else pieces.contract_ended_at_us
        end as excluded_until_us
    from pieces
    inner join excluded
        on pieces.tenant_id = excluded.tenant_id
        and pieces.component = excluded.component
        and excluded.started_at_us < pieces.contract_ended_at_us
        and excluded.ended_at_us > pieces.contract_started_at_us

),

ordered as (

    select
        *,
        lag(excluded_until_us) over (
            partition by tenant_id, component, piece_started_at_us order by excluded_from_us
        ) as previous_until_us,
        row_number() over (
            partition by tenant_id, component, piece_started_at_us order by excluded_from_us desc
        ) as rank_from_last
    from clipped

),

gaps as (

    -- before each exclusion: from the piece start or the previous exclusion's end
    select
        ordered.tenant_id,
        ordered.component,
        coalesce(ordered.previous_until_us, ordered.piece_started_at_us) as started_at_us,
        ordered.excluded_from_us as ended_at_us
    from ordered

    union all

    -- after the last exclusion, to the piece end
    select
        ordered.tenant_id,
        ordered.component,
        ordered.excluded_until_us as started_at_us,
        pieces.contract_ended_at_us as ended_at_us
    from ordered
    inner join pieces
        on ordered.tenant_id = pieces.tenant_id
        and ordered.component = pieces.component
        and ordered.piece_started_at_us = pieces.contract_started_at_us
    where ordered.rank_from_last = 1

    union all

    -- pieces no exclusion touches count whole
    select
        pieces.tenant_id,
        pieces.component,
        pieces.contract_started_at_us as started_at_us,
        pieces.contract_ended_at_us as ended_at_us
    from pieces
    where not exists (
        select 1 from clipped
        where
            clipped.tenant_id = pieces.tenant_id
            and clipped.component = pieces.component
            and clipped.piece_started_at_us = pieces.contract_started_at_us
    )

)

select
    tenant_id,
    component,
    started_at_us,
    ended_at_us,
    ended_at_us - started_at_us as counted_us
from gaps
where ended_at_us > started_at_us
