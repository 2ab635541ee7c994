{#-
  The local dates each effective policy's business calendar is open: a date spine over the
  service month, on the calendar's weekdays, minus the public holidays of its country. The
  spine starts two days early (a calendar zone may differ from the policy zone) and runs
  `response_calendar_margin_days` (40) past the month, or further when a ticket of the month
  was answered (or, unanswered, exported) later, or when a business-clock target is long
  enough to run out later, so every late first response, and every due time, lands on it.
-#}
with

policies as (

    select * from {{ ref('stg_reference__policies') }}

),

holidays as (

    select * from {{ ref('int_public_holidays_corrected') }}

),

tickets as (

    select * from {{ ref('stg_tickets__tickets') }}

),

targets as (

    select * from {{ ref('stg_tickets__response_targets') }}

),

calendars_read as (

    select
        policy_id,
        plan_tier,
        calendar_timezone as timezone,
        ',' || replace(lower(calendar_weekdays), ' ', '') || ',' as weekdays,
        {{ hhmm_to_minutes('calendar_opens') }} as opens_minute,
        {{ hhmm_to_minutes('calendar_closes') }} as closes_minute,
        upper(trim(calendar_holidays)) as holiday_country
    from policies

),

calendars as (

    select
        *,
        -- closing at or before opening means closing after midnight (22:00–06:00)
        case
            when closes_minute <= opens_minute then closes_minute + 1440 - opens_minute
            else closes_minute - opens_minute
        end as open_minutes,
        length(weekdays) - length(replace(weekdays, ',', '')) - 1 as weekday_count
    from calendars_read

),

bounds as (

    select
        cast({{ dbt.dateadd('day', -2, 'cast(' ~ month_first_day() ~ ' as date)') }} as date)
            as first_on,
        cast({{ dbt.dateadd(
            'day',
            var('response_calendar_margin_days', 40),
            'cast(' ~ next_month_first_day() ~ ' as date)'
        ) }} as date) as margin_last_on

),

-- The latest first response, or export of a ticket still unanswered there, of a ticket
-- created around the month, a day past it in any zone: a late response is measured to it,
-- and an unanswered ticket whose target runs out after the margin is judged by its export.
late_responses as (

    select
        cast({{ dbt.dateadd(
            'day', 1, 'max(' ~ local_date_of_us(
                'coalesce(first_response_at_us, exported_at_us)', "'UTC'"
            ) ~ ')'
        ) }} as date) as response_last_on
    from tickets
    where
        created_at_us >= {{ local_midnight_us(
            dbt.dateadd('day', -2, 'cast(' ~ month_first_day() ~ ' as date)'), "'UTC'"
        ) }}
        and created_at_us < {{ local_midnight_us(
            dbt.dateadd('day', 2, 'cast(' ~ next_month_first_day() ~ ' as date)'), "'UTC'"
        ) }}

),

-- Days past the month the longest business-clock target may need to run out, however few hours
-- its calendar opens: its days of opening hours spread over the calendar's weekdays, twice over
-- for public holidays, and a fortnight more (a 30,000-minute target at nine hours a day, five
-- days a week, reaches 171 days).
target_reach as (

    select
        max(
            {{ int_div(
                '2 * 7 * ' ~ int_div(
                    'cast(ceil(targets.target_minutes) as bigint) + calendars.open_minutes - 1',
                    'calendars.open_minutes'
                ),
                'calendars.weekday_count'
            ) }} + 14
        ) as reach_days
    from targets
    inner join calendars
        on targets.policy_id = calendars.policy_id
        and targets.plan_tier = calendars.plan_tier
    where
        targets.clock = 'business'
        and targets.target_minutes > 0
        and calendars.open_minutes > 0
        and calendars.weekday_count > 0

),

horizon as (

    select
        bounds.first_on,
        case
            when late_responses.response_last_on > bounds.margin_last_on
                and late_responses.response_last_on > reach.reach_last_on
                then late_responses.response_last_on
            when reach.reach_last_on > bounds.margin_last_on
                then reach.reach_last_on
            else bounds.margin_last_on
        end as last_on
    from bounds
    cross join late_responses
    cross join (
        select
            cast({{ dbt.dateadd(
                'day', 'coalesce(target_reach.reach_days, 0)',
                'cast(' ~ next_month_first_day() ~ ' as date)'
            ) }} as date) as reach_last_on
        from target_reach
    ) as reach

),

-- about eleven years of days; a response later than that is counted up to the spine's end
numbers as (

    {{ dbt.generate_series(4096) }}

),

days as (

    select cast({{ dbt.dateadd('day', 'numbers.generated_number - 1', 'horizon.first_on') }} as date)
        as local_on
    from numbers
    cross join horizon
    where numbers.generated_number - 1 <= {{ days_between('horizon.first_on', 'horizon.last_on') }}

),

snapshotted_countries as (

    select distinct country_code from holidays

),

listed as (

    select
        calendars.policy_id,
        calendars.plan_tier,
        calendars.timezone,
        days.local_on,
        {{ weekday_abbrev('days.local_on') }} as weekday,
        calendars.opens_minute,
        -- closing at or before opening means closing after midnight (22:00–06:00)
        case
            when calendars.closes_minute <= calendars.opens_minute
                then calendars.closes_minute + 1440
            else calendars.closes_minute
        end as closes_minute,
        calendars.holiday_country,
        calendars.holiday_country is null
        or snapshotted_countries.country_code is not null as is_holiday_country_snapshotted
    from calendars
    cross join days
    left join snapshotted_countries
        on calendars.holiday_country = snapshotted_countries.country_code
    where
        calendars.opens_minute is not null
        and calendars.closes_minute is not null
        and {{ dbt.position(
            "',' || lower(" ~ weekday_abbrev('days.local_on') ~ ") || ','", 'calendars.weekdays'
        ) }} > 0

),

opened as (

    select listed.*
    from listed
    left join holidays
        on listed.holiday_country = holidays.country_code
        and listed.local_on = holidays.holiday_on
    where holidays.holiday_on is null

)

select * from opened
