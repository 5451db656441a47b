"""Jupyter, IPython and Matplotlib state of the test runs (kernels included, nbval's too) stays out
of the home folder, and plots are drawn off screen. Imported by tests/conftest.py and
source/conftest.py before anything imports matplotlib or jupyter."""

from __future__ import annotations

import os
import tempfile

_STATE = tempfile.mkdtemp(prefix="course-test-state-")
for _name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
              "MPLCONFIGDIR"):
    os.environ.setdefault(_name, os.path.join(_STATE, _name.lower()))
os.environ.setdefault("MPLBACKEND", "Agg")
# The course's own runs of the instructor notebooks: a failing demo raises instead of showing
# its recorded output (coursekit/demos.py), so a broken demo cannot hide behind its recording.
# Tests that play a student remove it for their kernels.
os.environ["COURSEKIT_DEMOS_STRICT"] = "1"
