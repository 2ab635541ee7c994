{#-
  One row per tenant and backup_id: tenants' backup systems number their runs on their own, so
  the same id under two tenants is two backups. A backup exported again is its row in the file
  whose path sorts last (name exports by date or time, as `2026-10-05.csv`), and within a file
  its last line, so a run that later completed replaces its earlier state. The path, not the
  time a file landed, decides: a warehouse built again from the same files gives the same rows.
-#}
with

validated as (

    select * from {{ ref('stg_backups__runs_validated') }}
    where reason is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by tenant_key, backup_key order by source_file desc, source_line desc
        ) as version_rank
    from validated

),

renamed as (

    select
        backup_key as backup_id,
        tenant_key as tenant_id,
        store_key as store,
        started_at_us,
        completed_at_us,
        status_key as status,
        is_encrypted,
        -- only a completed, successful, encrypted run is a backup the SLA counts
        (
            status_key = 'succeeded' and is_encrypted and completed_at_us is not null
        ) as is_good,
        source_file,
        source_line
    from ranked
    where version_rank = 1

)

select * from renamed
