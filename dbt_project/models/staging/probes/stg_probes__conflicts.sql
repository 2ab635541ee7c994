{{ config(
    materialized="table" if target.type == "spark" else "incremental",
    on_schema_change="sync_all_columns",
    pre_hook="{{ probe_scope_delete('staging') }}"
) }}
{#-
  Instants at which one location reported both a pass and a failure: neither can be believed,
  so both are quarantined and neither states the location (contract: probes). A conflict needs
  a failure, and failures are few, so this is a probe of every passing result against them
  rather than a sort or a grouping of all results. A pass is matched by the tenant and
  component as its row spells them, against every spelling of a failure's valid pair
  (stg_probes__failures): only the failures are joined to their pairs, not the 10⁸ passes.
  Tenant-incremental (macros/probe_scope.sql): a run reads only the files of the tenants
  whose inputs changed.
-#}
-- depends_on: {{ ref('stg_probes__file_pairs') }}
-- depends_on: {{ ref('stg_probes__keys') }}
{%- set scope = probe_scope('staging') -%}
{%- set landed = scoped_landed_probes(scope) %}
with

failed_spellings as (

    select * from {{ ref('stg_probes__failures') }}
    where {{ probe_scope_filter(scope, tenant_column='tenant_id') }}

),

passed as (

    select
        landed.tenant_id,
        landed.component,
        trim(landed.location) as location,
        landed.checked_at_us
    from {{ landed }} as landed
    where landed.is_ok and {{ probe_row_values_valid('landed') }}

),

conflicting as (

    select distinct
        failed_spellings.tenant_id,
        failed_spellings.component,
        failed_spellings.location,
        failed_spellings.checked_at_us
    from passed
    inner join failed_spellings
        on passed.tenant_id = failed_spellings.raw_tenant_id
        and passed.component = failed_spellings.raw_component
        and passed.location = failed_spellings.location
        and passed.checked_at_us = failed_spellings.checked_at_us

)

select * from conflicting
