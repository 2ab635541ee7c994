{#-
  Where the landed raw tables come from. On DuckDB they are tables the ingestion wrote into the
  warehouse. On Spark, the same landed rows are handed over as one Parquet folder per table
  (SLA_SPARK_RAW_DIR) and registered here as external tables before any model runs.
-#}
{% macro register_raw_sources() -%}{{ return(adapter.dispatch("register_raw_sources")()) }}{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- set raw_dir = env_var("SLA_SPARK_RAW_DIR", "") -%}
        {%- if raw_dir == "" -%}
            {{ exceptions.raise_compiler_error("SLA_SPARK_RAW_DIR is not set: land the raw tables for Spark first (sla materialize does)") }}
        {%- endif -%}
        {%- do run_query("create database if not exists raw") -%}
        {%- for source in graph.sources.values() if source.source_name == "raw" -%}
            {%- set table = "raw.`" ~ source.identifier ~ "`" -%}
            {%- do run_query("drop table if exists " ~ table) -%}
            {%- do run_query("create table " ~ table ~ " using parquet location '" ~ raw_dir ~ "/" ~ source.identifier ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
