"""`pytest source/lesson2` (nbval, --nbval-lax from pyproject.toml) runs a source notebook top to
bottom, as the whole suite does: kernels with the suite's throwaway Jupyter folders and off-screen
plots (tests/isolated_state.py)."""

import isolated_state  # noqa: F401 (sets the environment the kernels inherit)
