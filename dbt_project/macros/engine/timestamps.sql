{#-
  Engine-specific time functions. Every instant inside the models is an epoch-microsecond
  BIGINT: exact, portable and cheap; TIMESTAMPTZ appears only at the published edge.
-#}

{#-
  An offset right after a time of day: "2026-10-13" is a date, not an instant at -13 hours, and
  a date alone names no instant (the contract: no offset, bad input). ISO 8601's offsets only:
  hours 00-23 and minutes 00-59, because the engines' casts read "+25:00" as 25 hours and
  "+02:75" as 3 h 15 min. Keep in step with _HAS_OFFSET in orchestration/lib/ingest.py.
-#}
{% macro has_utc_offset(text) -%}{{ return(adapter.dispatch("has_utc_offset")(text)) }}{%- endmacro %}
{% macro default__has_utc_offset(text) -%}
    regexp_matches(trim({{ text }}), '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?(Z|z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
{%- endmacro %}
{% macro spark__has_utc_offset(text) -%}
    (trim({{ text }}) rlike '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?(Z|z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$')
{%- endmacro %}

{#- Something in an offset's place after the time of day, valid or not: told apart from no offset
    at all only to name the reason ("+25:00" is an unparseable offset, not a missing one). -#}
{% macro has_offset_shape(text) -%}{{ return(adapter.dispatch("has_offset_shape")(text)) }}{%- endmacro %}
{% macro default__has_offset_shape(text) -%}
    regexp_matches(trim({{ text }}), '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?[+-][0-9]{2}(:?[0-9]{2})?$')
{%- endmacro %}
{% macro spark__has_offset_shape(text) -%}
    (trim({{ text }}) rlike '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?[+-][0-9]{2}(:?[0-9]{2})?$')
{%- endmacro %}

{#- Text with an explicit offset to epoch microseconds; null when it does not parse. A lowercase
    "z" (RFC 3339 allows it) is read as "Z", which is all the engines' casts accept. -#}
{% macro parse_timestamp_us(text) -%}{{ return(adapter.dispatch("parse_timestamp_us")(text)) }}{%- endmacro %}
{% macro default__parse_timestamp_us(text) -%}
    epoch_us(coalesce(
        try_cast(trim({{ text }}) as timestamptz),
        try_cast(regexp_replace(trim({{ text }}), 'z$', 'Z') as timestamptz)
    ))
{%- endmacro %}
{% macro spark__parse_timestamp_us(text) -%}
    unix_micros(cast(regexp_replace(trim({{ text }}), 'z$', 'Z') as timestamp))
{%- endmacro %}

{% macro us_to_timestamp(us) -%}{{ return(adapter.dispatch("us_to_timestamp")(us)) }}{%- endmacro %}
{% macro default__us_to_timestamp(us) -%}
    cast(make_timestamp(cast({{ us }} as bigint)) as timestamptz)
{%- endmacro %}
{% macro spark__us_to_timestamp(us) -%}
    timestamp_micros(cast({{ us }} as bigint))
{%- endmacro %}

{#-
  Between instants and local times. The zone rules are the pinned tzdata's, from the table
  stg_reference__zone_offsets (orchestration/lib/zones.py), not the engine's own: DuckDB's ICU
  and Spark's Java carry rules of their own release, which differ from tzdata and from each
  other for some zones. A wall time is microseconds since 1970-01-01T00:00 on the wall clock; it
  maps to the instant wall − offset of the one period whose wall range holds it. A time a DST
  change repeats is its first occurrence; a time it skips is the instant of the change, when
  the clock jumps over it (opening at 00:30 on a night the clock goes from 00:00 to 01:00 opens
  at the jump, when the clock shows 01:00: from then on it shows a time past the opening).
  The table's columns are prefixed `zone_` so that the correlated subquery cannot capture a
  column of the model (a model's own `timezone`, say). 'UTC' needs no lookup.
-#}
{% macro zone_offset_us_at(tz, at) -%}
    {%- if tz | trim in ("'UTC'", '"UTC"') -%}
        cast(0 as bigint)
    {%- else -%}
        (select max(zone_periods.zone_offset_us)
            from {{ ref('stg_reference__zone_offsets') }} as zone_periods
            where zone_periods.zone_name = {{ tz }}
                and zone_periods.zone_utc_from_us <= {{ at }}
                and zone_periods.zone_utc_until_us > {{ at }})
    {%- endif -%}
{%- endmacro %}

{#- The instant (epoch µs) at which the wall clock in `tz` shows `wall_us`. A time the clock
    skips is the instant it skips it: the period before the change reads its wall range to the
    end of the gap, and none of its instants is later than its end. (Two lookups, not one:
    Spark allows the outer query's columns only in a subquery's WHERE.) -#}
{% macro local_wall_us_to_us(wall_us, tz) -%}
    {%- if tz | trim in ("'UTC'", '"UTC"') -%}
        ({{ wall_us }})
    {%- else -%}
        least(
            {{ wall_us }} - {{ zone_period_of_wall(tz, wall_us, "zone_offset_us") }},
            {{ zone_period_of_wall(tz, wall_us, "zone_utc_until_us") }}
        )
    {%- endif -%}
{%- endmacro %}

{% macro zone_period_of_wall(tz, wall_us, column) -%}
    (select max(zone_periods.{{ column }})
        from {{ ref('stg_reference__zone_offsets') }} as zone_periods
        where zone_periods.zone_name = {{ tz }}
            and zone_periods.zone_wall_from_us <= {{ wall_us }}
            and zone_periods.zone_wall_until_us > {{ wall_us }})
{%- endmacro %}

{#- Wall-clock microseconds of a date's midnight, and the date of wall-clock microseconds. -#}
{% macro date_wall_us(date_expr) -%}{{ return(adapter.dispatch("date_wall_us")(date_expr)) }}{%- endmacro %}
{% macro default__date_wall_us(date_expr) -%}
    epoch_us(cast(cast({{ date_expr }} as date) as timestamp))
{%- endmacro %}
{% macro spark__date_wall_us(date_expr) -%}
    {#- the session's time zone is UTC (profiles.yml): a date's timestamp is its wall midnight -#}
    unix_micros(cast(cast({{ date_expr }} as date) as timestamp))
{%- endmacro %}

{% macro wall_us_date(wall_us) -%}{{ return(adapter.dispatch("wall_us_date")(wall_us)) }}{%- endmacro %}
{% macro default__wall_us_date(wall_us) -%}
    cast(make_timestamp(cast({{ wall_us }} as bigint)) as date)
{%- endmacro %}
{% macro spark__wall_us_date(wall_us) -%}
    to_date(timestamp_micros(cast({{ wall_us }} as bigint)))
{%- endmacro %}

{#- Local midnight of a date in an IANA zone, as epoch microseconds (DST-correct). -#}
{% macro local_midnight_us(date_expr, tz) -%}
    {{ local_wall_us_to_us(date_wall_us(date_expr), tz) }}
{%- endmacro %}

{#- The local calendar date of an instant (epoch microseconds) in an IANA zone. -#}
{% macro local_date_of_us(us, tz) -%}
    {{ wall_us_date("(" ~ us ~ ") + " ~ zone_offset_us_at(tz, us)) }}
{%- endmacro %}

{% macro parse_date(text) -%}{{ return(adapter.dispatch("parse_date")(text)) }}{%- endmacro %}
{% macro default__parse_date(text) -%}
    case when regexp_matches(trim({{ text }}), '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
        then try_cast(trim({{ text }}) as date) end
{%- endmacro %}
{% macro spark__parse_date(text) -%}
    case when trim({{ text }}) rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
        then to_date(trim({{ text }}), 'yyyy-MM-dd') end
{%- endmacro %}

{% macro is_service_month(text) -%}{{ return(adapter.dispatch("is_service_month")(text)) }}{%- endmacro %}
{% macro default__is_service_month(text) -%}
    regexp_matches(trim({{ text }}), '^[0-9]{4}-(0[1-9]|1[0-2])$')
{%- endmacro %}
{% macro spark__is_service_month(text) -%}
    (trim({{ text }}) rlike '^[0-9]{4}-(0[1-9]|1[0-2])$')
{%- endmacro %}

{% macro days_between(start_date, end_date) -%}{{ return(adapter.dispatch("days_between")(start_date, end_date)) }}{%- endmacro %}
{% macro default__days_between(start_date, end_date) -%}
    date_diff('day', cast({{ start_date }} as date), cast({{ end_date }} as date))
{%- endmacro %}
{% macro spark__days_between(start_date, end_date) -%}
    datediff(cast({{ end_date }} as date), cast({{ start_date }} as date))
{%- endmacro %}
{#- A date as its YYYY-MM service-month string. -#}
{% macro format_month(date_expr) -%}{{ return(adapter.dispatch("format_month")(date_expr)) }}{%- endmacro %}
{% macro default__format_month(date_expr) -%}
    strftime(cast({{ date_expr }} as date), '%Y-%m')
{%- endmacro %}
{% macro spark__format_month(date_expr) -%}
    date_format(cast({{ date_expr }} as date), 'yyyy-MM')
{%- endmacro %}


{#- An instant (epoch microseconds) as ISO 8601 text in UTC, e.g. 2026-10-01T00:00:00.000000Z. -#}
{% macro format_instant_utc(us) -%}{{ return(adapter.dispatch("format_instant_utc")(us)) }}{%- endmacro %}
{% macro default__format_instant_utc(us) -%}
    strftime(make_timestamp(cast({{ us }} as bigint)), '%Y-%m-%dT%H:%M:%S.%fZ')
{%- endmacro %}
{% macro spark__format_instant_utc(us) -%}
    concat(
        date_format(timestamp_micros(cast({{ us }} as bigint)), 'yyyy-MM-dd'), 'T',
        date_format(timestamp_micros(cast({{ us }} as bigint)), 'HH:mm:ss.SSSSSS'), 'Z'
    )
{%- endmacro %}

{#- The SQL type of an instant, as the published edge and the landed ingested_at hold it. -#}
{% macro type_instant() -%}{{ return(adapter.dispatch("type_instant")()) }}{%- endmacro %}
{% macro default__type_instant() -%}timestamptz{%- endmacro %}
{% macro spark__type_instant() -%}timestamp{%- endmacro %}
