{{ config(
    materialized="table" if target.type == "spark" else "incremental",
    on_schema_change="sync_all_columns",
    pre_hook="{{ probe_file_pairs_forget_gone() }}"
) }}
{#-
  Which (tenant_id, component) pairs, as landed, each landed probe file version holds. A file's
  rows never change under one content hash, so each version is read once, when it lands; a
  version that was replaced or removed is forgotten (pre-hook). The pairs list
  (stg_probes__keys) and the tenant-incremental probe models (macros/probe_scope.sql) start
  here instead of from a read of every probe row.
-#}
{%- set new_files = [] -%}
{%- if execute and is_incremental() -%}
    {%- set query -%}
        select distinct landed.source_file
        from (select distinct source_file, file_sha256 from {{ source('raw', 'probes') }}) as landed
        left join (select distinct source_file, file_sha256 from {{ this }}) as known
            on landed.source_file = known.source_file
            and landed.file_sha256 = known.file_sha256
        where known.source_file is null
    {%- endset -%}
    {%- for row in run_query(query).rows -%}{%- do new_files.append(row[0]) -%}{%- endfor -%}
{%- endif %}

with

landed as (

    select
        source_file,
        file_sha256,
        tenant_id,
        component
    from {{ source('raw', 'probes') }}
    {%- if execute and is_incremental() %}
    where {{ "source_file in " ~ probe_sql_list(new_files) if new_files else "1 = 0" }}
    {%- endif %}

),

pairs as (

    select distinct
        source_file,
        file_sha256,
        tenant_id,
        component
    from landed

)

select * from pairs
