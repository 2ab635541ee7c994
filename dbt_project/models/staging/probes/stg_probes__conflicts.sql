{{ config(materialized="table") }}
{#-
  Instants at which one location reported both a pass and a failure: neither can be believed,
  so both are quarantined and neither states the location (contract: probes). A conflict needs
  a failure, and failures are few, so this is a probe of every passing result against them
  rather than a sort or a grouping of all results.
-#}
with

-- Each side reads the landed rows on its own: one shared CTE would be materialised whole,
-- while here the failures are filtered out at the scan and the passes stream past them.
failed as (

    select distinct
        valid.tenant_key as tenant_id,
        valid.component_key as component,
        valid.location_key as location,
        valid.checked_at_us
    from ({{ valid_probe_rows(source('raw', 'probes'), ref('stg_probes__keys')) }}) as valid
    where not valid.is_ok

),

passed as (

    select
        valid.tenant_key as tenant_id,
        valid.component_key as component,
        valid.location_key as location,
        valid.checked_at_us
    from ({{ valid_probe_rows(source('raw', 'probes'), ref('stg_probes__keys')) }}) as valid
    where valid.is_ok

),

conflicting as (

    select distinct
        failed.tenant_id,
        failed.component,
        failed.location,
        failed.checked_at_us
    from passed
    inner join failed
        on passed.tenant_id = failed.tenant_id
        and passed.component = failed.component
        and passed.location = failed.location
        and passed.checked_at_us = failed.checked_at_us

)

select * from conflicting
