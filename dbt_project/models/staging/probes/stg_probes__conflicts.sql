{{ config(materialized="table") }}
{#-
  Instants at which one location reported both a pass and a failure: neither can be believed,
  so both are quarantined and neither states the location (contract: probes). A conflict needs
  a failure, and failures are few, so this is a probe of every passing result against them
  rather than a sort or a grouping of all results.
-#}
with

results as (

    select
        tenant_key as tenant_id,
        component_key as component,
        location_key as location,
        checked_at_us,
        is_ok
    from {{ ref('stg_probes__results_screened') }}
    where reason is null

),

failed as (

    select distinct
        tenant_id,
        component,
        location,
        checked_at_us
    from results
    where not is_ok

),

conflicting as (

    select distinct
        failed.tenant_id,
        failed.component,
        failed.location,
        failed.checked_at_us
    from results as passed
    inner join failed
        on passed.tenant_id = failed.tenant_id
        and passed.component = failed.component
        and passed.location = failed.location
        and passed.checked_at_us = failed.checked_at_us
    where passed.is_ok

)

select * from conflicting
