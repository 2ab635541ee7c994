{#-
  Business time on a calendar of opening intervals (int_business_hours_opened: policy_id,
  plan_tier, opens_at_us, closes_at_us, opened_before_us, opened_through_us), set-based:
  no per-minute rows. Both macros return a select over a relation (or CTE) named `spans`
  with span_id, policy_id, plan_tier and started_at_us; the model and the property test
  that holds them against a minute-by-minute walk share this one definition.
-#}

{#- Business µs inside [started_at_us, ended_at_us): the overlap with each opening interval.
    A span touching no opening interval has no row (its business time is 0). -#}
{% macro business_time_between(spans, hours) %}
    select
        {{ spans }}.span_id,
        sum(
            least({{ hours }}.closes_at_us, {{ spans }}.ended_at_us)
            - greatest({{ hours }}.opens_at_us, {{ spans }}.started_at_us)
        ) as business_us
    from {{ spans }}
    inner join {{ hours }}
        on {{ spans }}.policy_id = {{ hours }}.policy_id
        and {{ spans }}.plan_tier = {{ hours }}.plan_tier
        and {{ hours }}.opens_at_us < {{ spans }}.ended_at_us
        and {{ hours }}.closes_at_us > {{ spans }}.started_at_us
    group by {{ spans }}.span_id
{% endmacro %}

{#- The instant `budget_us` of business time after started_at_us runs out. The calendar's
    running total of opening time places started_at_us on it; the due instant is where the
    running total reaches that position + budget. The interval test is (before, through], so a
    budget ending exactly at a closing time is due at that closing instant, not at the next
    opening. Null when the calendar ends first. -#}
{% macro business_due_at(spans, hours) %}
    select
        positioned.span_id,
        case
            when positioned.budget_us = 0 then positioned.started_at_us
            else {{ hours }}.opens_at_us + (positioned.goal_us - {{ hours }}.opened_before_us)
        end as due_at_us
    from (
        select
            {{ spans }}.span_id,
            {{ spans }}.policy_id,
            {{ spans }}.plan_tier,
            {{ spans }}.started_at_us,
            {{ spans }}.budget_us,
            -- opening time before the start (0 when the calendar opens after it), plus the budget
            coalesce(max(
                {{ hours }}.opened_before_us
                + least({{ hours }}.closes_at_us, {{ spans }}.started_at_us)
                - {{ hours }}.opens_at_us
            ), 0) + {{ spans }}.budget_us as goal_us
        from {{ spans }}
        left join {{ hours }}
            on {{ spans }}.policy_id = {{ hours }}.policy_id
            and {{ spans }}.plan_tier = {{ hours }}.plan_tier
            and {{ hours }}.opens_at_us < {{ spans }}.started_at_us
        group by
            {{ spans }}.span_id,
            {{ spans }}.policy_id,
            {{ spans }}.plan_tier,
            {{ spans }}.started_at_us,
            {{ spans }}.budget_us
    ) as positioned
    left join {{ hours }}
        on positioned.policy_id = {{ hours }}.policy_id
        and positioned.plan_tier = {{ hours }}.plan_tier
        and {{ hours }}.opened_before_us < positioned.goal_us
        and positioned.goal_us <= {{ hours }}.opened_through_us
{% endmacro %}
