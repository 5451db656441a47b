"""Shared fixtures and hooks; also keeps Jupyter, IPython and Matplotlib state out of the home
folder (isolated_state.py, first: before anything imports matplotlib or jupyter)."""

from __future__ import annotations

import isolated_state  # noqa: F401 (isort: skip; sets the environment before the imports below)
import nbval_runs
import numpy as np
import pytest


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


# --- Markers (pyproject.toml): what a test needs, so that `pytest -m "not slow"` is a fast lane ---

#: By the fixture a test uses.
NEEDS_BY_FIXTURE = {
    "course_run": "kernel",  # nbgrader courses: generate, execute, autograde
    "klass": "sandbox", "lms_class": "sandbox", "graded": "sandbox", "batch": "sandbox",
    "runs": "dask", "refused": "sandbox", "executed": "kernel",
    "cheat_probes": "kernel", "student": "browser", "browser": "browser",
    "released": "slow", "resolutions": "slow", "trained_net": "slow",
}
#: By test, where one test of a module takes seconds.
NEEDS_BY_TEST = {
    "test_check_reports_the_tests_that_do_not_discriminate": "sandbox",  # instructor check grades
    "test_benchmark_runs_and_prints_its_table": "slow",  # trains networks
    "test_the_committed_edition_equals_a_fresh_build": "slow",  # nbgrader generates bn/
    "test_demos_draw_and_print_in_the_notebooks_language": "slow",  # runs every demo
    "test_set_up_makes_the_environment_once_and_installs_only_what_changed": "slow",  # venvs, pip
    "test_an_exact_pin_that_exists_for_some_pythons_only_is_caught": "slow",  # pip resolves
}
#: By module, where every test needs it.
NEEDS_BY_MODULE = {
    "test_sandbox": "sandbox", "test_sandbox_confinement": "sandbox", "test_judge_boundary": "sandbox",
    "test_judge_confinement": "sandbox", "test_grading_attacks": "sandbox",
    "test_parallel_grading": "sandbox", "test_instructor_workflow": "sandbox",
    "test_nbgrader_per_lesson": "kernel", "test_stuck_student": "kernel", "test_demos": "kernel",
}
SLOW_BECAUSE = {"kernel", "sandbox", "dask", "browser"}


def _needs(item) -> set[str]:
    if nbval_runs.is_nbval(item):
        return {"kernel"}
    module = getattr(getattr(item, "module", None), "__name__", "")
    needs = {NEEDS_BY_MODULE[module]} if module in NEEDS_BY_MODULE else set()
    function = getattr(item, "originalname", item.name)
    needs |= {NEEDS_BY_TEST[function]} if function in NEEDS_BY_TEST else set()
    return needs | {NEEDS_BY_FIXTURE[name] for name in getattr(item, "fixturenames", ())
                    if name in NEEDS_BY_FIXTURE}


def pytest_collection_modifyitems(items):
    """Mark each test by what it needs (and slow when it needs any of them); then nbval's cells
    first (in their order), so the tests that read a notebook's run find it."""
    for item in items:
        needs = _needs(item) | {mark.name for mark in item.iter_markers() if mark.name in SLOW_BECAUSE}
        for name in sorted(needs | ({"slow"} if needs & SLOW_BECAUSE else set())):
            item.add_marker(name)
    items.sort(key=lambda item: not nbval_runs.is_nbval(item))
