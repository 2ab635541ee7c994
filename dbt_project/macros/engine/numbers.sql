{#- Exact number helpers: money never passes through floating point. -#}

{% macro try_decimal(text, precision=38, scale=10) -%}{{ return(adapter.dispatch("try_decimal")(text, precision, scale)) }}{%- endmacro %}
{% macro default__try_decimal(text, precision, scale) -%}
    try_cast(trim({{ text }}) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}
{% macro spark__try_decimal(text, precision, scale) -%}
    try_cast(trim({{ text }}) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro try_bigint(text) -%}{{ return(adapter.dispatch("try_bigint")(text)) }}{%- endmacro %}
{% macro default__try_bigint(text) -%}
    case when regexp_matches(trim({{ text }}), '^-?[0-9]+(\.0*)?$')
        then try_cast(try_cast(trim({{ text }}) as decimal(38, 6)) as bigint) end
{%- endmacro %}
{% macro spark__try_bigint(text) -%}
    case when trim({{ text }}) rlike '^-?[0-9]+(\\.0*)?$'
        then cast(cast(trim({{ text }}) as decimal(38, 6)) as bigint) end
{%- endmacro %}

{#- Floor division of non-negative integers. -#}
{% macro int_div(numerator, denominator) -%}{{ return(adapter.dispatch("int_div")(numerator, denominator)) }}{%- endmacro %}
{% macro default__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) // cast({{ denominator }} as bigint))
{%- endmacro %}
{% macro spark__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as bigint) div cast({{ denominator }} as bigint))
{%- endmacro %}
