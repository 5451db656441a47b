"""Shared fixtures and hooks; also keeps Jupyter, IPython and Matplotlib state out of the home
folder (isolated_state.py, first: before anything imports matplotlib or jupyter)."""

from __future__ import annotations

import isolated_state  # noqa: F401 (isort: skip; sets the environment before the imports below)
import numpy as np
import pytest

import nbval_runs


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


# --- Notebook tests (tests/notebook_course.py): one temp nbgrader course per assignment -------

@pytest.fixture(scope="session")
def course_run(tmp_path_factory):
    """Lazily generates, executes and autogrades each assignment once per session."""
    from notebook_course import CourseRun

    return CourseRun(tmp_path_factory)


def pytest_terminal_summary(terminalreporter):
    """Print how long notebooks took, so CI logs show any drift towards the 60 s budget."""
    from notebook_course import TIME_BUDGET_SECONDS, TIMINGS

    if not TIMINGS:
        return
    terminalreporter.section(f"notebook timings (budget {TIME_BUDGET_SECONDS:.0f} s per source "
                             "notebook on 2 cores; reported, not asserted)")
    width = max(len(what) for what, _, _ in TIMINGS)
    for what, seconds, note in TIMINGS:
        terminalreporter.write_line(f"{what:<{width}}  {seconds:7.1f} s  {note}".rstrip())


# --- nbval (tests/nbval_runs.py): it runs every notebook once, first; the tests read its outputs --

def pytest_collect_file(file_path, parent):
    """The Bengali source notebooks exist only as generated: nbval gets them with the tests that
    read their runs."""
    if file_path.name == "test_bengali_notebooks.py" and parent.config.getoption("nbval_lax", False):
        from notebook_course import ROOT

        return nbval_runs.bengali_sources(parent, file_path, ROOT)
    return None


def pytest_configure(config):
    # Its report hook sees every item, source/'s notebooks too (a conftest's hooks see only its folder's).
    config.pluginmanager.register(nbval_runs, "course-nbval-runs")


def pytest_collection_modifyitems(items):
    """nbval's cells first (in their order), so the tests that read a notebook's run find it."""
    items.sort(key=lambda item: not nbval_runs.is_nbval(item))
