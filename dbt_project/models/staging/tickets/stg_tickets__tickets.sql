{#-
  One row per ticket: its latest export wins whole (severity, times, channel), and the
  latest severity applies from created_at. Rows of one export agree (conflicts were
  quarantined), so an exact repeat counts once whichever copy is kept.
-#}
with

validated as (

    select * from {{ ref('stg_tickets__exports_validated') }}
    where reason is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by ticket_key
            order by exported_at_us desc, source_file desc, source_line desc
        ) as export_rank,
        count(*) over (partition by ticket_key) as export_rows
    from validated

),

renamed as (

    select
        ticket_key as ticket_id,
        tenant_key as tenant_id,
        severity_key as severity,
        created_at_us,
        first_response_at_us,
        exported_at_us,
        channel_value as channel,
        subject_value as subject,
        export_rows,
        source_file,
        source_line
    from ranked
    where export_rank = 1

)

select * from renamed
