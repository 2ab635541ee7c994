{#-
  The public holidays business clocks skip: the versioned snapshot, plus the dates operations
  add, minus the dates they remove (an estimated Islamic holiday corrected without a package
  upgrade). One row per country and local date. A country-year the committed snapshot does
  not cover (another year, or a country a new policy names) comes from what the warehouse
  kept of the same package when it first needed the country (raw.public_holidays_kept).
-#}
with

committed as (

    select
        upper(trim(country_code)) as country_code,
        cast(holiday_on as date) as holiday_on,
        name,
        snapshot_version
    from {{ ref('public_holidays') }}

),

committed_years as (

    select distinct
        country_code,
        {{ dbt.date_trunc('year', 'holiday_on') }} as year_on
    from committed

),

kept as (

    select
        kept.country_code,
        kept.holiday_on,
        kept.name,
        kept.snapshot_version
    from {{ source('raw', 'public_holidays_kept') }} as kept
    left join committed_years
        on kept.country_code = committed_years.country_code
        and {{ dbt.date_trunc('year', 'kept.holiday_on') }} = committed_years.year_on
    where committed_years.country_code is null

),

snapshot as (

    select * from committed
    union all
    select * from kept

),

overrides as (

    select
        upper(trim(country_code)) as country_code,
        cast(holiday_on as date) as holiday_on,
        lower(trim(action)) as action,
        note
    from {{ ref('public_holiday_overrides') }}

),

combined as (

    select
        country_code,
        holiday_on,
        name,
        snapshot_version as listed_by,
        1 as precedence
    from snapshot

    union all

    select
        country_code,
        holiday_on,
        note as name,
        'override' as listed_by,
        2 as precedence
    from overrides
    where action = 'add'

),

-- a date both listed and added is one holiday; the snapshot's name is kept
ranked as (

    select
        *,
        row_number() over (
            partition by country_code, holiday_on order by precedence
        ) as listing_rank
    from combined

),

corrected as (

    select
        ranked.country_code,
        ranked.holiday_on,
        ranked.name,
        ranked.listed_by
    from ranked
    left join overrides as removed
        on ranked.country_code = removed.country_code
        and ranked.holiday_on = removed.holiday_on
        and removed.action = 'remove'
    where ranked.listing_rank = 1 and removed.holiday_on is null

)

select * from corrected
