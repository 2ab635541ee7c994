{#-
  The month being computed and the instant claims are judged at, as literals; the arithmetic
  on them stays in SQL. The orchestration hands them over as SLA_MONTH and SLA_AS_OF, read only
  when models execute: dbt keeps its parsed project between runs, while a different `--vars` on
  every run would make it parse the whole project again (about 10 s). Run by hand, dbt takes
  them as vars: `--vars '{"month": "2026-10", "as_of": "2026-11-15T00:00:00Z"}'`.
-#}
{% macro run_month() -%}
    {%- if execute -%}{{ return(env_var("SLA_MONTH", "") or var("month")) }}
    {%- else -%}{{ return(var("month")) }}{%- endif -%}
{%- endmacro %}

{% macro run_as_of() -%}
    {%- if execute -%}{{ return(env_var("SLA_AS_OF", "") or var("as_of")) }}
    {%- else -%}{{ return(var("as_of")) }}{%- endif -%}
{%- endmacro %}

{% macro service_month() -%}'{{ run_month() }}'{%- endmacro %}

{% macro month_first_day() -%}
    {%- set y, m = run_month().split("-") | map("int") -%}
    '{{ "%04d-%02d-01" | format(y, m) }}'
{%- endmacro %}

{% macro next_month_first_day() -%}
    {%- set y, m = run_month().split("-") | map("int") -%}
    {%- if m == 12 %}{% set y = y + 1 %}{% set m = 1 %}{% else %}{% set m = m + 1 %}{% endif -%}
    '{{ "%04d-%02d-01" | format(y, m) }}'
{%- endmacro %}

{#- A 'YYYY-MM' month as a count of months (year × 12 + month): consecutive months differ by 1. -#}
{% macro month_number(month) -%}
    (cast(substring({{ month }}, 1, 4) as integer) * 12 + cast(substring({{ month }}, 6, 2) as integer))
{%- endmacro %}

{#- The as-of instant in epoch microseconds: passed in by the run, never read from a clock here. -#}
{% macro as_of_us() -%}
    {%- set as_of = run_as_of() -%}
    {%- if as_of -%}{{ parse_timestamp_us("'" ~ as_of ~ "'") }}
    {%- elif execute -%}{{ exceptions.raise_compiler_error("as_of is required: set SLA_AS_OF or --vars as_of") }}
    {%- else -%}cast(null as bigint)
    {%- endif -%}
{%- endmacro %}

{#-
  A mart's rows of the run's month go before its new rows come in, also when the new result has
  none: delete+insert and Spark's partition overwrite replace only the months present in the
  new rows, so a month whose last ticket or episode went away (a contract's start moved, a
  ticket re-exported into another month) kept its old rows. A pre-hook of every mart.
-#}
{% macro clear_run_month() -%}{{ return(adapter.dispatch("clear_run_month")()) }}{%- endmacro %}
{% macro default__clear_run_month() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where service_month = {{ service_month() }}
    {%- endif -%}
{%- endmacro %}
{% macro spark__clear_run_month() -%}
    {%- if is_incremental() -%}
        alter table {{ this }} drop if exists partition (service_month = {{ service_month() }})
    {%- endif -%}
{%- endmacro %}
