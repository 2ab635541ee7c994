{#-
  One row per tenant and incident_id. An incident exported again is its row in the file whose
  path sorts last, and within a file its last line, so an incident first exported unnotified is
  replaced by the row that records the notice. The path, not the time a file landed, decides:
  a warehouse built again from the same files gives the same rows.
-#}
with

validated as (

    select * from {{ ref('stg_security_incidents__incidents_validated') }}
    where reason is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by tenant_key, incident_key order by source_file desc, source_line desc
        ) as version_rank
    from validated

),

renamed as (

    select
        incident_key as incident_id,
        tenant_key as tenant_id,
        became_aware_at_us,
        notified_at_us,
        is_personal_data,
        summary,
        source_file,
        source_line
    from ranked
    where version_rank = 1

)

select * from renamed
