# educloud — the README's two commands are `make demo` and `make test`.
# Every target bootstraps what it needs (.venv, npm packages) and is idempotent.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/educloud/web/static/vendor
PG_URL ?= postgres://postgres@127.0.0.1:5432/educloud

.PHONY: demo test test-sqlite test-postgres lint bench venv vendor clean

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

vendor: $(VENDOR)/.installed
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/echarts/LICENSE $(VENDOR)/LICENSE.echarts
	cp node_modules/htmx.org/LICENSE $(VENDOR)/LICENSE.htmx
	touch $@

demo: venv vendor
	$(BIN)/educloud demo

# SQLite always; PostgreSQL too when it answers (in CI it must: CI=true makes its absence an error).
test: venv vendor
	$(BIN)/pytest -q
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL run =="; DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not browser"; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is not reachable at $(PG_URL) and CI=true"; exit 1; \
	else echo "== PostgreSQL not reachable at $(PG_URL): PostgreSQL run skipped =="; fi

lint: venv
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy src/educloud/algos src/educloud/lib
	$(BIN)/lint-imports

# Each prints our figure beside its peer's. Sizes are modest by default; the issue notes give the
# commands for the reported runs (e.g. bench/search.py --n 1000000, bench/lrs.py --n 10000000).
BENCHES := bench/kt.py bench/equity.py bench/search.py bench/lrs.py bench/load.py bench/irt.py bench/cat.py bench/recommend.py bench/recommend_serving.py bench/pairing.py bench/budgeting.py bench/industry.py
bench: venv
	@for script in $(BENCHES); do echo "== $$script =="; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
