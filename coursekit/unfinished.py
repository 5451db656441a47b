"""Naming the exercise a student has not written yet, where a bare ``NotImplementedError`` would not.

nbgrader leaves ``raise NotImplementedError()`` in every answer a student has not written. Raised
from a test cell or a demo, Python's own report is a traceback ending in a bare
``NotImplementedError:``; a student has to read the whole traceback to learn which function it
came from. Here the innermost frame of that traceback (the stub itself) gives the exercise's name,
``Net.backward`` rather than ``backward``, and IPython's execution count gives the cell it lives
in, so one line can say where to write.
"""

from __future__ import annotations

import types

from .error_display import RED, cell_number, wrapped
from .language import translate


def _innermost_frame(error: BaseException) -> types.FrameType | None:
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame if tb is not None else None


def unfinished_function(error: BaseException) -> str | None:
    """``Net.backward`` for the stub that raised ``error``; None when no function is named."""
    frame = _innermost_frame(error)
    if frame is None:
        return None
    code = frame.f_code
    # A method added with @add_to_class is a top-level function (qualname `backward`): its class
    # is the one, in the MRO of `self`, that holds exactly this code.
    owner = frame.f_locals.get("self")
    if owner is not None:
        for klass in type(owner).__mro__:
            if getattr(klass.__dict__.get(code.co_name), "__code__", None) is code:
                return f"{klass.__name__}.{code.co_name}"
    name = getattr(code, "co_qualname", code.co_name)
    return None if name.startswith("<") else name


def where_to_write(error: BaseException) -> str | None:
    """One line for a test cell that met an unwritten exercise: None unless ``error`` was raised
    by a function written in a notebook cell (a NotImplementedError of a library is not a stub)."""
    frame = _innermost_frame(error)
    number = cell_number(frame.f_code.co_filename) if frame is not None else None
    name = unfinished_function(error)
    if number is None or name is None:
        return None
    return translate("ui:unfinished/write-in-cell", "`{name}` is not written yet: write it in cell "
                     "[{number}] in place of `raise NotImplementedError()`, run that cell, then run "
                     "this one again.").format(name=name, number=number)


def _show_where_to_write(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for NotImplementedError: the line above first, then the traceback."""
    stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    try:
        line = where_to_write(value)
    except Exception:  # noqa: BLE001 (a slip here must not cost the student Python's own report)
        line = None
    if line is not None:
        stb = wrapped(line, RED) + [""] + stb
    shell._showtraceback(etype, value, stb)  # run_code drops what a handler returns


def install() -> None:
    """In an IPython kernel, report unwritten exercises with ``where_to_write`` (idempotent)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or shell.custom_exceptions not in ((), (NotImplementedError,)):
        return  # not IPython, or someone else's handler: leave it alone
    shell.set_custom_exc((NotImplementedError,), _show_where_to_write)
