{#- Every component of every active contract's policy, data or not. -#}
with

months as (

    select * from {{ ref('int_contract_months_bounded') }}

),

components as (

    select * from {{ ref('stg_reference__policy_components') }}

),

joined as (

    select
        months.*,
        components.component,
        components.component_position
    from months
    inner join components
        on months.policy_id = components.policy_id
        and months.policy_plan = components.plan_tier

)

select * from joined
