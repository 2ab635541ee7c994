{#-
  Engine-specific calendar functions for business hours. Opening times are wall-clock times
  in the calendar's IANA zone, so each one is turned into an instant on its own date: a day
  after a DST change opens at a different UTC time than the day before.
-#}

{#- The instant (epoch µs) at which the wall clock in `tz` shows `date_expr` + `minutes_expr`
    minutes after midnight (1440 = the next midnight). A wall time a DST change skips is the
    instant the clock jumps over it; a repeated one is its first occurrence (macros/engine/
    timestamps.sql). -#}
{% macro local_wall_clock_us(date_expr, minutes_expr, tz) -%}
    {{ local_wall_us_to_us(
        "(" ~ date_wall_us(date_expr) ~ " + cast(" ~ minutes_expr ~ " as bigint) * 60000000)", tz
    ) }}
{%- endmacro %}

{#- The English three-letter day name of a date (Sun, Mon, ...), as policies.yaml writes them. -#}
{% macro weekday_abbrev(date_expr) -%}{{ return(adapter.dispatch("weekday_abbrev")(date_expr)) }}{%- endmacro %}
{% macro default__weekday_abbrev(date_expr) -%}
    strftime(cast({{ date_expr }} as date), '%a')
{%- endmacro %}
{% macro spark__weekday_abbrev(date_expr) -%}
    date_format(cast({{ date_expr }} as date), 'EEE')
{%- endmacro %}

{#- Minutes after midnight of an "HH:MM" text ("24:00" = 1440); null when it does not parse. -#}
{% macro hhmm_to_minutes(text) -%}{{ return(adapter.dispatch("hhmm_to_minutes")(text)) }}{%- endmacro %}
{% macro default__hhmm_to_minutes(text) -%}
    case when regexp_matches(trim({{ text }}), '^[0-9]{1,2}:[0-5][0-9]$')
        then cast(split_part(trim({{ text }}), ':', 1) as integer) * 60
            + cast(split_part(trim({{ text }}), ':', 2) as integer) end
{%- endmacro %}
{% macro spark__hhmm_to_minutes(text) -%}
    case when trim({{ text }}) rlike '^[0-9]{1,2}:[0-5][0-9]$'
        then cast(split_part(trim({{ text }}), ':', 1) as int) * 60
            + cast(split_part(trim({{ text }}), ':', 2) as int) end
{%- endmacro %}
