{#- Reasons for quarantine: the first rule a row breaks, in a fixed, documented order. -#}
{% macro missing_key_checks(columns) -%}
    {%- for column in columns %}
        when nullif(trim({{ column }}), '') is null then 'missing key: {{ column }}'
    {%- endfor %}
{%- endmacro %}

{#- A timestamp is bad when it does not parse, or parses but carries no UTC offset. -#}
{% macro timestamp_checks(column, required=true) -%}
    {%- if required %}
        when {{ parse_timestamp_us(column) }} is null then 'unparseable timestamp: {{ column }}'
        when not {{ has_utc_offset(column) }} then 'timestamp without offset: {{ column }}'
    {%- else %}
        when nullif(trim({{ column }}), '') is not null and {{ parse_timestamp_us(column) }} is null
            then 'unparseable timestamp: {{ column }}'
        when nullif(trim({{ column }}), '') is not null and not {{ has_utc_offset(column) }}
            then 'timestamp without offset: {{ column }}'
    {%- endif %}
{%- endmacro %}

{% macro parse_boolean(text) -%}
    case lower(trim({{ text }}))
        when 'true' then true when '1' then true when 't' then true
        when 'false' then false when '0' then false when 'f' then false
    end
{%- endmacro %}
