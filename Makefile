# The project's verbs. `make help` lists them; the README's quick start is `make dev` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(HOME)/.local/bin:$(PATH)

UV_RUN := uv run --no-sync
DEVSTACK := $(UV_RUN) devstack
CACHE ?= $(or $(DAPR_TODO_CACHE),$(HOME)/.cache/dapr-todo)
# The marker the bootstrap leaves once the runtime is built and the workspace synced.
BOOTSTRAPPED := .venv/.bootstrapped
# manifest.json holds the app list and the pinned versions; its reader needs only python3.
MANIFEST := python3 tools/devstack/src/devstack/manifest.py
TILT := $(CACHE)/tilt/$(shell $(MANIFEST) versions.tilt.version)/tilt
# `make up REPLICAS=N` (or `make dev`, or DEVSTACK_REPLICAS=N): N replicas of every app.
export DEVSTACK_REPLICAS := $(or $(REPLICAS),$(DEVSTACK_REPLICAS))

.PHONY: help
help: ## list every verb
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: bootstrap
bootstrap: ## build/fetch the real runtime into the cache (Dapr, Kafka, Redis, PostgreSQL, Python deps); idempotent
	@bash tools/bootstrap.sh
	@touch $(BOOTSTRAPPED)

$(BOOTSTRAPPED): manifest.json tools/bootstrap.sh tools/cluster/build.sh tools/build-k8s-tools.sh tools/build-tilt.sh tools/tilt-web/index.html tools/kafka/pom.xml uv.lock
	@bash tools/bootstrap.sh
	@touch $@

$(TILT):
	@bash tools/bootstrap.sh

.PHONY: dev
dev: $(BOOTSTRAPPED) $(TILT) ## bootstrap if needed, then `tilt up` (ARGS="--stream", "-- --k8s"); Ctrl-C stops it
	$(TILT) up $(ARGS)

.PHONY: tilt-web-ui
tilt-web-ui: ## optional: Tilt's own web UI (built from npm packages) instead of the status page
	@bash tools/build-tilt-web.sh

.PHONY: dev-plain
dev-plain: $(BOOTSTRAPPED) ## the same, without Tilt: the launcher in the foreground, reloading apps on change
	$(DEVSTACK) up --foreground --reload

.PHONY: up
up: $(BOOTSTRAPPED) ## start the stack detached (REPLICAS=N: N of each app); returns once all is healthy
	$(DEVSTACK) up

.PHONY: down
down: ## stop every process of the stack
	@$(DEVSTACK) down

.PHONY: status
status: ## each process of the stack and its health
	@$(DEVSTACK) status

.PHONY: logs
logs: ## tail the stack's logs (make logs ARGS="-f daprd-backend")
	@$(DEVSTACK) logs $(ARGS)

.PHONY: dead-letters
dead-letters: ## the local stack's pending dead letters (make dead-letters ARGS="--topic task.completed")
	@$(DEVSTACK) dead-letters $(ARGS)

.PHONY: test
test: $(BOOTSTRAPPED) ## bootstrap if needed, then run every test (unit, contracts, smoke on the real stack)
	$(UV_RUN) pytest $(PYTEST_ARGS)

.PHONY: lint
lint: $(BOOTSTRAPPED) ## ruff, mypy and the import contracts (services apart, layers held, an I/O-free domain)
	$(UV_RUN) ruff check .
	$(UV_RUN) ruff format --check .
	$(UV_RUN) mypy
	$(UV_RUN) lint-imports

.PHONY: fmt
fmt: ## format the code (ruff)
	$(UV_RUN) ruff format .
	$(UV_RUN) ruff check --fix .

.PHONY: generate
generate: ## write the Dapr Configurations (components/config/, k8s/base/dapr/) from components/access-matrix.yaml
	$(UV_RUN) python -m devstack.configurations

.PHONY: bench
bench: $(BOOTSTRAPPED) ## benchmarks on a stack of their own; results in bench/results/ and the library README
	$(UV_RUN) python bench/dapr_common_clients.py $(ARGS)
	$(UV_RUN) python bench/ai_ranking.py
	$(UV_RUN) python bench/system.py

.PHONY: k8s-validate
k8s-validate: $(BOOTSTRAPPED) ## render k8s/overlays (dev, local, prod) and check them, the Dockerfiles and docker-compose.yaml
	$(UV_RUN) deploycheck all

APP_IDS = $(shell $(MANIFEST) apps)
ROLLOUT_TIMEOUT ?= 180s

.PHONY: rollout
rollout: ## restart one app in the cluster and wait for it (make rollout SERVICE=backend)
	@if [ "$(words $(SERVICE))" != 1 ] || [ -z "$(filter $(SERVICE),$(APP_IDS))" ]; then \
	  echo "SERVICE must be one of: $(APP_IDS) (got '$(SERVICE)')" >&2; exit 2; fi
	kubectl -n todo-app rollout restart deployment/$(SERVICE)
	kubectl -n todo-app rollout status deployment/$(SERVICE) --timeout=$(ROLLOUT_TIMEOUT)

.PHONY: cluster-up
cluster-up: $(BOOTSTRAPPED) ## a single-node Kubernetes of the project's own (upstream, from Go modules; root), Dapr and the product on it
	$(UV_RUN) python -m devstack.cluster up

.PHONY: cluster-down
cluster-down: ## stop everything cluster-up started (processes, bridge)
	@$(UV_RUN) python -m devstack.cluster down

.PHONY: cluster-status
cluster-status: ## the dev cluster's processes, nodes and pods
	@$(UV_RUN) python -m devstack.cluster status
