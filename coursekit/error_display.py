"""How the course's own errors look: the hint first, on lines the Validate dialog shows whole.

A student meets a failing check or an unwritten exercise in two places: under the cell in the
notebook, and in nbgrader's Validate dialog, which prints the test cell's source and then the
error's lines, each cut at 90 characters (``Validator.width``) after an indent of 4, with "..."
in place of the last 3. So the course's own lines are wrapped to fit, and a line of a test cell
is named by IPython's execution count of that cell (the ``[12]`` beside it).
"""

from __future__ import annotations

import linecache
import textwrap
import types

#: 90 (Validator.width) - 3 (its "...") - 4 (its indent): longer lines lose their end.
WIDTH = 83
RED, PLAIN = "\x1b[1;31m", "\x1b[0m"


def wrapped(text: str, colour: str = "") -> list[str]:
    """``text`` as lines of at most WIDTH characters (in ``colour``, which takes no width)."""
    return [f"{colour}{line}{PLAIN if colour else ''}" for paragraph in text.split("\n")
            for line in (textwrap.wrap(paragraph, WIDTH) or [""])]


def cell_number(filename: str) -> int | None:
    """The execution count of the notebook cell whose code has this file name, in an IPython
    kernel; None elsewhere (a module, the grader's judge)."""
    try:
        from IPython import get_ipython

        return get_ipython().compile._filename_map.get(filename)
    except (AttributeError, ImportError):
        return None


def line_in_a_cell(tb: types.TracebackType | None) -> tuple[int, str] | None:
    """(line number, code) of the outermost frame in a notebook cell: the test cell's line."""
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if cell_number(filename) is not None:
            return tb.tb_lineno, linecache.getline(filename, tb.tb_lineno).strip()
        tb = tb.tb_next
    return None
