# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OMP_WAIT_POLICY := PASSIVE
export TOKENIZERS_PARALLELISM := false

.PHONY: install test demo lint format clean m0 experiment experiment-ablations chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[serving,dev,ray]'
	touch $(STAMP)

install: $(STAMP)

# The report's browser tests need headless Chromium (Debian's `chromium`): installed here when
# missing and we are root, else a clear stop naming the command (set OURO_CHROMIUM to use another).
chromium:
	@if [ -n "$$OURO_CHROMIUM" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing headless Chromium for the report's browser tests (apt-get install chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "make test: headless Chromium not found; the report's browser tests need it." >&2; \
		echo "  install it with: sudo apt-get update && sudo apt-get install -y chromium" >&2; \
		echo "  (or set OURO_CHROMIUM=/path/to/chromium)" >&2; exit 1; \
	fi

test: $(STAMP) chromium
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/python -m pytest -q

demo: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m ouro_toolkit.demo

# M0 from scratch on CPU (resumes from runs/m0/checkpoint.pt), shipped into the package.
m0: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m ouro_toolkit.experiment.base_model runs/m0 --ship ouro_toolkit/assets/m0

# M0 vs M1 (k=5, 3 seeds) on held-out scenes; resumable; table + plot into docs/.
experiment: $(STAMP)
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/ouro experiment --out runs/experiment

experiment-ablations: $(STAMP)
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/ouro experiment --out runs/experiment --setting ablations

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) demo_out .pytest_cache
