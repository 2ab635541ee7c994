# SLA Ledger: `make demo` and `make test` are all a newcomer needs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DBT_VERSION_CHECK := False
export DO_NOT_TRACK := 1
DEMO_FROM ?= 2026-08
DEMO_TO ?= 2026-10

.PHONY: demo test lint format ui install install-spark clean bench bench-spark browser

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# pyspark and dbt-spark for SLA_ENGINE=spark and the parity test (about 2 minutes, once).
$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

install: $(STAMP)

install-spark: $(SPARK_STAMP)

# Sample data (if absent), then the sample quarter in one run, then finance's view of its last month.
demo: $(STAMP)
	$(BIN)/sla generate-sample
	$(BIN)/sla materialize --from $(DEMO_FROM) --to $(DEMO_TO) --summary

# Four workers on two cores: with two, the machine averaged 1.3 busy cores (runs wait on
# process starts and on each other's warehouse locks) and the suite took 9:55; with three, 8:29
# (session 15) and 9:42 (session 18, a slower machine); with four, 9:23 on that machine.
test: $(SPARK_STAMP) browser
	$(BIN)/pytest -q -n 4 --dist loadfile --no-loadscope-reorder --durations=40

# Headless Chromium prints tenant statements to PDF and lets the tests look at a statement as a
# person sees it. Installed (Debian/Ubuntu, as root) only when missing; never fails the build:
# without it statements are HTML only and the rendering tests skip, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ [ "$$(id -u 2>/dev/null)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	      chromium fonts-dejavu-core >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install \
	      -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1; }; }; } || \
	echo "browser: Chromium is not installed and could not be; statement PDFs and rendering tests are skipped"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SLA_DUCKDB_PATH=$(CURDIR)/dbt_project/target/lint.duckdb $(BIN)/sqlfluff lint dbt_project/models

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The Dagster UI on http://127.0.0.1:3000 with runs kept in .dagster_home/.
ui: $(STAMP)
	mkdir -p .dagster_home
	cp -n orchestration/dagster.yaml .dagster_home/dagster.yaml || true
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -m orchestration.definitions

# Issue 6 benchmark: floor vs platform vs naive pandas peer, results under bench/out/
# (see docs/BENCHMARKS.md). Heavy runs one after another: the machine may be shared.
BENCH_REPEAT ?= 3
bench: $(STAMP)
	$(BIN)/python -m bench.run --tenants 100 --format parquet --repeat $(BENCH_REPEAT)
	$(BIN)/python -m bench.run --tenants 300 --format parquet --repeat $(BENCH_REPEAT) --peer-subset 100
	$(BIN)/python -m bench.run --tenants 100 --format csv --repeat $(BENCH_REPEAT) --no-restate
	$(BIN)/python -m bench.run --tenants 1000 --format parquet --repeat 1 --peer-subset 100

# The same months on the Spark engine (local session; needs the spark extra: make install-spark).
bench-spark: $(SPARK_STAMP)
	$(BIN)/python -m bench.run --tenants 100 --engine spark --no-peer --no-restate
	$(BIN)/python -m bench.run --tenants 300 --engine spark --no-peer --no-restate

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs .pytest_cache
