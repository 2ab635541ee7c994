{#-
  A rescheduled window (same window_id) is its latest announcement; earlier ones are superseded.
  An iCalendar event (UID) sent again is rescheduled whole: every occurrence of an earlier
  version goes, also those the new version no longer has (a weekly window moved to another
  day keeps none of the old days).
-#}
with

stated as (

    select * from {{ ref('stg_maintenance__windows') }}

),

latest_versions as (

    select
        series_id,
        max(series_announced_at_us) as announced_at_us
    from stated
    where series_id is not null
    group by series_id

),

windows as (

    select stated.*
    from stated
    left join latest_versions
        on stated.series_id = latest_versions.series_id
    where
        stated.series_id is null
        or latest_versions.announced_at_us is null
        or stated.series_announced_at_us = latest_versions.announced_at_us

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
