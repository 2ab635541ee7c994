{#- A rescheduled window (same window_id) is its latest announcement; earlier ones are superseded. -#}
with

windows as (

    select * from {{ ref('stg_maintenance__windows') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by window_id
            order by
                case when announced_at_us is null then 0 else 1 end desc,
                announced_at_us desc,
                source_file desc,
                source_line desc
        ) as version_rank
    from windows

)

select
    window_id,
    tenant_id,
    starts_at_us,
    ends_at_us,
    announced_at_us,
    kind,
    source_file,
    source_line
from ranked
where version_rank = 1
