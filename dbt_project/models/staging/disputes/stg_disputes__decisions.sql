{#- One row per dispute: its latest decision (a dispute decided again is the later decision). -#}
with

validated as (

    select * from {{ ref('stg_disputes__decisions_validated') }}
    where reason is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by dispute_key
            order by decided_at_us desc, source_file desc, source_line desc
        ) as decision_rank
    from validated

),

renamed as (

    select
        dispute_key as dispute_id,
        tenant_key as tenant_id,
        service_month_key as service_month,
        component_key as component,
        starts_at_us,
        ends_at_us,
        claimed_minutes as claimed_downtime_minutes,
        outcome_key as outcome,
        decided_at_us,
        source_file,
        source_line
    from ranked
    where decision_rank = 1

)

select * from renamed
