{#-
  One row per tenant and event_id (`*` is a tenant here). An event exported again is its row in
  the file whose path sorts last, and within a file its last line, so a disaster first reported
  as still down is replaced by the row that records its restore. The path, not the time a file
  landed, decides: a warehouse built again from the same files gives the same rows.
-#}
with

validated as (

    select * from {{ ref('stg_recovery_events__events_validated') }}
    where reason is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by tenant_key, event_key order by source_file desc, source_line desc
        ) as version_rank
    from validated

),

renamed as (

    select
        event_key as event_id,
        tenant_key as tenant_id,
        declared_at_us,
        restored_at_us,
        restore_point_at_us,
        kind_key as kind,
        source_file,
        source_line
    from ranked
    where version_rank = 1

)

select * from renamed
