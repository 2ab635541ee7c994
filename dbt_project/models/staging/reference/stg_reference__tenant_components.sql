{#- The components each tenant's effective policy measures: what a probe may report on. -#}
with

contracts as (

    select * from {{ ref('stg_reference__contracts') }}

),

components as (

    select * from {{ ref('stg_reference__policy_components') }}

),

joined as (

    select
        contracts.tenant_id,
        contracts.policy_id,
        contracts.policy_plan,
        components.component,
        components.component_position
    from contracts
    inner join components
        on contracts.policy_id = components.policy_id
        and contracts.policy_plan = components.plan_tier

)

select * from joined
