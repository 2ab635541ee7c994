{#-
  Meaning 10: every ticket created in the service month (in the policy's zone, on a day of
  the tenant's contract), measured against its severity's target on the target's clock:
  elapsed time to the first response, the instant the target runs out (due_at), and whether
  it was met. Unanswered tickets are judged as of their own latest export, never as of now,
  so a re-run gives the same answer.
-#}
with

tickets as (

    select * from {{ ref('stg_tickets__tickets') }}

),

months as (

    select * from {{ ref('int_contract_months_bounded') }}

),

targets as (

    select * from {{ ref('stg_tickets__response_targets') }}

),

hours as (

    select * from {{ ref('int_business_hours_opened') }}

),

month_tickets as (

    select
        tickets.*,
        months.policy_id,
        months.plan_tier,
        months.policy_plan,
        months.service_month
    from tickets
    inner join months
        on tickets.tenant_id = months.tenant_id
        and tickets.created_at_us >= months.counted_from_us
        and tickets.created_at_us < months.counted_until_us

),

-- a severity the policy sets no target for keeps a null clock and target
targeted as (

    select
        month_tickets.*,
        targets.clock,
        targets.target_minutes,
        targets.target_us
    from month_tickets
    left join targets
        on month_tickets.policy_id = targets.policy_id
        and month_tickets.policy_plan = targets.plan_tier
        and month_tickets.severity = targets.severity

),

-- the business-clock tickets as spans on their calendar (see macros/business_time.sql)
business_spans as (

    select
        ticket_id as span_id,
        policy_id,
        policy_plan as plan_tier,
        created_at_us as started_at_us,
        first_response_at_us as ended_at_us,
        target_us as budget_us
    from targeted
    where clock = 'business'

),

business_elapsed as (

    {{ business_time_between('business_spans', 'hours') }}

),

business_due as (

    {{ business_due_at('business_spans', 'hours') }}

),

clocked as (

    select
        targeted.*,
        case
            when targeted.first_response_at_us is null then null
            when targeted.clock = 'business' then coalesce(business_elapsed.business_us, 0)
            -- 24x7, and no clock at all: wall time
            else targeted.first_response_at_us - targeted.created_at_us
        end as elapsed_us,
        case
            when targeted.clock = 'business' then business_due.due_at_us
            when targeted.clock = '24x7' then targeted.created_at_us + targeted.target_us
        end as due_at_us
    from targeted
    left join business_elapsed on targeted.ticket_id = business_elapsed.span_id
    left join business_due on targeted.ticket_id = business_due.span_id

),

judged as (

    select
        *,
        case
            when target_us is null then null
            when first_response_at_us is not null then elapsed_us <= target_us
            -- unanswered: breached once the latest export was taken after due_at; at due_at
            -- itself a response would still be met (elapsed = target), so it is open
            when due_at_us < exported_at_us then false
        end as met
    from clocked

)

select
    *,
    case
        when target_us is null then 'no_target'
        when met then 'met'
        when not met then 'breached'
        else 'open'
    end as status
from judged
