# The two commands: `make console` (set up, index, open the console) and `make test` (set up, run the tests).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed
TEST_WORKERS ?= 2

.PHONY: setup console test test-fast fuzz lint install-check services bench train-reader decide-reader clean \
  clean-data

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11 / python3 not found)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

console: setup
	$(VENV)/bin/briefbot ingest
	$(VENV)/bin/briefbot console

# Redis for the shared-state tests (the tests start their own redis-server and `chroma run` on free ports), and
# Debian's chromium for the admin page's browser tests (Playwright drives it; no browser is downloaded).
services:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing redis-server (Debian package) for the shared-state tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq redis-server >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq >/dev/null && $$SUDO apt-get install -y -qq redis-server >/dev/null; }; }
	@command -v redis-server >/dev/null 2>&1 || { echo "redis-server is required for the tests"; exit 1; }
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (Debian package) for the admin page's browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq >/dev/null && $$SUDO apt-get install -y -qq chromium >/dev/null; }; }
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is required for the admin page's browser tests"; exit 1; }

# Static checks: ruff on everything, mypy on the files listed in pyproject.toml ([tool.mypy] files), and
# import-linter: imports run one way (briefbot → adapters → bot → knowledge; contracts in [tool.importlinter]).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The built wheel, installed without extras into a fresh venv, answers a question offline (~40 s, pip's cache).
install-check: setup
	bash .ci/plain-install

# The whole suite on two workers (pytest-xdist; the tests start their servers on free ports).
test: setup services lint install-check
	BRIEFBOT_REQUIRE_SERVICES=1 $(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

# The fast layer: pure functions and in-process fakes, no servers, processes or real knowledge base (seconds).
test-fast: setup
	$(VENV)/bin/python -m pytest -m "not slow" -q

# The fuzzing layer's deep search (Hypothesis, tests/fuzzing.py): the /slack/events endpoint over a real socket and
# the Slack and Discord formatters FUZZ_SECONDS each (3 × 210 s), `ask --json` and `ingest` FUZZ_CLI_SECONDS each;
# about 13 minutes. Failures are kept in .hypothesis/ and replayed first next time; the examples tried per target
# are printed at the end. `make test` runs the same tests with a small seeded budget.
FUZZ_SECONDS ?= 210
FUZZ_CLI_SECONDS ?= 60
FUZZ_REPORT ?= .data/fuzz-report.jsonl
fuzz: setup
	@mkdir -p $(dir $(FUZZ_REPORT)) && rm -f $(FUZZ_REPORT)
	HYPOTHESIS_PROFILE=fuzz BRIEFBOT_FUZZ_SECONDS=$(FUZZ_SECONDS) BRIEFBOT_FUZZ_CLI_SECONDS=$(FUZZ_CLI_SECONDS) \
	  BRIEFBOT_FUZZ_REPORT=$(abspath $(FUZZ_REPORT)) $(VENV)/bin/python -m pytest -m fuzz -p no:cacheprovider -q \
	  -o addopts="" --timeout 0 tests/test_fuzz_http.py tests/test_fuzz_format.py tests/test_fuzz_cli.py
	@cat $(FUZZ_REPORT)

bench: setup
	$(VENV)/bin/python bench/run_all.py

# Reproduces the shipped reader (docs/reader.md): fine-tunes e5's top layers on the shared SQuAD/XQuAD train splits
# in two stages (1.4 epochs at seed 13, then 0.6 more at half the learning rate with cloze questions added, seed 14:
# ~2.7 h on 2 cores), exports the int8 tensors to knowledge/reader/reader.npz, then chooses the passages read and
# fits the answer decision on the `calib` titles through the bot's retrieval (knowledge/reader/reader.json).
READER_RUN ?= training/out/reader
READER_SOURCES = v2,v1,xq-nl,xq-en,xq-nl-en,neg
train-reader: setup
	$(VENV)/bin/python -m pip install --quiet -e '.[train]'
	$(VENV)/bin/python -m training.train_reader --out $(READER_RUN)/stage1 --trainable 6 --epochs 1.4 \
	  --sources $(READER_SOURCES)
	$(VENV)/bin/python -m training.train_reader --out $(READER_RUN) --trainable 6 --epochs 0.6 --lr 5e-5 \
	  --head-lr 5e-4 --seed 14 --sources $(READER_SOURCES),cloze --init $(READER_RUN)/stage1/reader.npz
	$(VENV)/bin/python -m training.export_reader $(READER_RUN)/reader.npz
	$(MAKE) decide-reader

# The reader's decision, on the shared data's `calib` titles through the bot's own retrieval: the passages read and
# the bare threshold (training.calibrate_reader), then the gate (training.decision_data + training.fit_decision).
SQUAD ?= ../shared/eval/squad
READER_DATA ?= .data/reader-calib
decide-reader: setup
	BRIEFBOT_DATA_DIR=$(READER_DATA)/v2 BRIEFBOT_SAMPLE_ARTICLE=false $(VENV)/bin/briefbot ingest $(SQUAD)/v2/articles
	BRIEFBOT_DATA_DIR=$(READER_DATA)/xquad BRIEFBOT_SAMPLE_ARTICLE=false \
	  $(VENV)/bin/briefbot ingest $(SQUAD)/xquad-nl/articles
	$(VENV)/bin/python -m training.calibrate_reader --squad-dir $(READER_DATA)/v2 --xquad-dir $(READER_DATA)/xquad \
	  --write
	$(VENV)/bin/python -m training.decision_data $(SQUAD)/v2/questions.jsonl --split calib \
	  --data-dir $(READER_DATA)/v2 --out $(READER_RUN)/cal-v2.jsonl
	$(VENV)/bin/python -m training.decision_data $(SQUAD)/xquad-nl/questions.jsonl --split calib \
	  --data-dir $(READER_DATA)/xquad --out $(READER_RUN)/cal-xqnl.jsonl
	$(VENV)/bin/python -m training.decision_data $(SQUAD)/xquad-nl/questions-en.jsonl --split calib \
	  --data-dir $(READER_DATA)/xquad --out $(READER_RUN)/cal-xqen.jsonl
	$(VENV)/bin/python -m training.fit_decision --write \
	  --fit $(READER_RUN)/cal-v2.jsonl $(READER_RUN)/cal-xqnl.jsonl $(READER_RUN)/cal-xqen.jsonl

# The venv and caches only: .data (the index, conversation memory and recorded feedback) is kept.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache build dist

# Deletes .data: the knowledge index, conversation memory and every recorded 👍/👎 — only when you mean it.
clean-data:
	rm -rf .data
