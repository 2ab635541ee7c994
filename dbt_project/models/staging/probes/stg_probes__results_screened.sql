{#- A view on Spark too: only stg_probes__results_validated reads it, once. -#}
{{ config(materialized="view") }}
{#-
  Every landed probe row with the reason it is bad input (null when it is good), by the rules
  that need only the row itself and the contracts (macro screen_probe_rows). Ingestion has
  already parsed the instant, state and latency into typed columns and kept the text only
  where they did not parse, so a good row is never parsed here. Results contradicting each
  other at one instant are found from the survivors (stg_probes__conflicts) and judged in
  stg_probes__results_validated.
-#}
with

source as (

    select * from {{ source('raw', 'probes') }}

),

keys as (

    select * from {{ ref('stg_probes__keys') }}

),

checked as (

    {{ screen_probe_rows('source', 'keys') }}

)

select * from checked
