#!/usr/bin/env bash
# The pytest part of `make test`: the bulk of the suite on $PYTEST_WORKERS processes, then the tests
# that start real servers (smoke, chaos) on their own, with one coverage report over both.
# Extra arguments (e.g. a path or -k EXPR) go to both runs; a run that selects no test is not a failure.
set -u
PY=${PY:-.venv/bin/python}
"$PY" -m pytest -n "${PYTEST_WORKERS:-2}" -m "not chaos and not smoke" --cov --cov-report= "$@"
first=$?
[ "$first" -eq 5 ] && first=0
"$PY" -m pytest -m "chaos or smoke" --cov --cov-append --cov-report=term "$@"
second=$?
[ "$second" -eq 5 ] && second=0
[ "$first" -ne 0 ] && exit "$first"
exit "$second"
