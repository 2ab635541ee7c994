{#-
  The distinct texts of a group joined in their sorted order, so that equal groups give equal
  strings (the probe fingerprints). dbt.listagg cannot order on Spark; array_sort can.
-#}
{% macro sorted_listagg(measure, delimiter_text) -%}{{ return(adapter.dispatch("sorted_listagg")(measure, delimiter_text)) }}{%- endmacro %}

{% macro default__sorted_listagg(measure, delimiter_text) -%}
    {{ dbt.listagg(measure, delimiter_text, "order by " ~ measure) }}
{%- endmacro %}

{% macro spark__sorted_listagg(measure, delimiter_text) -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
{%- endmacro %}
