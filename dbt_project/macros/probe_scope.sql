{#-
  Tenant-incremental probe models (DuckDB). The models that read every probe row
  (stg_probes__failures, stg_probes__conflicts, int_probe_buckets_summarised,
  int_location_states_compressed) keep their rows between runs and recompute only the tenants
  whose inputs changed: a late probe file for one tenant re-reads that tenant's files, not the
  provider's month.

  A tenant's inputs are summed up in one fingerprint per level:
    staging       the landed files holding its rows (name and content hash), how the
                  contracts judge each of its (tenant_id, component) pairs, and the logic
                  (stg_probes__failures, stg_probes__conflicts,
                  stg_probes__results_quarantined);
    intermediate  the staging fingerprint plus the month's probe window, slot width and
                  stale_after of each of its components (so a new month changes them all).
  "The logic" is the text of the models and macros that compute these rows: editing them
  recomputes every tenant. The fingerprints a level was last built from are kept in a table
  built after that level's models (stg_probes__tenant_fingerprints,
  int_probe_inputs_fingerprinted); a run that fails before it leaves them as they were, and the
  next run recomputes the same tenants again. Tenants are keyed by the trimmed tenant_id, as
  the models group them ('' for rows without one, which only quarantine holds).
  `dbt build --full-refresh` recomputes everything; Spark builds these models as plain tables
  every run.
-#}

