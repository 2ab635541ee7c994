{#-
  Money rounding, half-up to the currency's ISO 4217 minor unit (amounts here are never
  negative, so half-up and half-away-from-zero agree on every engine).
-#}
{% macro round_money(amount, minor_unit) -%}
    {#- Each branch is cast on its own: a CASE over round(x, 0) and round(x, 3) of a
        DECIMAL(38, s) unifies to DECIMAL(38, 0) on DuckDB, which silently dropped the fils
        of a KWD credit (found by the Spark parity test). -#}
    case {{ minor_unit }}
        when 0 then cast(round({{ amount }}, 0) as decimal(18, 4))
        when 1 then cast(round({{ amount }}, 1) as decimal(18, 4))
        when 3 then cast(round({{ amount }}, 3) as decimal(18, 4))
        when 4 then cast(round({{ amount }}, 4) as decimal(18, 4))
        else cast(round({{ amount }}, 2) as decimal(18, 4))
    end
{%- endmacro %}

{#-
  amount × numerator ÷ denominator, rounded half-up to the minor unit, exactly: done on integer
  ten-thousandths so that no engine turns the division into a float.
-#}
{% macro prorate_money(amount, numerator, denominator, minor_unit) -%}
    cast(
        cast(
            {{ int_div(
                "2 * cast(" ~ amount ~ " * 10000 as bigint) * " ~ numerator ~ " * " ~ minor_scale(minor_unit)
                ~ " + 10000 * " ~ denominator,
                "2 * 10000 * " ~ denominator
            ) }} as decimal(38, 0)
        ) * {{ minor_step(minor_unit) }}
        as decimal(18, 4)
    )
{%- endmacro %}

{% macro minor_scale(minor_unit) -%}
    (case {{ minor_unit }} when 0 then 1 when 1 then 10 when 3 then 1000 when 4 then 10000 else 100 end)
{%- endmacro %}

{% macro minor_step(minor_unit) -%}
    (case {{ minor_unit }}
        when 0 then cast(1 as decimal(5, 4))
        when 1 then cast(0.1 as decimal(5, 4))
        when 3 then cast(0.001 as decimal(5, 4))
        when 4 then cast(0.0001 as decimal(5, 4))
        else cast(0.01 as decimal(5, 4))
    end)
{%- endmacro %}
