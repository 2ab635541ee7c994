{#-
  Probe rows with the reason each is bad input by the rules that need only the row itself and
  the contracts (null when it is good): `rows` is a relation or CTE of raw.probes' columns,
  `keys` one of stg_probes__keys. One definition for every row (stg_probes__results_screened)
  and for the few rows quarantine_probes has found can break a rule.
-#}
{% macro screen_probe_rows(rows, keys) -%}
select
    *,
    case
        when parse_error is not null then parse_error
        -- the keys arrive trimmed: what is empty after trimming is missing
        when nullif(tenant_key, '') is null then 'missing key: tenant_id'
        when nullif(component_key, '') is null then 'missing key: component'
        when nullif(location_key, '') is null then 'missing key: location'
        when checked_at_us is null and nullif(trim(checked_at), '') is null
            then 'missing key: checked_at'
        when is_ok is null and nullif(trim(ok), '') is null then 'missing key: ok'
        when checked_at_us is null and {{ parse_timestamp_us('checked_at') }} is null
            then 'unparseable timestamp: checked_at'
        when checked_at_us is null and {{ has_offset_shape('checked_at') }}
            then 'unparseable timestamp: checked_at'
        when checked_at_us is null then 'timestamp without offset: checked_at'
        when is_ok is null then 'unparseable value: ok'
        when nullif(trim(latency_ms), '') is not null and latency_ms_value is null
            then 'unparseable value: latency_ms'
        when not is_known_tenant then 'unknown tenant'
        when not is_known_component then 'unknown component for the tenant''s policy'
    end as reason
from (
    select
        landed.tenant_id,
        landed.component,
        landed.location,
        landed.checked_at,
        landed.ok,
        landed.latency_ms,
        landed.extra,
        landed.parse_error,
        landed.source_file,
        landed.source_line,
        landed.file_sha256,
        landed.ingested_at,
        pair.tenant_key,
        pair.component_key,
        trim(landed.location) as location_key,
        landed.checked_at_us,
        landed.is_ok,
        landed.latency_ms_value,
        coalesce(pair.is_known_tenant, false) as is_known_tenant,
        coalesce(pair.is_known_component, false) as is_known_component
    from {{ rows }} as landed
    left join {{ keys }} as pair
        on landed.tenant_id is not distinct from pair.tenant_id
        and landed.component is not distinct from pair.component
) as parsed
{%- endmacro %}

{#-
  Probe rows screened by screen_probe_rows, with `reason` also naming a result another result
  contradicts (stg_probes__conflicts: both are quarantined).
-#}
{% macro judge_probe_conflicts(screened, conflicts) -%}
select
    {{ screened }}.tenant_id,
    {{ screened }}.component,
    {{ screened }}.location,
    {{ screened }}.checked_at,
    {{ screened }}.ok,
    {{ screened }}.latency_ms,
    {{ screened }}.extra,
    {{ screened }}.parse_error,
    {{ screened }}.source_file,
    {{ screened }}.source_line,
    {{ screened }}.file_sha256,
    {{ screened }}.ingested_at,
    {{ screened }}.tenant_key,
    {{ screened }}.component_key,
    {{ screened }}.location_key,
    {{ screened }}.checked_at_us,
    {{ screened }}.is_ok,
    {{ screened }}.latency_ms_value,
    {{ screened }}.is_known_tenant,
    {{ screened }}.is_known_component,
    coalesce(
        {{ screened }}.reason,
        case when {{ conflicts }}.checked_at_us is not null then 'conflicting results' end
    ) as reason
from {{ screened }}
{{ probe_conflict_join(screened, conflicts) }}
{%- endmacro %}


{#-
  Each row of `rows` (with tenant_key, component_key, location_key, checked_at_us) meets the
  stg_probes__conflicts row at its instant, if any: the one definition of which results a
  conflict takes away (judge_probe_conflicts, stg_probes__results,
  int_location_states_compressed).
-#}
{% macro probe_conflict_join(rows, conflicts) -%}
left join {{ conflicts }}
    on {{ rows }}.tenant_key = {{ conflicts }}.tenant_id
    and {{ rows }}.component_key = {{ conflicts }}.component
    and {{ rows }}.location_key = {{ conflicts }}.location
    and {{ rows }}.checked_at_us = {{ conflicts }}.checked_at_us
{%- endmacro %}


{#-
  The rows of `rows` (raw.probes' columns) that screen_probe_rows gives no reason, found
  without judging each row: their pair is valid (stg_probes__keys.is_valid_pair) and the row's
  own values are all there and parsed. Nearly every probe row is valid, and a row's reason is a
  long CASE; this is a plain equality join to the valid pairs and four null tests, which DuckDB
  runs at scan speed. That both give the same rows is checked by every run: raw.probes =
  stg_probes__results (this) + quarantine.probes (screen_probe_rows on the rows that may break
  a rule). `pair_columns` are more columns of `keys` to carry to each row: a caller that
  needs the pair's window and slot (int_probe_results_slotted) joins them into `keys` once
  rather than joining every row a second time.
-#}
{% macro valid_probe_rows(rows, keys, pair_columns=[]) -%}
select
    landed.tenant_id,
    landed.component,
    landed.location,
    landed.checked_at_us,
    landed.is_ok,
    landed.latency_ms_value,
    landed.source_file,
    landed.source_line,
    pair.tenant_key,
    pair.component_key,
    {%- for column in pair_columns %}
    pair.{{ column }},
    {%- endfor %}
    trim(landed.location) as location_key
from {{ rows }} as landed
inner join (
    select
        tenant_id,
        component,
        tenant_key,
        {%- for column in pair_columns %}
        {{ column }},
        {%- endfor %}
        component_key
    from {{ keys }}
    where is_valid_pair
) as pair
    on landed.tenant_id = pair.tenant_id
    and landed.component = pair.component
where {{ probe_row_values_valid('landed') }}
{%- endmacro %}


{#-
  The row's own values are all there and parsed (the pair aside): see valid_probe_rows. A file
  whose every row has them (raw.probes.file_values_present, a constant per landed file) is not
  tested row by row: the engine folds the test away for the whole file.
-#}
{% macro probe_row_values_valid(landed) -%}
(
    {{ landed }}.file_values_present
    or (
        {{ landed }}.parse_error is null
        and trim({{ landed }}.location) <> ''
        and {{ landed }}.checked_at_us is not null
        and {{ landed }}.is_ok is not null
        and (
            {{ landed }}.latency_ms_value is not null
            or nullif(trim({{ landed }}.latency_ms), '') is null
        )
    )
)
{%- endmacro %}


{#-
  1 when the later of two consecutive results of one location starts a run of its own
  (Meaning 1), else 0: there is no earlier result (or no later one: the earlier then ends
  its run), the state changes, or the earlier result went stale before the later one came
  (a steady bucket's last result continues its first and never goes stale in between).
  Reads stale_after_us from the row.
-#}
{% macro starts_run(earlier_at, earlier_ok, later_at, later_ok, later_continues) -%}
case
    when {{ earlier_at }} is null or {{ later_at }} is null then 1
    when {{ earlier_ok }} <> {{ later_ok }} then 1
    when not {{ later_continues }} and {{ later_at }} > {{ earlier_at }} + stale_after_us then 1
    else 0
end
{%- endmacro %}
