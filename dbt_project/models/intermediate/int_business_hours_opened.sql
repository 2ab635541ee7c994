{#-
  Each business calendar's opening intervals [opens_at, closes_at) as epoch µs, built from the
  wall-clock opening times on each open local date in the calendar's zone (so Cairo opens at
  06:00 UTC in summer and 07:00 UTC in winter, and a DST change day is right), with the
  running total of opening time before each one: business time between two instants is a
  difference on that total, and a due time is found by walking it.
-#}
with

days as (

    select * from {{ ref('int_business_days_listed') }}

),

opened as (

    select
        policy_id,
        plan_tier,
        timezone,
        local_on,
        weekday,
        {{ local_wall_clock_us('local_on', 'opens_minute', 'timezone') }} as opens_at_us,
        {{ local_wall_clock_us('local_on', 'closes_minute', 'timezone') }} as closes_at_us
    from days

),

-- opening hours that the clock skips on a DST change day (00:00-01:00 in Cairo on the last
-- Friday of April) open nothing that day, rather than an empty interval failing the month
open_at_all as (

    select * from opened
    where closes_at_us > opens_at_us

),

totalled as (

    select
        *,
        closes_at_us - opens_at_us as open_us,
        coalesce(sum(closes_at_us - opens_at_us) over (
            partition by policy_id, plan_tier
            order by opens_at_us
            rows between unbounded preceding and 1 preceding
        ), 0) as opened_before_us
    from open_at_all

)

select
    *,
    opened_before_us + open_us as opened_through_us
from totalled
