{#- One row per tenant-month an operator accepted despite low coverage (the latest acceptance). -#}
with

validated as (

    select * from {{ ref('stg_reference__coverage_overrides_validated') }}
    where reason is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by tenant_key, service_month_key order by accepted_at_us desc
        ) as acceptance_rank
    from validated

),

renamed as (

    select
        tenant_key as tenant_id,
        service_month_key as service_month,
        accepted_by,
        accepted_at_us,
        note
    from ranked
    where acceptance_rank = 1

)

select * from renamed
