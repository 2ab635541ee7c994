{#- Spark recomputes validation from raw on every run: its scale-out is the incremental path. -#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    incremental_strategy='delete+insert',
    unique_key='source_file',
    on_schema_change='sync_all_columns',
) }}
{#-
  Every landed probe row, parsed, with the reason it is bad (null when it is good).
  Probe files are appended and large, so only new file versions are validated on a run,
  plus older files holding a result that a new one contradicts (both become conflicting).
  A change to contracts or policies can change what is valid: then everything is redone.
-#}
with

reference_version as (

    select {{ ordered_fingerprint("source || ':' || sha256", "source, source_file") }} as version
    from {{ source('raw', 'ingested_files') }}
    where source in ('contracts', 'policies')

),

landed_files as (

    select
source_file,
sha256 as file_sha256
    from {{ source('raw', 'ingested_files') }}
    where source = 'probes'

),

{% if is_incremental() %}

processed_files as (

    select distinct source_file, file_sha256, reference_version from {{ this }}

),

new_files as (

    select landed_files.source_file
    from landed_files
    cross join reference_version
    left join processed_files
        on landed_files.source_file = processed_files.source_file
        and landed_files.file_sha256 = processed_files.file_sha256
        and processed_files.reference_version = reference_version.version
    where processed_files.source_file is null

),

new_results as (

    select
        trim(tenant_id) as tenant_key,
        trim(component) as component_key,
        trim(location) as location_key,
        {{ parse_timestamp_us('checked_at') }} as checked_at_us,
        {{ parse_boolean('ok') }} as is_ok
    from {{ source('raw', 'probes') }}
    where source_file in (select source_file from new_files)

),

contradicted_files as (

    select distinct old.source_file
    from {{ this }} as old
    inner join new_results
        on old.tenant_key = new_results.tenant_key
        and old.component_key = new_results.component_key
        and old.location_key = new_results.location_key
        and old.checked_at_us = new_results.checked_at_us
        and old.is_ok <> new_results.is_ok
    where old.reason is null

),

todo_files as (

    select source_file from new_files
    union
    select source_file from contradicted_files

),

{% else %}

todo_files as (

    select source_file from landed_files

),

{% endif %}

source as (

    select raw_probes.*
    from {{ source('raw', 'probes') }} as raw_probes
    where raw_probes.source_file in (select todo_files.source_file from todo_files)

),

tenant_components as (

    select * from {{ ref('stg_reference__tenant_components') }}

),

tenants as (

    select distinct tenant_id from tenant_components

),

parsed as (

    select
        source.*,
        trim(source.tenant_id) as tenant_key,
        trim(source.component) as component_key,
        trim(source.location) as location_key,
        {{ parse_timestamp_us('source.checked_at') }} as checked_at_us,
        {{ parse_boolean('source.ok') }} as is_ok,
        {{ try_decimal('source.latency_ms', 18, 3) }} as latency_ms_value,
        tenants.tenant_id is not null as is_known_tenant,
        tenant_components.component is not null as is_known_component
    from source
    left join tenants on trim(source.tenant_id) = tenants.tenant_id
    left join tenant_components
        on trim(source.tenant_id) = tenant_components.tenant_id
        and trim(source.component) = tenant_components.component

),

checked as (

    select
        *,
        case
            when parse_error is not null then parse_error
            {{ missing_key_checks(['tenant_id', 'component', 'location', 'checked_at', 'ok']) }}
            {{ timestamp_checks('checked_at') }}
            when is_ok is null then 'unparseable value: ok'
            when nullif(trim(latency_ms), '') is not null and latency_ms_value is null
                then 'unparseable value: latency_ms'
            when not is_known_tenant then 'unknown tenant'
            when not is_known_component then 'unknown component for the tenant''s policy'
        end as first_reason
    from parsed

),

-- valid results of the files being redone, and of untouched files at the same instants
comparable as (

    select
tenant_key,
component_key,
location_key,
checked_at_us,
is_ok
    from checked
    where first_reason is null

    {% if is_incremental() %}
        union all

        select old.tenant_key, old.component_key, old.location_key, old.checked_at_us, old.is_ok
        from {{ this }} as old
        inner join (select distinct tenant_key, component_key, location_key, checked_at_us
                    from checked where first_reason is null) as touched
            on old.tenant_key = touched.tenant_key
            and old.component_key = touched.component_key
            and old.location_key = touched.location_key
            and old.checked_at_us = touched.checked_at_us
        where
            old.reason is null
            and old.source_file not in (select source_file from todo_files)
    {% endif %}

),

-- two results for one location and instant that disagree: neither can be believed
conflicts as (

    select
        tenant_key,
        component_key,
        location_key,
        checked_at_us
    from comparable
    group by tenant_key, component_key, location_key, checked_at_us
    having count(distinct is_ok) > 1

)

select
    checked.*,
    coalesce(
        checked.first_reason,
        case when conflicts.checked_at_us is not null then 'conflicting results' end
    ) as reason,
    reference_version.version as reference_version
from checked
cross join reference_version
left join conflicts
    on checked.tenant_key = conflicts.tenant_key
    and checked.component_key = conflicts.component_key
    and checked.location_key = conflicts.location_key
    and checked.checked_at_us = conflicts.checked_at_us
