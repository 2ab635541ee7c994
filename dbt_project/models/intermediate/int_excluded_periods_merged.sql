{#-
  Meaning 4, what may be excluded: scheduled maintenance announced at least the policy's
  notice ahead, every emergency window, and every exclusion row (only its component when
  it names one). Overlaps are merged first, so time under several is excluded once.
-#}
with

components as (

    select * from {{ ref('int_tenant_components_monthly') }}

),

maintenance as (

    select * from {{ ref('int_maintenance_windows_deduplicated') }}

),

exclusions as (

    select * from {{ ref('stg_exclusions__periods') }}

),

periods as (

    select
        components.tenant_id,
        components.component,
        maintenance.starts_at_us,
        maintenance.ends_at_us
    from maintenance
    inner join components
        on maintenance.tenant_id = '*' or maintenance.tenant_id = components.tenant_id
    where
        maintenance.kind = 'emergency'
        or maintenance.starts_at_us - maintenance.announced_at_us
        >= components.maintenance_notice_us

    union all

    select
        components.tenant_id,
        components.component,
        exclusions.starts_at_us,
        exclusions.ends_at_us
    from exclusions
    inner join components
        on (exclusions.tenant_id = '*' or exclusions.tenant_id = components.tenant_id)
        and (exclusions.component is null or exclusions.component = components.component)

),

clipped as (

    select
        periods.tenant_id,
        periods.component,
        case
            when periods.starts_at_us > components.month_start_us then periods.starts_at_us
            else components.month_start_us
        end as started_at_us,
        case
            when periods.ends_at_us < components.month_end_us then periods.ends_at_us
            else components.month_end_us
        end as ended_at_us
    from periods
    inner join components
        on periods.tenant_id = components.tenant_id
        and periods.component = components.component
    where
        periods.starts_at_us < components.month_end_us
        and periods.ends_at_us > components.month_start_us
        and periods.ends_at_us > periods.starts_at_us

),

-- The two passes below must see the rows in one order. Rows alike in start and end are ties
-- that an engine may order differently in each pass (DuckDB did, on large tables): a repeated
-- exclusion was then excluded twice, or its group swallowed the gap before it. Without
-- repeats, (start, end) orders every partition completely.
distinct_periods as (

    select distinct
        tenant_id,
        component,
        started_at_us,
        ended_at_us
    from clipped

),

reached as (

    select
        *,
        max(ended_at_us) over (
            partition by tenant_id, component
            order by started_at_us, ended_at_us
            rows between unbounded preceding and 1 preceding
        ) as reach_before_us
    from distinct_periods

),

flagged as (

    select
        *,
        case
            when reach_before_us is null or started_at_us > reach_before_us then 1 else 0
        end as starts_group
    from reached

),

grouped as (

    select
        *,
        sum(starts_group) over (
            partition by tenant_id, component
            order by started_at_us, ended_at_us
            rows between unbounded preceding and current row
        ) as group_number
    from flagged

)

select
    tenant_id,
    component,
    min(started_at_us) as started_at_us,
    max(ended_at_us) as ended_at_us
from grouped
group by tenant_id, component, group_number
