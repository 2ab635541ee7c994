{#-
  One row per event_id. An event exported again is its latest landed row, so a disaster first
  reported as still down is replaced by the row that records its restore.
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
            partition by event_key order by source_file desc, source_line desc
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
