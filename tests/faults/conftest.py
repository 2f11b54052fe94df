"""Figures of the fault tests, printed in pytest's terminal summary (kept in `make test` output) as
well as to stdout (visible with -s)."""

import pytest

FIGURES = pytest.StashKey[list[str]]()


@pytest.fixture
def fault_figures(request):
    """Append lines here; they are printed at once and again in the terminal summary."""
    lines = request.config.stash.setdefault(FIGURES, [])

    class Figures:
        def add(self, line: str) -> None:
            lines.append(line)
            print(line, flush=True)

    return Figures()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.write_sep("=", "fault-test figures")
        for line in lines:
            terminalreporter.write_line(line)
