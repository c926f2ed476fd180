# Draaiboek-assistent. The two commands for a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
# A dependency of Rasa (webexteamssdk) runs `git describe --dirty` at import; keep it out of this repo.
export GIT_CEILING_DIRECTORIES := $(CURDIR)

.DEFAULT_GOAL := help
.PHONY: help install prepare run test validate coverage check kb-build train test-stories quality crossval benchmark

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

install: ## Create the virtualenv with the pinned dependencies (skipped when current)
	@bash scripts/bootstrap.sh

prepare: install ## Build knowledge.db, generated data and the spaCy pipeline; train if stale
	@$(PY) -m bot prepare

run: prepare ## Set up everything and start the assistant on localhost (Ctrl-C stops it)
	@$(PY) -m bot serve

test: prepare ## Run the whole test suite (unit, actions, Rasa test stories, end-to-end)
	@$(PY) -m pytest

validate: install ## Validate the knowledge files
	@$(PY) -m bot kb validate

coverage: install ## Show which records cite each section (fails on a section with neither records nor a reason)
	@$(PY) -m bot kb coverage --strict

check: install ## Everything an editor checks before a change: knowledge, coverage, consistency, rasa data validate
	@$(PY) -m bot check

kb-build: install ## Build knowledge.db
	@$(PY) -m bot kb build

train: install ## Train the model if its inputs changed
	@$(PY) -m bot train

test-stories: prepare ## Only the Rasa test stories
	@$(PY) -m pytest tests/test_dialogue.py

quality: install ## Score the question set against a running assistant (make run in another shell)
	@$(PY) -m bot quality

crossval: prepare ## 5-fold cross-validated intent F1 (writes results/crossval/)
	@$(VENV)/bin/rasa test nlu --nlu data/nlu --cross-validation --folds 5 --out results/crossval --no-plot
	@$(PY) -m bot nlp report results/crossval/intent_report.json

benchmark: prepare ## Speed and memory next to a stock `rasa init` assistant (about 10 minutes; machine otherwise idle)
	@$(PY) -m bot benchmark --json results/benchmark.json
