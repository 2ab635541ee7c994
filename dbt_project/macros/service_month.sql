{#- The month being computed, as literals; the arithmetic on them stays in SQL. -#}
{% macro service_month() -%}'{{ var("month") }}'{%- endmacro %}

{% macro month_first_day() -%}
    {%- set y, m = var("month").split("-") | map("int") -%}
    '{{ "%04d-%02d-01" | format(y, m) }}'
{%- endmacro %}

{% macro next_month_first_day() -%}
    {%- set y, m = var("month").split("-") | map("int") -%}
    {%- if m == 12 %}{% set y = y + 1 %}{% set m = 1 %}{% else %}{% set m = m + 1 %}{% endif -%}
    '{{ "%04d-%02d-01" | format(y, m) }}'
{%- endmacro %}

{% macro previous_service_month() -%}
    {%- set y, m = var("month").split("-") | map("int") -%}
    {%- if m == 1 %}{% set y = y - 1 %}{% set m = 12 %}{% else %}{% set m = m - 1 %}{% endif -%}
    '{{ "%04d-%02d" | format(y, m) }}'
{%- endmacro %}

{#- The as-of instant in epoch microseconds: passed in by the run, never read from a clock here. -#}
{% macro as_of_us() -%}
    {%- if var("as_of") -%}{{ parse_timestamp_us("'" ~ var("as_of") ~ "'") }}
    {%- elif execute -%}{{ exceptions.raise_compiler_error("var as_of is required") }}
    {%- else -%}cast(null as bigint)
    {%- endif -%}
{%- endmacro %}
