{{ config(
    materialized="table" if target.type == "spark" else "incremental",
    on_schema_change="sync_all_columns",
    pre_hook="{{ probe_scope_delete('staging') }}"
) }}
{#-
  The failures a pass can contradict (stg_probes__conflicts), each under every raw spelling of
  its valid pair so that the passes meet them as they are written. Failures are few; kept as
  a table of their own so that the join of every pass to them is planned with their real
  count: built inside the conflicts model, DuckDB joined the passes on location and instant
  alone (every tenant's failures at that instant matched) and sorted the tenants out after.
  Tenant-incremental (macros/probe_scope.sql), like the conflicts.
-#}
-- depends_on: {{ ref('stg_probes__file_pairs') }}
{%- set scope = probe_scope('staging') -%}
{%- set landed = scoped_landed_probes(scope) %}
with

failed as (

    select distinct
        valid.tenant_key as tenant_id,
        valid.component_key as component,
        valid.location_key as location,
        valid.checked_at_us
    from ({{ valid_probe_rows(landed, ref('stg_probes__keys')) }}) as valid
    where not valid.is_ok and {{ probe_scope_filter(scope, tenant_column='valid.tenant_key') }}

),

spelled as (

    select
        pair.tenant_id as raw_tenant_id,
        pair.component as raw_component,
        failed.tenant_id,
        failed.component,
        failed.location,
        failed.checked_at_us
    from failed
    inner join {{ ref('stg_probes__keys') }} as pair
        on failed.tenant_id = pair.tenant_key
        and failed.component = pair.component_key
    where pair.is_valid_pair

)

select * from spelled
