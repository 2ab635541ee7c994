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

{#- Comma-joined text of `value` over a group in ascending order of `sort_keys` (a list of
    expressions; negate a number to sort it descending); null when every value is null. -#}
{% macro ordered_string_agg(value, sort_keys) -%}{{ return(adapter.dispatch("ordered_string_agg")(value, sort_keys)) }}{%- endmacro %}
{% macro default__ordered_string_agg(value, sort_keys) -%}
    string_agg({{ value }}, ',' order by {{ sort_keys | join(", ") }})
{%- endmacro %}
{% macro spark__ordered_string_agg(value, sort_keys) -%}
    nullif(array_join(transform(
        array_sort(collect_list(case when {{ value }} is not null then named_struct(
            {%- for key in sort_keys %}'k{{ loop.index }}', {{ key }}, {% endfor -%}
            'v', {{ value }}) end)),
        x -> x.v
    ), ','), '')
{%- endmacro %}

{#- 2^bit as a BIGINT, for bit masks (bit in 0..62). -#}
{% macro power_of_two(bit) -%}{{ return(adapter.dispatch("power_of_two")(bit)) }}{%- endmacro %}
{% macro default__power_of_two(bit) -%}
    (cast(1 as bigint) << cast({{ bit }} as integer))
{%- endmacro %}
{% macro spark__power_of_two(bit) -%}
    shiftleft(cast(1 as bigint), cast({{ bit }} as int))
{%- endmacro %}
