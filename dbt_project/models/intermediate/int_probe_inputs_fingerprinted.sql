{#-
  The intermediate fingerprint of each tenant's probe inputs that int_probe_buckets_summarised
  and int_location_states_compressed were last built from (macros/probe_scope.sql). Built
  after both, so a run that fails first leaves the previous record, and the next run
  recomputes those tenants again.
-#}
-- depends_on: {{ ref('int_probe_buckets_summarised') }}
-- depends_on: {{ ref('int_location_states_compressed') }}
{{ probe_tenant_fingerprints('intermediate') }}
