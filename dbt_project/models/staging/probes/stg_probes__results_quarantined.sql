{{ config(
    materialized="table" if target.type == "spark" else "incremental",
    on_schema_change="sync_all_columns",
    pre_hook="{{ probe_scope_delete('staging', \"coalesce(trim(tenant_id), '')\") }}"
) }}
/* depends_on: {{ ref('stg_probes__file_pairs') }} */
{#-
  The probe rows stg_probes__results_validated gives a reason, judged by the same rules
  (macros screen_probe_rows and judge_probe_conflicts) but only on the rows that can have one.
  Judging every one of 10⁸ landed rows here took 16 s at 1,000 tenants. A row can only have a
  reason if:
  - one of its own values is missing, or was kept as text because it did not parse;
  - its (tenant_id, component) pair is missing a key or unknown to the contracts; or
  - its location both passed and failed at its instant (stg_probes__conflicts).
  The three sets are made disjoint, so no row is counted twice, and the reconciliation check
  compares what is quarantined here with every row judged one by one. Tenant-incremental by
  the trimmed tenant_id ('' when there is none), like stg_probes__conflicts
  (macros/probe_scope.sql); quarantine_probes adds the rows of replaced file versions.
-#}
{#-
  Each branch reads raw.probes itself: a CTE read several times is materialised whole, while a
  test on a column or two lets DuckDB skip the rest of every row that passes it.
-#}
{%- set scope = probe_scope('staging') -%}
{%- set landed -%}
    (
        select * from {{ source('raw', 'probes') }}
        where {{ probe_scope_filter(
            scope, tenant_column="coalesce(trim(tenant_id), '')", file_column='source_file'
        ) }}
    )
{%- endset -%}
{#-
  The rows own_value_missing does not hold, as `landed` (the ingestion tests each landed file
  by the same rule, ROW_VALUES_PRESENT in orchestration/lib/ingest.py: a file whose every row
  holds it has file_values_present, and own_value_missing never reads it).
-#}
{%- set own_values_present -%}
    (
        landed.file_values_present
        or (
            landed.checked_at_us is not null and landed.is_ok is not null
            and landed.parse_error is null and landed.latency_ms is null
            and coalesce(trim(landed.location), '') != ''
        )
    )
{%- endset -%}
with

keys as (

    select * from {{ ref('stg_probes__keys') }}

),

conflicts as (

    select * from {{ ref('stg_probes__conflicts') }}

),

own_value_missing as (

    select * from {{ landed }} as landed
    where not file_values_present and checked_at_us is null
    union all
    select * from {{ landed }} as landed
    where not file_values_present and checked_at_us is not null and is_ok is null
    union all
    select * from {{ landed }} as landed
    where
        not file_values_present
        and checked_at_us is not null and is_ok is not null and parse_error is not null
    union all
    select * from {{ landed }} as landed
    where
        not file_values_present
        and checked_at_us is not null and is_ok is not null and parse_error is null
        and latency_ms is not null
    union all
    select * from {{ landed }} as landed
    where
        not file_values_present
        and checked_at_us is not null and is_ok is not null and parse_error is null
        and latency_ms is null and coalesce(trim(location), '') = ''

),

-- stg_probes__keys holds every landed pair: it is built from the same raw.probes in this build.
doubtful_pairs as (

    select
        tenant_id,
        component
    from keys
    where
        nullif(tenant_key, '') is null
        or nullif(component_key, '') is null
        or not is_known_tenant
        or not is_known_component

),

of_doubtful_pairs as (

    select landed.*
    from {{ landed }} as landed
    inner join doubtful_pairs
        on landed.tenant_id is not distinct from doubtful_pairs.tenant_id
        and landed.component is not distinct from doubtful_pairs.component
    where {{ own_values_present }}

),

-- A conflict is found among valid results only, so its rows' pairs are never doubtful.
at_conflicts as (

    select landed.*
    from {{ landed }} as landed
    inner join keys
        on landed.tenant_id is not distinct from keys.tenant_id
        and landed.component is not distinct from keys.component
    inner join conflicts
        on keys.tenant_key = conflicts.tenant_id
        and keys.component_key = conflicts.component
        and trim(landed.location) = conflicts.location
        and landed.checked_at_us = conflicts.checked_at_us
    where {{ own_values_present }}

),

suspects as (

    select * from own_value_missing
    union all
    select * from of_doubtful_pairs
    union all
    select * from at_conflicts

),

screened as (

    {{ screen_probe_rows('suspects', 'keys') }}

),

judged as (

    {{ judge_probe_conflicts('screened', 'conflicts') }}

),

quarantined as (

    select
        source_file,
        source_line,
        tenant_id,
        component,
        location,
        -- ingestion keeps a value's text only where it did not parse; a parsed one is shown
        -- as the instant or value it was read as
        coalesce(checked_at, {{ format_instant_utc('checked_at_us') }}) as checked_at,
        coalesce(ok, case when is_ok then 'true' when not is_ok then 'false' end) as ok,
        coalesce(latency_ms, cast(latency_ms_value as {{ dbt.type_string() }})) as latency_ms,
        extra,
        reason,
        ingested_at
    from judged
    where reason is not null

)

select * from quarantined
