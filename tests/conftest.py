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


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
