#!/usr/bin/env bash
# The pytest part of `make test`: the bulk of the suite on $PYTEST_WORKERS processes, then the tests
# that start real servers (smoke, chaos) on their own, with one coverage report over both.
# Extra arguments (e.g. a path or -k EXPR) go to both runs; a run that selects no test is not a failure.
# When the first run fails, its failures are printed again at the very end, so that the tail of a
# long CI log says what broke.
set -u
PY=${PY:-.venv/bin/python}
mkdir -p var
log=var/pytest-main.log
"$PY" -m pytest -n "${PYTEST_WORKERS:-2}" -m "not chaos and not smoke" --tb=short -rfE --cov --cov-report= "$@" 2>&1 | tee "$log"
first=${PIPESTATUS[0]}
[ "$first" -eq 5 ] && first=0
"$PY" -m pytest -m "chaos or smoke" --tb=short -rfE --cov --cov-append --cov-report=term "$@"
second=$?
[ "$second" -eq 5 ] && second=0
if [ "$first" -ne 0 ]; then
  echo "==================== failures of the first run (again) ===================="
  sed -n '/^=* FAILURES =*$/,$p' "$log" | tail -n 200
  exit "$first"
fi
exit "$second"
