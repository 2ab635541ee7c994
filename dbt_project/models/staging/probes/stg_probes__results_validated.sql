{#-
  Every landed probe row with the reason it is bad input (null when it is good): the row's own
  rules (stg_probes__results_screened), then whether another result contradicts it (macro
  judge_probe_conflicts).
-#}
with

screened as (

    select * from {{ ref('stg_probes__results_screened') }}

),

conflicts as (

    select * from {{ ref('stg_probes__conflicts') }}

),

judged as (

    {{ judge_probe_conflicts('screened', 'conflicts') }}

)

select * from judged
