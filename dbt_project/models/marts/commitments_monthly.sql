{#-
  The SLA's other promises, per tenant, service month and commitment: daily backups, RPO,
  RTO, breach notice and maintenance notice. Every tenant with a contract active in the month
  gets a row per commitment, events or not; `met` is null when nothing happened to judge.
  Each event is judged on its own (a miss, a meet, or still open), then the month takes the
  worst: one miss misses the month. Events belong to the month of the instant that starts
  them in the policy's zone (declaration, awareness, window start); a backup gap to the month
  where it ends. Anything still running is measured up to the month end, or the run's as-of
  when that is earlier, and is a miss once that already exceeds the limit.
-#}
with

months as (

    select * from {{ ref('int_contract_months_bounded') }}

),

policies as (

    select * from {{ ref('stg_reference__policies') }}

),

backup_gaps as (

    select * from {{ ref('int_backup_gaps_measured') }}

),

recovery_events as (

    select * from {{ ref('stg_recovery_events__events') }}

),

incidents as (

    select * from {{ ref('stg_security_incidents__incidents') }}

),

windows as (

    select * from {{ ref('int_maintenance_windows_deduplicated') }}

),

tenant_months as (

    select
        months.tenant_id,
        months.policy_id,
        months.service_month,
        months.month_start_us,
        months.month_end_us,
        months.maintenance_notice_us,
        policies.backup_max_gap_us,
        policies.rto_us,
        policies.rpo_us,
        policies.breach_notice_us,
        least(months.month_end_us, {{ as_of_us() }}) as cutoff_us
    from months
    inner join policies
        on
            months.policy_id = policies.policy_id
            and months.policy_plan = policies.plan_tier

),

commitment_list as (

    select 'daily_backup' as commitment
    union all
    select 'rpo' as commitment
    union all
    select 'rto' as commitment
    union all
    select 'breach_notice' as commitment
    union all
    select 'maintenance_notice' as commitment

),

commitments as (

    select
        tenant_months.*,
        commitment_list.commitment,
        case commitment_list.commitment
            when 'daily_backup' then tenant_months.backup_max_gap_us
            when 'rpo' then tenant_months.rpo_us
            when 'rto' then tenant_months.rto_us
            when 'breach_notice' then tenant_months.breach_notice_us
            when 'maintenance_notice' then tenant_months.maintenance_notice_us
        end as limit_us
    from tenant_months
    cross join commitment_list

),

disasters as (

    -- restore tests prove the plan; only a declared disaster is held to the promises
    select
        tenant_months.tenant_id,
        tenant_months.cutoff_us,
        tenant_months.rto_us,
        tenant_months.rpo_us,
        recovery_events.event_id,
        recovery_events.declared_at_us,
        recovery_events.restored_at_us,
        recovery_events.restore_point_at_us
    from recovery_events
    inner join tenant_months
        on
            (recovery_events.tenant_id = tenant_months.tenant_id or recovery_events.tenant_id = '*')
            and recovery_events.declared_at_us >= tenant_months.month_start_us
            and recovery_events.declared_at_us < tenant_months.month_end_us
    where recovery_events.kind = 'disaster'

),

judged as (

    select
        tenant_id,
        'daily_backup' as commitment,
        coalesce(closed_by_id, opened_by_id) as evidence_id,
        gap_us as measured_us,
        gap_us as badness_us,
        is_met
    from backup_gaps

    union all

    select
        tenant_id,
        'rto' as commitment,
        event_id as evidence_id,
        coalesce(restored_at_us, cutoff_us) - declared_at_us as measured_us,
        coalesce(restored_at_us, cutoff_us) - declared_at_us as badness_us,
        case
            when restored_at_us is not null then restored_at_us - declared_at_us <= rto_us
            -- still down: a miss once past the RTO, otherwise not judged yet
            when cutoff_us - declared_at_us > rto_us then false
        end as is_met
    from disasters

    union all

    select
        tenant_id,
        'rpo' as commitment,
        event_id as evidence_id,
        declared_at_us - restore_point_at_us as measured_us,
        declared_at_us - restore_point_at_us as badness_us,
        declared_at_us - restore_point_at_us <= rpo_us as is_met
    from disasters

    union all

    select
        tenant_months.tenant_id,
        'breach_notice' as commitment,
        incidents.incident_id as evidence_id,
        coalesce(incidents.notified_at_us, tenant_months.cutoff_us)
        - incidents.became_aware_at_us as measured_us,
        coalesce(incidents.notified_at_us, tenant_months.cutoff_us)
        - incidents.became_aware_at_us as badness_us,
        case
            when incidents.notified_at_us is not null
                then
                    incidents.notified_at_us - incidents.became_aware_at_us
                    <= tenant_months.breach_notice_us
            -- not notified yet: a miss once past the deadline, otherwise not judged yet
            when
                tenant_months.cutoff_us - incidents.became_aware_at_us
                > tenant_months.breach_notice_us
                then false
        end as is_met
    from incidents
    inner join tenant_months
        on
            incidents.tenant_id = tenant_months.tenant_id
            and incidents.became_aware_at_us >= tenant_months.month_start_us
            and incidents.became_aware_at_us < tenant_months.month_end_us
    where incidents.is_personal_data

    union all

    -- emergency windows need no notice (Meaning 4); a scheduled one needs the policy's
    select
        tenant_months.tenant_id,
        'maintenance_notice' as commitment,
        windows.window_id as evidence_id,
        windows.starts_at_us - windows.announced_at_us as measured_us,
        -- the shorter the notice, the worse
        windows.announced_at_us - windows.starts_at_us as badness_us,
        windows.starts_at_us - windows.announced_at_us
        >= tenant_months.maintenance_notice_us as is_met
    from windows
    inner join tenant_months
        on
            (windows.tenant_id = tenant_months.tenant_id or windows.tenant_id = '*')
            and windows.starts_at_us >= tenant_months.month_start_us
            and windows.starts_at_us < tenant_months.month_end_us
    where windows.kind = 'scheduled'

),

ranked as (

    select
        *,
        rank() over (
            partition by tenant_id, commitment order by badness_us desc
        ) as badness_rank
    from judged

),

summarised as (

    select
        tenant_id,
        commitment,
        count(*) as events,
        count(case when is_met = false then 1 end) as misses,
        count(case when is_met then 1 end) as meets,
        max(case when badness_rank = 1 then measured_us end) as worst_us,
        -- the misses, worst first; with no miss, the event(s) closest to missing
        {{ ordered_string_agg(
            "case when is_met = false then evidence_id end", ["-badness_us", "evidence_id"]
        ) }} as missed_ids,
        {{ ordered_string_agg("case when badness_rank = 1 then evidence_id end", ["evidence_id"]) }}
            as worst_ids
    from ranked
    group by tenant_id, commitment

),

final as (

    select
        cast(commitments.tenant_id as string) as tenant_id,
        cast(commitments.service_month as string) as service_month,
        cast(commitments.commitment as string) as commitment,
        cast(
            case
                when summarised.misses > 0 then false
                when summarised.meets > 0 then true
            end as boolean
        ) as met,
        cast(summarised.worst_us / 3600000000.0 as double) as measured_hours,
        cast(commitments.limit_us / 3600000000.0 as double) as limit_hours,
        cast(coalesce(summarised.events, 0) as bigint) as events,
        cast(
            case when summarised.misses > 0 then summarised.missed_ids else summarised.worst_ids end
            as string
        ) as evidence_ids,
        cast(commitments.policy_id as string) as policy_id
    from commitments
    left join summarised
        on
            commitments.tenant_id = summarised.tenant_id
            and commitments.commitment = summarised.commitment

)

select * from final
