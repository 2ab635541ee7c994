{#-
  A credit is credit % (at most 100) of the Monthly Fee, rounded half-up to the currency's minor
  unit (Meaning 7), so it never exceeds the fee rounded the same way: by less than half a minor
  unit when finance wrote the fee finer than the currency (100 % of 100.5 JPY is 101 JPY), and
  so by at most 0.5 whatever the currency. A plain credit ≤ fee check would withhold every
  tenant's month for a credit the contract computes. Only service_credits is read, so that a
  partial build (dbt's eager test selection) never runs this without the mart.
-#}
select
    tenant_id,
    service_month,
    monthly_fee,
    credit_amount
from {{ ref('service_credits') }}
where credit_amount > monthly_fee + 0.5
