{#- Reasons for quarantine: the first rule a row breaks, in a fixed, documented order. -#}
{% macro missing_key_checks(columns) -%}
    {%- for column in columns %}
        when nullif(trim({{ column }}), '') is null then 'missing key: {{ column }}'
    {%- endfor %}
{%- endmacro %}

{#- A timestamp is bad when it does not parse, or parses but carries no valid UTC offset. -#}
{% macro timestamp_checks(column, required=true) -%}
    {%- set present = '' if required else "nullif(trim(" ~ column ~ "), '') is not null and " %}
        when {{ present }}{{ parse_timestamp_us(column) }} is null
            then 'unparseable timestamp: {{ column }}'
        when {{ present }}not {{ has_utc_offset(column) }} then
            case when {{ has_offset_shape(column) }} then 'unparseable timestamp: {{ column }}'
            else 'timestamp without offset: {{ column }}' end
{%- endmacro %}

{% macro parse_boolean(text) -%}
    case lower(trim({{ text }}))
        when 'true' then true when '1' then true when 't' then true
        when 'false' then false when '0' then false when 'f' then false
    end
{%- endmacro %}
