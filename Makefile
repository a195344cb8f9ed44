# Two commands for a newcomer:  make run  (start the service)  ·  make test  (run every test)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-postgres lint sample bench setup chromium
# The store tests that run on PostgreSQL too (a throwaway cluster of Debian's postgresql).
PG_TESTS := tests/test_store.py tests/test_access.py tests/test_admin.py tests/test_grid.py \
            tests/test_auth.py tests/test_security.py tests/test_production_server.py \
            tests/test_pin_limits.py tests/test_public_post_limits.py \
            tests/test_loans.py tests/test_roster_visits.py tests/test_volunteering_ledger.py \
            tests/test_volunteering_web.py tests/test_governance_lifecycle.py \
            tests/test_governance_api.py tests/test_import_roster.py tests/test_layer_editor.py \
            tests/test_submissions.py tests/test_nul_text.py tests/test_utc_time.py \
            tests/test_qa_deploy_store.py tests/test_qa_deploy_server.py \
            tests/test_layer_editor_delete.py tests/test_volunteer_registrar.py \
            tests/test_qa_staff2_counter.py tests/test_care_followups.py \
            tests/test_qa_grid3_paging.py tests/test_station_deletion_race.py \
            tests/test_admin_last_admin.py tests/test_layer_editor_building_conflict.py \
            tests/test_import_roster_merged.py tests/test_sample_follow_ups.py \
            tests/test_gov2_audit.py tests/test_gov2_overdue_order.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; }

# The production server (deploy/gunicorn.conf.py) on http://127.0.0.1:5000.
run: $(STAMP)
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py

test: $(STAMP) chromium
	$(BIN)/pytest -q
	$(MAKE) test-postgres

# The same store, access, admin and grid tests on PostgreSQL (installed with apt-get if missing).
test-postgres: $(STAMP)
	@dir=$$(mktemp -d); \
	url=$$(.ci/postgres start $$dir) || exit 1; \
	GEO_APP_TEST_DATABASE_URL=$$url $(BIN)/pytest -q $(PG_TESTS); status=$$?; \
	.ci/postgres stop $$dir; rm -rf $$dir; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check geo_app layers tests benchmarks

sample: $(STAMP)
	$(BIN)/python -m layers.sample data/geojson

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_walk.py
