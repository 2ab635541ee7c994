with

validated as (

    select * from {{ ref('stg_reference__contracts_validated') }}
    where reason is null

),

policy_plans as (

    select
policy_id,
plan_tier
from {{ ref('stg_reference__policies') }}

),

renamed as (

    select
        validated.tenant_key as tenant_id,
        validated.tenant_name,
        validated.policy_key as policy_id,
        validated.plan_key as plan_tier,
        -- a plan tier without an override in the policy uses the policy as written
        coalesce(policy_plans.plan_tier, '') as policy_plan,
        validated.currency_key as currency,
        validated.minor_unit,
        validated.starts_on_date as starts_on,
        validated.ends_on_date as ends_on,
        validated.prepaid_from_date as prepaid_from,
        validated.prepaid_through_date as prepaid_through,
        validated.prepaid_amount_value as prepaid_amount,
        validated.source_file,
        validated.source_line
    from validated
    left join policy_plans
        on validated.policy_key = policy_plans.policy_id
        and validated.plan_key = policy_plans.plan_tier
        and validated.plan_key <> ''

)

select * from renamed
