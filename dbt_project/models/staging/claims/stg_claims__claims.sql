{#- A repeated claim_id counts once: its earliest receipt. -#}
with

validated as (

    select * from {{ ref('stg_claims__claims_validated') }}
    where reason is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by claim_key order by received_at_us, source_file, source_line
        ) as claim_row_number
    from validated

),

renamed as (

    select
        claim_key as claim_id,
        tenant_key as tenant_id,
        service_month_key as service_month,
        received_at_us,
        source_file,
        source_line
    from ranked
    where claim_row_number = 1

)

select * from renamed
