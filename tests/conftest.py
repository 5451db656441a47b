"""Shared fixtures; also keeps Jupyter, IPython and Matplotlib state out of the home folder."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

# Set before anything imports matplotlib or jupyter: isolated, non-interactive runs.
_STATE = tempfile.mkdtemp(prefix="course-test-state-")
for _name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
              "MPLCONFIGDIR"):
    os.environ.setdefault(_name, os.path.join(_STATE, _name.lower()))
os.environ.setdefault("MPLBACKEND", "Agg")
# The course's own runs of the instructor notebooks: a failing demo raises instead of showing
# its recorded output (coursekit/demos.py), so a broken demo cannot hide behind its recording.
# Tests that play a student remove it for their kernels.
os.environ["COURSEKIT_DEMOS_STRICT"] = "1"


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
