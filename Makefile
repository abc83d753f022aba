# The front door. `make run` starts the whole system locally; `make test` runs the test suite.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS ?= never
VENV := .venv/bin
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: bootstrap run test fuzz chaos sam-image sam-test lint check-template sam-build bench openapi clean rds-ca-bundle \
	web web-deps web-client web-check e2e deploy-web

bootstrap: .venv/.ready
.venv/.ready: uv.lock pyproject.toml scripts/bootstrap.sh
	@scripts/bootstrap.sh
	@touch $@

run: bootstrap ## the whole system on http://localhost:3000
	$(VENV)/python -m tools.devstack $(ARGS)

test: bootstrap ## everything: pytest against a real PostgreSQL, then the dashboard's checks and e2e
	$(VENV)/pytest -n auto -p no:cacheprovider $(ARGS)
	@if [ -z "$(ARGS)" ]; then $(MAKE) --no-print-directory web-check e2e; fi

fuzz: bootstrap ## the property-based API run, longer (FUZZ_EXAMPLES per operation, default 500)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} $(VENV)/pytest -n auto -p no:cacheprovider tests/fuzz

lint: bootstrap ## ruff, mypy --strict and the import layers (docs/architecture.md)
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy
	$(VENV)/lint-imports

check-template: bootstrap ## cfn-lint, checkov, sam validate --lint, sam build (no Docker), build checks
	$(VENV)/cfn-lint template.yaml
	scripts/checkov.sh
	scripts/sam.sh validate --lint
	scripts/sam.sh build
	$(VENV)/python -m tools.check_build

# AWS's CA bundle for RDS and Aurora, shipped in the shared layer at /opt/certs (needs internet).
RDS_CA_URL := https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
rds-ca-bundle: ## fetch the RDS CA bundle for DatabaseCaBundle=rds-global (verify-full TLS)
	mkdir -p layers/certs
	curl -fsSL --retry 3 -o layers/certs/rds-global-bundle.pem.tmp $(RDS_CA_URL)
	grep -q "BEGIN CERTIFICATE" layers/certs/rds-global-bundle.pem.tmp
	mv layers/certs/rds-global-bundle.pem.tmp layers/certs/rds-global-bundle.pem

sam-build: bootstrap ## build the deployable artifacts into .aws-sam/
	scripts/sam.sh build

openapi: bootstrap
	$(VENV)/starter export-openapi --output docs/openapi.json

bench: bootstrap ## cold start, warm latency and throughput figures
	$(VENV)/python -m bench

sam-image: ## the local stand-in for the Lambda Python 3.13 image (root, Docker, debootstrap)
	bash scripts/sam-image.sh

sam-test: bootstrap sam-image ## every function in a Lambda container through sam local (Docker)
	$(VENV)/python -m tools.sam_test

chaos: bootstrap ## the task engine under faults: 10,000 tasks, a killed worker, PostgreSQL down 15 s
	$(VENV)/python -m bench.chaos $(ARGS)

# ---- the web dashboard (web/, Node 20+) ---------------------------------------------------
web-deps: web/node_modules/.package-lock.json
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	@touch $@

web: web-deps ## build the dashboard into web/dist and print the bundle sizes
	cd web && npm run build

web-client: bootstrap web-deps ## regenerate web/src/api/schema.d.ts from the API's OpenAPI document
	$(VENV)/starter export-openapi --output docs/openapi.json
	cd web && npm run client

web-check: bootstrap web-deps ## the client matches the API; ESLint, Prettier, tsc --strict, Vitest
	$(VENV)/starter export-openapi --output docs/openapi.json
	cd web && CLIENT_OUT=.client-check.d.ts npm run -s client >/dev/null
	@cmp -s web/.client-check.d.ts web/src/api/schema.d.ts || { diff -u web/src/api/schema.d.ts \
		web/.client-check.d.ts | head -40; echo "web/src/api/schema.d.ts is stale: run make web-client"; exit 1; }
	cd web && npm run lint && npm run typecheck && npm test

e2e: bootstrap web-deps ## Playwright in Debian's chromium against a real local stack (screenshots: web/test-results)
	$(VENV)/python -m tools.web_e2e $(ARGS)

deploy-web: bootstrap web ## upload web/dist to the stack's dashboard bucket and invalidate CloudFront
	$(VENV)/python -m tools.deploy_web $(ARGS)

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache web/dist web/test-results
