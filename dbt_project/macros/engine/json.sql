{#- One text member of a JSON object held as text; null when absent or JSON null. -#}
{% macro json_text(json, key) -%}{{ return(adapter.dispatch("json_text")(json, key)) }}{%- endmacro %}
{% macro default__json_text(json, key) -%}
    json_extract_string({{ json }}, '$.{{ key }}')
{%- endmacro %}
{% macro spark__json_text(json, key) -%}
    get_json_object({{ json }}, '$.{{ key }}')
{%- endmacro %}
