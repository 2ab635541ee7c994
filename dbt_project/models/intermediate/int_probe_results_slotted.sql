{#- A view on every engine: it only names the month's results for the two models that read them. -#}
{{ config(materialized='view') }}
{#-
  The landed results that can matter to the month, spelled as their rows spell them (the
  location trimmed), each with its slot and bucket on one grid for the whole month: the
  narrowest slot of any pair (half of the smallest stale_after) over the span of every pair's
  window. No join of the rows: the two models that read them (int_probe_buckets_summarised,
  int_location_states_compressed) meet the pairs, their windows and the conflicts once per
  bucket, or only in the few buckets they read again, instead of once per row. A slot narrower
  than a pair's own can only leave more of its buckets unsteady (read again row by row), never
  make a wrong one steady. The grid is read when the view is built and written into it as
  constants: as a joined row it was a nested-loop join of every result (2 CPU-s at 10⁸ rows).
-#}
{%- set grid = {} -%}
{%- set windowed_pairs = ref('int_probe_pairs_windowed') -%}
{%- if execute and load_relation(windowed_pairs) is not none -%}
    {%- set row = run_query(
        "select min(probes_from_us), max(probes_until_us), min(slot_us) from "
        ~ windowed_pairs ~ " where is_valid_pair"
    ).rows[0] -%}
    {%- if row[2] is not none -%}
        {%- do grid.update({"from_us": row[0] | int, "until_us": row[1] | int, "slot_us": row[2] | int}) -%}
    {%- endif -%}
{%- endif %}
with

landed as (

    select * from {{ source('raw', 'probes') }}

),

slotted as (

    select
        landed.tenant_id,
        landed.component,
        trim(landed.location) as location,
        landed.checked_at_us,
        landed.is_ok,
        landed.source_file,
        {{ int_div('landed.checked_at_us', grid.get('slot_us', 1)) }} as slot
    from landed
    where
        {% if grid -%}
            landed.checked_at_us >= {{ grid.from_us }}
            and landed.checked_at_us < {{ grid.until_us }}
        {%- else -%}
            -- no valid pair this month: no result can matter
            1 = 0
        {%- endif %}
        and {{ probe_row_values_valid('landed') }}

)

select
    *,
    {{ int_div('slot', 32) }} as bucket
from slotted
