# make install · make run · make test   (see README.md)
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
# The first Python >= 3.12 on the machine (override: make PYTHON=/path/to/python3.13 install)
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)

.PHONY: install run test lint check-migrations check-deploy coverage messages clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required (set PYTHON=…)"; exit 2; }
	@# A pyenv shim answers `command -v uv` even where no uv runs: ask uv itself.
	@if uv --version >/dev/null 2>&1; then \
		uv venv -q --allow-existing --python "$(PYTHON)" $(VENV) && uv pip sync -q --python $(PY) requirements.lock; \
	else \
		"$(PYTHON)" -m venv $(VENV) && $(PY) -m pip install -q --upgrade pip && \
		$(PY) -m pip install -q --require-hashes --no-deps -r requirements.lock; \
	fi
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) scripts/run.py

lint: install
	$(VENV)/bin/ruff check .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

# The deployment check with production settings (dummy secrets, never used to serve).
check-deploy: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=check-deploy-$$RANDOM-not-a-real-key-0123456789abcdefghijklmnopqrstuvwxyz \
	DJANGO_ALLOWED_HOSTS=workbench.example.com EMAIL_URL=smtp+tls://workbench:secret@mail.example.com:587 \
	$(PY) manage.py check --deploy --fail-level WARNING

# SQLite + an embedded Redis unless DATABASE_URL / REDIS_URL are set. The bulk of the suite runs on
# two processes; the tests that start real servers (smoke, chaos) run afterwards on their own.
PYTEST_WORKERS ?= 2
test: install lint check-migrations check-deploy
	PY=$(PY) PYTEST_WORKERS=$(PYTEST_WORKERS) $(PY) scripts/embedded_redis.py -- scripts/run_tests.sh $(PYTEST_ARGS)

messages: install
	cd $(CURDIR) && $(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=static && $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/*.sqlite3* var/staticfiles .pytest_cache .coverage
