{#-
  A quarantine model's rows: the landed rows that break the contract now (`current`, a CTE of
  source_file, source_line, the raw value columns, reason and ingested_at), then the rows it
  showed for file versions that were since replaced or removed (raw.replaced_quarantine, kept
  by the ingestion with the instant they were replaced). "Quarantine keeps every bad row it has
  seen": correcting a file must not erase the record of what was wrong with it. `replaced_at`
  is null for the current rows, which are the ones the run's reconciliation counts.
-#}
{% macro with_replaced_versions(current, source_name, value_columns) -%}
select
    {{ current }}.*,
    cast(null as {{ type_instant() }}) as replaced_at
from {{ current }}
union all
select
    replaced.source_file,
    replaced.source_line,
    {%- for column in value_columns %}
    {{ json_text('replaced.raw_values', column) }} as {{ column }},
    {%- endfor %}
    replaced.reason,
    replaced.ingested_at,
    replaced.replaced_at
from {{ source('raw', 'replaced_quarantine') }} as replaced
where replaced.source = '{{ source_name }}'
{%- endmacro %}