{#- The text of what computes a level's rows. -#}
{% macro probe_logic_fingerprint(level) -%}
    {%- if not execute -%}{{ return("") }}{%- endif -%}
    {%- set names = [
        "stg_probes__file_pairs", "stg_probes__keys", "stg_probes__failures",
        "stg_probes__conflicts", "stg_probes__results_quarantined"
    ] -%}
    {%- set parts = [
        valid_probe_rows("rows", "keys"), screen_probe_rows("rows", "keys"),
        judge_probe_conflicts("screened", "conflicts"), format_instant_utc("x")
    ] -%}
    {%- if level == "intermediate" -%}
        {%- set names = names + [
            "stg_probes__results", "int_probe_pairs_windowed", "int_probe_results_slotted",
            "int_probe_buckets_summarised", "int_location_states_compressed",
            "int_tenant_components_monthly"
        ] -%}
        {%- do parts.append(starts_run("a", "b", "c", "d", "e")) -%}
        {%- do parts.append(power_of_two("x")) -%}
        {%- do parts.append(int_div("x", "y")) -%}
    {%- endif -%}
    {%- for node in graph.nodes.values() | sort(attribute="name") if node.name in names -%}
        {%- do parts.append(node.name ~ ":" ~ node.checksum.checksum) -%}
    {%- endfor -%}
    {{- return(local_md5(parts | join("|"))) -}}
{%- endmacro %}

{#- One row per trimmed tenant_id: `tenant_key`, `fingerprint`, for the level. -#}
{% macro probe_tenant_fingerprints(level) -%}
with

files as (

    select
        tenant_key,
        {{ sorted_listagg("file_version", "'|'") }} as files
    from (
        select distinct
            coalesce(trim(tenant_id), '') as tenant_key,
            {{ dbt.concat(["source_file", "'@'", "file_sha256"]) }} as file_version
        from {{ ref('stg_probes__file_pairs') }}
    ) as file_versions
    group by tenant_key

),

pairs as (

    select
        tenant_key,
        {{ sorted_listagg("judged", "'|'") }} as pairs
    from (
        select distinct
            coalesce(tenant_key, '') as tenant_key,
            {{ dbt.concat([
                "coalesce(component, '<null>')",
                "case when is_known_tenant then ':tenant' else ':unknown' end",
                "case when is_known_component then ':component' else ':unknown' end",
                "case when is_valid_pair then ':valid' else ':invalid' end"
            ]) }} as judged
        from {{ ref('stg_probes__keys') }}
    ) as judged_pairs
    group by tenant_key

),

{%- if level == "intermediate" %}

components as (

    select
        tenant_id as tenant_key,
        {{ sorted_listagg("windowed", "'|'") }} as components
    from (
        select
            tenant_id,
            {{ dbt.concat([
                "component",
                "':'", "cast(stale_after_us as " ~ dbt.type_string() ~ ")",
                "':'", "cast(probes_from_us as " ~ dbt.type_string() ~ ")",
                "':'", "cast(probes_until_us as " ~ dbt.type_string() ~ ")",
                "':'", "cast(slot_us as " ~ dbt.type_string() ~ ")"
            ]) }} as windowed
        from {{ ref('int_tenant_components_monthly') }}
    ) as windowed_components
    group by tenant_id

),

{%- endif %}

tenants as (

    select tenant_key from files
    union
    select tenant_key from pairs
    {%- if level == "intermediate" %}
    union
    select tenant_key from components
    {%- endif %}

)

select
    tenants.tenant_key,
    {{ dbt.hash(dbt.concat([
        "'" ~ probe_logic_fingerprint(level) ~ "'",
        "'#'", "coalesce(files.files, '')",
        "'#'", "coalesce(pairs.pairs, '')",
        ("'#'" if level == "intermediate" else "''"),
        ("coalesce(components.components, '')" if level == "intermediate" else "''")
    ])) }} as fingerprint
from tenants
left join files on tenants.tenant_key = files.tenant_key
left join pairs on tenants.tenant_key = pairs.tenant_key
{%- if level == "intermediate" %}
left join components on tenants.tenant_key = components.tenant_key
{%- endif %}
{%- endmacro %}

{#-
  What this run of an incremental probe model must compute:
    mode "all"   every tenant (first build, --full-refresh, no record of a last build, every
                 tenant changed, or Spark);
    mode "some"  `tenants` (trimmed keys whose fingerprint changed, appeared or went) read
                 from `files` (the landed files holding their rows now);
    mode "none"  nothing changed.
-#}
{% macro probe_scope(level) -%}
    {%- set record = "stg_probes__tenant_fingerprints" if level == "staging" else "int_probe_inputs_fingerprinted" -%}
    {%- if not execute or this is none or not is_incremental() -%}
        {{- return({"mode": "all"}) -}}
    {%- endif -%}
    {%- set recorded = adapter.get_relation(
        database=this.database, schema=generate_schema_name(level, none), identifier=record
    ) -%}
    {%- if recorded is none -%}
        {{- return({"mode": "all"}) -}}
    {%- endif -%}
    {%- set changes -%}
        with

        current_fingerprints as (
            {{ probe_tenant_fingerprints(level) }}
        ),

        changed as (

            select coalesce(current_fingerprints.tenant_key, recorded.tenant_key) as tenant_key
            from current_fingerprints
            full outer join {{ recorded }} as recorded
                on current_fingerprints.tenant_key = recorded.tenant_key
            where
                current_fingerprints.fingerprint is null
                or recorded.fingerprint is null
                or current_fingerprints.fingerprint <> recorded.fingerprint

        )

        select 'tenant' as kind, tenant_key as name from changed
        union all
        select distinct 'file' as kind, source_file as name
        from {{ ref('stg_probes__file_pairs') }}
        where coalesce(trim(tenant_id), '') in (select tenant_key from changed)
        union all
        select 'unchanged' as kind, tenant_key as name
        from current_fingerprints
        where tenant_key not in (select tenant_key from changed)
    {%- endset -%}
    {%- set rows = run_query(changes).rows -%}
    {%- set tenants = [] -%}
    {%- set files = [] -%}
    {%- set unchanged = [] -%}
    {%- for row in rows -%}
        {%- if row[0] == "tenant" -%}{%- do tenants.append(row[1]) -%}
        {%- elif row[0] == "file" -%}{%- do files.append(row[1]) -%}
        {%- else -%}{%- do unchanged.append(row[1]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if tenants | length == 0 -%}
        {{- return({"mode": "none"}) -}}
    {%- elif unchanged | length == 0 -%}
        {{- return({"mode": "all"}) -}}
    {%- endif -%}
    {{- return({
        "mode": "some", "tenants": tenants | sort, "files": files | sort,
        "of": tenants | length + unchanged | length
    }) -}}
{%- endmacro %}

{% macro probe_sql_list(values) -%}
    ({%- for value in values -%}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}

{#- A predicate keeping the rows of the tenants and files this run computes. -#}
{% macro probe_scope_filter(scope, tenant_column=none, file_column=none) -%}
    {%- if scope.mode == "all" -%}
        1 = 1
    {%- elif scope.mode == "none" -%}
        1 = 0
    {%- else -%}
        {%- set tests = [] -%}
        {%- if tenant_column is not none -%}
            {%- do tests.append(tenant_column ~ " in " ~ probe_sql_list(scope.tenants)) -%}
        {%- endif -%}
        {%- if file_column is not none -%}
            {%- do tests.append(
                (file_column ~ " in " ~ probe_sql_list(scope.files)) if scope.files else "1 = 0"
            ) -%}
        {%- endif -%}
        {{- tests | join(" and ") or "1 = 1" -}}
    {%- endif -%}
{%- endmacro %}

{#- The landed probe rows of the files this run reads again, as a relation. -#}
{% macro scoped_landed_probes(scope) -%}
    (
        select * from {{ source('raw', 'probes') }}
        where {{ probe_scope_filter(scope, file_column='source_file') }}
    )
{%- endmacro %}

{#- pre_hook: the rows this run replaces go first, in the same transaction as the insert. -#}
{% macro probe_scope_delete(level, tenant_column="tenant_id") -%}
    {%- if execute and is_incremental() -%}
        {%- set scope = probe_scope(level) -%}
        {#- dbt's output (and so the Dagster run's log) says what a run read again -#}
        {%- if scope.mode == "some" -%}
            {%- do log(this.identifier ~ ": " ~ scope.tenants | length ~ " of " ~ scope.of
                ~ " tenant(s) changed, read again from " ~ scope.files | length
                ~ " landed file(s): " ~ scope.tenants[:5] | join(", ")
                ~ (" …" if scope.tenants | length > 5 else ""), info=true) -%}
        {%- elif scope.mode == "none" -%}
            {%- do log(this.identifier ~ ": no tenant's probe inputs changed", info=true) -%}
        {%- else -%}
            {%- do log(this.identifier ~ ": every tenant computed from every landed row", info=true) -%}
        {%- endif -%}
        {%- if scope.mode == "all" -%}
            delete from {{ this }}
        {%- elif scope.mode == "some" -%}
            delete from {{ this }} where {{ probe_scope_filter(scope, tenant_column) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of stg_probes__file_pairs: file versions no longer landed are forgotten. -#}
{% macro probe_file_pairs_forget_gone() -%}
    {%- if execute and is_incremental() -%}
        delete from {{ this }}
        where not exists (
            select 1
            from (select distinct source_file, file_sha256 from {{ source('raw', 'probes') }}) as landed
            where
                landed.source_file = {{ this }}.source_file
                and landed.file_sha256 = {{ this }}.file_sha256
        )
    {%- endif -%}
{%- endmacro %}
