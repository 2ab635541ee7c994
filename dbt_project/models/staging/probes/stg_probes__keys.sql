{{ config(materialized="table") }}
{#-
  Each (tenant_id, component) pair as landed, with its trimmed keys, whether a contract
  knows it, and whether its rows can be valid at all. Probe rows repeat a few thousand pairs
  10⁸ times: judging the pair once and joining rows to it on the landed text is cheaper than
  trimming and looking up every row. The pairs come from stg_probes__file_pairs, which reads
  each landed file once.
-#}
with

pairs as (

    select distinct
        tenant_id,
        component
    from {{ ref('stg_probes__file_pairs') }}

),

tenant_components as (

    select * from {{ ref('stg_reference__tenant_components') }}

),

tenants as (

    select distinct tenant_id from tenant_components

),

judged as (

    select
        pairs.tenant_id,
        pairs.component,
        trim(pairs.tenant_id) as tenant_key,
        trim(pairs.component) as component_key,
        tenants.tenant_id is not null as is_known_tenant,
        tenant_components.component is not null as is_known_component,
        -- every rule of screen_probe_rows that looks at the pair alone holds
        coalesce(
            trim(pairs.tenant_id) <> ''
            and trim(pairs.component) <> ''
            and tenant_components.component is not null,
            false
        ) as is_valid_pair
    from pairs
    left join tenants on trim(pairs.tenant_id) = tenants.tenant_id
    left join tenant_components
        on trim(pairs.tenant_id) = tenant_components.tenant_id
        and trim(pairs.component) = tenant_components.component

)

select * from judged
