{#-
  Meanings 6–9, published: per tenant and service month, the deciding component's uptime,
  the credit tier (capped) applied to the Monthly Fee, the claim position as of the run,
  consecutive breached months and any termination right with its pro-rata refund.
-#}
with

months as (

    select
        *,
        {{ dbt.dateadd('day', -1, 'next_month_first_on') }} as month_last_on
    from {{ ref('int_contract_months_bounded') }}

),

selected_tiers as (

    select * from {{ ref('int_credit_tiers_selected') }}

),

fee_charge_types as (

    select * from {{ ref('stg_reference__fee_charge_types') }}

),

charges as (

    select * from {{ ref('stg_reference__charges') }}

),

-- Meaning 8 judges claims as of the run's as-of instant: a claim received after it had not
-- arrived then, so a run as of a past instant shows what was owed at that instant.
claims as (

    select * from {{ ref('stg_claims__claims') }}
    where received_at_us <= {{ as_of_us() }}

),

overrides as (

    select * from {{ ref('stg_reference__coverage_overrides') }}

),

-- The coverage gate: the least-watched component's coverage; below the policy's threshold the
-- credit waits for an operator's recorded acceptance, because silence is not uptime.
coverage as (

    select
        tenant_id,
        max(total_us) as total_us,
        max(unmonitored_us) as unmonitored_us,
        min(100.0 - unmonitored_us * 100.0 / total_us) as min_coverage_pct
    from {{ ref('int_component_availability_computed') }}
    group by tenant_id

),

breaches as (

    select * from {{ ref('int_breach_instants_found') }}

),

-- Meaning 9 counts the months before this one as they stand now: each earlier month's
-- `breached` as this table holds it (a restated month's latest answer), never the count stored
-- with the month before, which was only right for the order the months happened to be run in.
-- The run of breached months that ends with the month before this one, found as an island of
-- consecutive month numbers; a month the platform has not computed breaks the run.
earlier_breaches as (

    {% if is_incremental() %}
        select
            tenant_id,
            {{ month_number('service_month') }} as month_number
        from {{ this }}
        where service_month < '{{ run_month() }}' and breached
    {% else %}
        select
            cast(null as string) as tenant_id,
            cast(null as integer) as month_number
        where 1 = 0
    {% endif %}

),

earlier_runs as (

    select
        tenant_id,
        month_number,
        month_number - row_number() over (
            partition by tenant_id order by month_number
        ) as run_id
    from earlier_breaches

),

previous_month as (

    select
        tenant_id,
        count(*) as consecutive_breaches
    from earlier_runs
    group by tenant_id, run_id
    having max(month_number) = {{ month_number("'" ~ run_month() ~ "'") }} - 1

),

fees as (

    select
        months.tenant_id,
        sum(charges.amount) as monthly_fee
    from months
    inner join charges
        on months.tenant_id = charges.tenant_id
        and months.service_month = charges.service_month
    inner join fee_charge_types
        on months.policy_id = fee_charge_types.policy_id
        and months.policy_plan = fee_charge_types.plan_tier
        and charges.charge_type = fee_charge_types.charge_type
    where charges.is_paid
    group by months.tenant_id

),

credited as (

    select
        months.*,
        selected_tiers.deciding_component,
        selected_tiers.downtime_us,
        selected_tiers.uptime_pct,
        selected_tiers.breached,
        selected_tiers.credit_pct,
        coalesce(fees.monthly_fee, cast(0 as decimal(18, 4))) as monthly_fee,
        breaches.breach_at_us,
        coverage.unmonitored_us,
        coverage.min_coverage_pct,
        case
            when months.coverage_review_below_pct is null then 'not_needed'
            when (coverage.total_us - coverage.unmonitored_us) * 100
                >= months.coverage_review_below_pct * coverage.total_us then 'not_needed'
            when overrides.tenant_id is not null then 'accepted'
            else 'needs_review'
        end as review_status
    from months
    inner join selected_tiers on months.tenant_id = selected_tiers.tenant_id
    left join fees on months.tenant_id = fees.tenant_id
    left join breaches on months.tenant_id = breaches.tenant_id
    left join coverage on months.tenant_id = coverage.tenant_id
    left join overrides
        on
            months.tenant_id = overrides.tenant_id
            and months.service_month = overrides.service_month

),

-- Meaning 8: the deadline is the end of the window_days-th local day after the anchor day.
anchored as (

    select
        *,
        case
            when not claim_required then null
            when claim_anchor = 'month_end' then month_last_on
            when claim_anchor = 'breach' and breach_at_us is not null
                then {{ local_date_of_us('breach_at_us', 'timezone') }}
        end as claim_anchor_on
    from credited

),

deadlined as (

    select
        *,
        case
            when claim_anchor_on is not null
                then {{ local_midnight_us(
                    dbt.dateadd('day', 'claim_window_days + 1', 'claim_anchor_on'), 'timezone'
                ) }}
        end as claim_deadline_us
    from anchored

),

claims_judged as (

    select
        deadlined.tenant_id,
        min(
            case
                when claims.received_at_us < deadlined.claim_deadline_us
                    then claims.received_at_us
            end
        ) as first_claim_in_time_us,
        sum(
            case when claims.received_at_us >= deadlined.claim_deadline_us then 1 else 0 end
        ) as late_claims
    from deadlined
    inner join claims
        on deadlined.tenant_id = claims.tenant_id
        and deadlined.service_month = claims.service_month
    group by deadlined.tenant_id

),

judged as (

    select
        deadlined.*,
        claims_judged.first_claim_in_time_us,
        case
            when deadlined.credit_pct = 0 then 'no_credit'
            when not deadlined.claim_required then 'not_required'
            when claims_judged.first_claim_in_time_us is not null then 'claimed'
            when coalesce(claims_judged.late_claims, 0) > 0 then 'late'
            when deadlined.claim_deadline_us is not null
                and {{ as_of_us() }} >= deadlined.claim_deadline_us then 'expired'
            else 'eligible'
        end as claim_status,
        case
            when deadlined.breached
                then 1 + coalesce(previous_month.consecutive_breaches, 0)
            else 0
        end as consecutive_breaches
    from deadlined
    left join claims_judged on deadlined.tenant_id = claims_judged.tenant_id
    left join previous_month on deadlined.tenant_id = previous_month.tenant_id

),

-- Invoicing: the month after the later of the service month and the (local) month in which
-- the first in-time claim arrived.
invoiced as (

    select
        *,
        case
            when first_claim_in_time_us is not null
                and {{ local_date_of_us('first_claim_in_time_us', 'timezone') }}
                >= next_month_first_on
                then {{ dbt.date_trunc('month', local_date_of_us('first_claim_in_time_us', 'timezone')) }}
            else month_first_on
        end as invoiced_after_month_on
    from judged

),

-- Meaning 9: the right to terminate, and the unused prepaid term refunded pro rata.
terminated as (

    select
        *,
        termination_after_consecutive_breaches is not null
        and consecutive_breaches >= termination_after_consecutive_breaches
        as termination_right,
        case
            when prepaid_amount is null then 0
            when {{ days_between('month_last_on', 'prepaid_through') }} < 0 then 0
            when {{ days_between('month_last_on', 'prepaid_through') }}
                > {{ days_between('prepaid_from', 'prepaid_through') }} + 1
                then {{ days_between('prepaid_from', 'prepaid_through') }} + 1
            else {{ days_between('month_last_on', 'prepaid_through') }}
        end as unused_prepaid_days,
        {{ days_between('prepaid_from', 'prepaid_through') }} + 1 as prepaid_days
    from invoiced

),

final as (

    select
        cast(tenant_id as string) as tenant_id,
        cast(service_month as string) as service_month,
        cast(policy_id as string) as policy_id,
        uptime_pct,
        cast(deciding_component as string) as deciding_component,
        cast(uptime_target_pct as decimal(9, 6)) as target_pct,
        cast(breached as boolean) as breached,
        cast(credit_pct as decimal(10, 6)) as credit_pct,
        cast(monthly_fee as decimal(18, 4)) as monthly_fee,
        {{ round_money('monthly_fee * credit_pct * 0.01', 'minor_unit') }} as credit_amount,
        cast(currency as string) as currency,
        {{ us_to_timestamp('breach_at_us') }} as breach_at,
        cast(claim_required as boolean) as claim_required,
        {{ us_to_timestamp('claim_deadline_us') }} as claim_deadline,
        cast(claim_status as string) as claim_status,
        cast(
            claim_status in ('not_required', 'claimed') and review_status <> 'needs_review'
            as boolean
        ) as payable,
        cast(consecutive_breaches as integer) as consecutive_breaches,
        cast(termination_right as boolean) as termination_right,
        -- Meaning 9: rounded like a credit, then kept within [0, prepaid_amount]: rounding a
        -- prepaid amount finer than the minor unit (1000.005 EGP) must not refund more than it
        case
            when termination_right and prepaid_amount is not null
                then least(
                    {{ prorate_money('prepaid_amount', 'unused_prepaid_days', 'prepaid_days',
                        'minor_unit') }},
                    cast(prepaid_amount as decimal(18, 4))
                )
            else cast(0 as decimal(18, 4))
        end as refund_amount,
        cast(plan_tier as string) as plan_tier,
        {{ us_to_timestamp('first_claim_in_time_us') }} as first_claim_received_at,
        {{ us_to_timestamp(as_of_us()) }} as as_of,
        cast(policy_version as string) as policy_version,
        case
            when claim_status in ('not_required', 'claimed') and review_status <> 'needs_review'
                then cast({{ format_month(dbt.dateadd('month', 1, 'invoiced_after_month_on')) }} as string)
        end as invoice_month,
        cast(min_coverage_pct as double) as min_coverage_pct,
        cast(review_status as string) as review_status
    from terminated

)

select * from final
