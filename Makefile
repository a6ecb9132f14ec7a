# The two front-door commands, `make demo` and `make test`, install what they need
# themselves: uv (from PyPI), the pinned Python packages (uv.lock), and the Kafka jars
# (Maven Central). Java 17+ and Maven must be on the machine.
#
# Two commands come with the setup: `ketenbus`, the product, and `ketenbus-dev`, the
# development kit (devkit/: the local Kafka, the stand-ins, the demo), which the dev
# dependency group installs and the built wheel does not contain.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := $(PYTHON) -m uv
VENV := .venv
KAFKA_LIBS := .cache/kafka/libs

.PHONY: setup demo test lint kafka-start kafka-stop clean

setup: $(VENV)/.synced $(KAFKA_LIBS)/.installed

$(VENV)/.synced: pyproject.toml devkit/pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(PYTHON)
	@touch $@

$(KAFKA_LIBS)/.installed: deploy/kafka/pom.xml $(VENV)/.synced
	$(VENV)/bin/ketenbus-dev kafka install
	@touch $@

demo: setup
	$(VENV)/bin/ketenbus-dev demo

test: setup
	$(VENV)/bin/pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy contracts kit connectors router ketenbus devkit

kafka-start: setup
	$(VENV)/bin/ketenbus-dev kafka start

kafka-stop: setup
	$(VENV)/bin/ketenbus-dev kafka stop

clean:
	-$(VENV)/bin/ketenbus-dev kafka wipe
	rm -rf $(VENV) .cache var

# Rebuild what is generated from the contract: contracts/schemas/, docs/asyncapi.yaml,
# docs/webhook-openapi.json and the catalogue in docs/contracts.md (refuses a change
# that would break a v1 consumer).
.PHONY: contracts
contracts: setup
	$(VENV)/bin/ketenbus contracts generate

# The performance benchmark (bench/, issue G): the full run writes docs/performance.md
# and its charts. It installs its own dependency group and kafka-tools (Maven), and
# uses the local Kafka without ever stopping it. BENCH_ARGS=--quick for a short run.
.PHONY: bench
bench: setup
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --group bench --python $(PYTHON)
	$(VENV)/bin/python -m bench $(BENCH_ARGS)
