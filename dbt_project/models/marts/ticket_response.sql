{#-
  Meaning 10, published: one row per ticket created in the service month, with its target on
  its clock, the elapsed time to the first response, due_at and whether the target was met
  (null while open, and when the policy sets no target for the severity).
-#}
with

measured as (

    select * from {{ ref('int_ticket_responses_measured') }}

),

final as (

    select
        cast(ticket_id as string) as ticket_id,
        cast(tenant_id as string) as tenant_id,
        cast(severity as string) as severity,
        cast(service_month as string) as service_month,
        {{ us_to_timestamp('created_at_us') }} as created_at,
        {{ us_to_timestamp('first_response_at_us') }} as first_response_at,
        cast(clock as string) as clock,
        cast(target_us as double) / 60000000 as target_minutes,
        cast(elapsed_us as double) / 60000000 as elapsed_minutes,
        {{ us_to_timestamp('due_at_us') }} as due_at,
        cast(met as boolean) as met,
        cast(status as string) as status,
        {{ us_to_timestamp('exported_at_us') }} as exported_at,
        cast(policy_id as string) as policy_id,
        cast(plan_tier as string) as plan_tier,
        cast(elapsed_us as bigint) as elapsed_us,
        cast(target_us as bigint) as target_us
    from measured

)

select * from final
