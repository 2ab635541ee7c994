{#-
  The daily-backup promise, per tenant, store and service month: every gap between
  consecutive counted backups (succeeded, encrypted, completed), judged in the month where the
  gap ends (in the policy's zone), so the month's first gap runs from the last good backup
  before it. A store's clock starts at its first attempt: a store whose first runs all failed
  has been without a backup since then. A gap still open at month end (or at the run's as-of,
  when earlier) is judged in this month only once it is already longer than the limit; a
  shorter open gap is judged where it closes.
-#}
with

months as (

    select * from {{ ref('int_contract_months_bounded') }}

),

policies as (

    select * from {{ ref('stg_reference__policies') }}

),

backups as (

    select * from {{ ref('stg_backups__runs') }}

),

tenant_months as (

    select
        months.tenant_id,
        months.service_month,
        months.month_start_us,
        months.month_end_us,
        policies.backup_max_gap_us,
        least(months.month_end_us, {{ as_of_us() }}) as cutoff_us
    from months
    inner join policies
        on
            months.policy_id = policies.policy_id
            and months.policy_plan = policies.plan_tier

),

first_attempts as (

    select
        tenant_id,
        store,
        backup_id,
        started_at_us,
        is_good,
        row_number() over (
            partition by tenant_id, store order by started_at_us, backup_id
        ) as attempt_number
    from backups

),

marks as (

    -- the instants a gap can start from or end at: each counted backup's completion ...
    select
        tenant_id,
        store,
        backup_id,
        completed_at_us as mark_us,
        true as is_completion
    from backups
    where is_good

    union all

    -- ... and the store's first attempt, when that attempt did not itself produce a backup
    select
        tenant_id,
        store,
        backup_id,
        started_at_us as mark_us,
        false as is_completion
    from first_attempts
    where attempt_number = 1 and not is_good

),

sequenced as (

    select
        tenant_id,
        store,
        backup_id,
        mark_us,
        is_completion,
        lag(backup_id) over store_marks as previous_backup_id,
        lag(mark_us) over store_marks as previous_mark_us
    from marks
    window store_marks as (partition by tenant_id, store order by mark_us, backup_id)

),

closed_gaps as (

    select
        tenant_months.tenant_id,
        tenant_months.service_month,
        sequenced.store,
        sequenced.previous_backup_id as opened_by_id,
        sequenced.backup_id as closed_by_id,
        sequenced.previous_mark_us as gap_start_us,
        sequenced.mark_us as gap_end_us,
        false as is_open,
        tenant_months.backup_max_gap_us
    from sequenced
    inner join tenant_months
        on
            sequenced.tenant_id = tenant_months.tenant_id
            and sequenced.mark_us >= tenant_months.month_start_us
            and sequenced.mark_us < tenant_months.month_end_us
    where sequenced.is_completion and sequenced.previous_mark_us is not null

),

last_marks as (

    select
        tenant_months.tenant_id,
        tenant_months.service_month,
        marks.store,
        marks.backup_id,
        marks.mark_us,
        tenant_months.month_start_us,
        tenant_months.cutoff_us,
        tenant_months.backup_max_gap_us,
        row_number() over (
            partition by tenant_months.tenant_id, marks.store
            order by marks.mark_us desc, marks.backup_id desc
        ) as recency
    from marks
    inner join tenant_months
        on
            marks.tenant_id = tenant_months.tenant_id
            and marks.mark_us < tenant_months.cutoff_us

),

open_gaps as (

    select
        tenant_id,
        service_month,
        store,
        backup_id as opened_by_id,
        cast(null as string) as closed_by_id,
        mark_us as gap_start_us,
        cutoff_us as gap_end_us,
        true as is_open,
        backup_max_gap_us
    from last_marks
    where
        recency = 1
        and cutoff_us - mark_us > backup_max_gap_us
        -- a run as of before the month has nothing of the month to judge yet
        and cutoff_us > month_start_us

),

gaps as (

    select * from closed_gaps
    union all
    select * from open_gaps

),

measured as (

    select
        *,
        gap_end_us - gap_start_us as gap_us,
        gap_end_us - gap_start_us <= backup_max_gap_us as is_met
    from gaps

)

select * from measured
