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
  ten-thousandths so that no engine turns the division into a float. With u = the amount in
  ten-thousandths, n ≤ d and k ten-thousandths to the minor unit, the result in minor units is
  round(u·n ÷ (d·k)) = q·n + round(r·n ÷ (d·k)) where u = q·d·k + r: no product reaches u·n,
  which overflowed 64 bits for a large prepaid term (10⁹ USD over six years).
-#}
{% macro prorate_money(amount, numerator, denominator, minor_unit) -%}
    {%- set units = "cast(cast(" ~ amount ~ " as decimal(38, 4)) * 10000 as bigint)" -%}
    {%- set per_minor = "(" ~ denominator ~ " * " ~ minor_divisor(minor_unit) ~ ")" -%}
    {%- set whole = int_div(units, per_minor) -%}
    cast(
        cast(
            {{ whole }} * {{ numerator }}
            + {{ int_div(
                "2 * (" ~ units ~ " - " ~ whole ~ " * " ~ per_minor ~ ") * " ~ numerator
                ~ " + " ~ per_minor,
                "2 * " ~ per_minor
            ) }} as decimal(38, 0)
        ) * {{ minor_step(minor_unit) }}
        as decimal(18, 4)
    )
{%- endmacro %}

{#- Ten-thousandths in one minor unit. -#}
{% macro minor_divisor(minor_unit) -%}
    (case {{ minor_unit }} when 0 then 10000 when 1 then 1000 when 3 then 10 when 4 then 1 else 100 end)
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
