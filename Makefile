# Community Voice — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi
EXTRAS ?= dev

.PHONY: run test lint format install translations extract update-catalogs init-db seed serve bench clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $(BIN)/activate

install: $(BIN)/activate

## translations: compile the gettext catalogs (.mo files are built, never committed)
translations: install
	$(BIN)/pybabel compile --statistics -d translations

## extract: collect interface strings into translations/messages.pot
extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output --omit-header -o translations/messages.pot .

## update-catalogs: merge new strings from messages.pot into every locale's catalog
update-catalogs: extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

init-db: install
	$(FLASK) init-db

seed: init-db
	$(FLASK) seed-demo

## run: venv, install, translations, SQLite under instance/, demo data, then serve
run: install translations seed
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - 'wsgi:app'

## test: the whole suite (browser tests skip when Chromium is absent, except under CI=true)
test: install translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy analysis forms survey

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: figures for speed, memory and analysis quality (printed, never asserted)
bench: install translations
	$(BIN)/python tests/bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
	find translations -name '*.mo' -delete
