{#-
  DuckDB reads the view where it is used, at scan speed. Spark would compute it again for each
  of the two models that read it (through int_probe_results_slotted), so it keeps a table, and
  the run's reconciliation, which reads the tables Spark wrote, can count it.
-#}
{{ config(materialized="table" if target.type == "spark" else "view") }}
{#-
  Valid results: no reason of their own (macro valid_probe_rows), and no other result
  contradicting them (stg_probes__conflicts). The same rows as stg_probes__results_validated
  without a reason, found without judging every row; every run checks that they are.
-#}
with

source as (

    select * from {{ source('raw', 'probes') }}

),

keys as (

    select * from {{ ref('stg_probes__keys') }}

),

valid as (

    {{ valid_probe_rows('source', 'keys') }}

),

conflicts as (

    select * from {{ ref('stg_probes__conflicts') }}

),

uncontradicted as (

    select
        valid.tenant_key as tenant_id,
        valid.component_key as component,
        valid.location_key as location,
        valid.checked_at_us,
        valid.is_ok,
        valid.latency_ms_value as latency_ms,
        valid.source_file,
        valid.source_line
    from valid
    {{ probe_conflict_join('valid', 'conflicts') }}
    where conflicts.checked_at_us is null

)

select * from uncontradicted
