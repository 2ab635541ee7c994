{#- Small generic tests, so the project needs no package download. -#}
{% test value_between(model, column_name, min_value=none, max_value=none) %}
select * from {{ model }}
where {{ column_name }} is not null and (
    false
    {% if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
)
{% endtest %}

{% test dbt_utils_free_unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Merged periods of one partition are apart: each starts after the one before it ends. A
    repeated or overlapping row fails, whatever order the engine gives rows alike in start. -#}
{% test intervals_apart(model, partition_by, started='started_at_us', ended='ended_at_us') %}
with ordered as (
    select
        {{ started }} as started,
        lag({{ ended }}) over (
            partition by {{ partition_by | join(', ') }} order by {{ started }}
        ) as previous_ended
    from {{ model }}
)
select * from ordered
where previous_ended >= started
{% endtest %}
