{#-
  Meaning 10, per tenant, severity and service month: how many tickets met, breached or are
  still open against their target. Every tenant active in the month gets a row for each
  severity its policy targets, tickets or not, so a quiet month reads as 0 tickets rather
  than as a missing row; a severity without a target appears when it has tickets.
-#}
with

months as (

    select * from {{ ref('int_contract_months_bounded') }}

),

targets as (

    select * from {{ ref('stg_tickets__response_targets') }}

),

measured as (

    select * from {{ ref('int_ticket_responses_measured') }}

),

targeted_severities as (

    select
        months.tenant_id,
        months.service_month,
        targets.severity
    from months
    inner join targets
        on months.policy_id = targets.policy_id
        and months.policy_plan = targets.plan_tier

),

ticketed_severities as (

    select distinct
        tenant_id,
        service_month,
        severity
    from measured

),

severities as (

    select * from targeted_severities
    union
    select * from ticketed_severities

),

counted as (

    select
        severities.tenant_id,
        severities.service_month,
        severities.severity,
        count(measured.ticket_id) as tickets,
        sum(case when measured.status = 'met' then 1 else 0 end) as met_tickets,
        sum(case when measured.status = 'breached' then 1 else 0 end) as breached_tickets,
        sum(case when measured.status = 'open' then 1 else 0 end) as open_tickets,
        sum(case when measured.status = 'no_target' then 1 else 0 end) as no_target_tickets
    from severities
    left join measured
        on severities.tenant_id = measured.tenant_id
        and severities.severity = measured.severity
    group by severities.tenant_id, severities.service_month, severities.severity

),

final as (

    select
        cast(tenant_id as string) as tenant_id,
        cast(service_month as string) as service_month,
        cast(severity as string) as severity,
        cast(tickets as integer) as tickets,
        cast(coalesce(met_tickets, 0) as integer) as met,
        cast(coalesce(breached_tickets, 0) as integer) as breached,
        cast(coalesce(open_tickets, 0) as integer) as open,
        case
            when coalesce(met_tickets, 0) + coalesce(breached_tickets, 0) > 0
                then cast(met_tickets as double) * 100
                / cast(met_tickets + breached_tickets as double)
        end as compliance_pct,
        cast(coalesce(no_target_tickets, 0) as integer) as no_target
    from counted

)

select * from final
