{#- Meaning 6, published: uptime and coverage per tenant, component and service month. -#}
with

components as (

    select * from {{ ref('int_component_availability_computed') }}

),

final as (

    select
        cast(tenant_id as string) as tenant_id,
        cast(component as string) as component,
        cast(service_month as string) as service_month,
        cast(total_us / 60000000.0 as double) as total_minutes,
        cast(downtime_us / 60000000.0 as double) as downtime_minutes,
        cast(excluded_us / 60000000.0 as double) as excluded_minutes,
        cast(unmonitored_us / 60000000.0 as double) as unmonitored_minutes,
        cast(100.0 - unmonitored_us * 100.0 / total_us as double) as coverage_pct,
        -- stored unrounded; tiers and breaches are decided on the exact integers upstream
        cast(100.0 - downtime_us * 100.0 / total_us as double) as uptime_pct,
        cast(policy_id as string) as policy_id,
        cast(total_us as bigint) as total_us,
        cast(downtime_us as bigint) as downtime_us
    from components

)

select * from final
