"""In a notebook of another edition, what the course's code draws and prints is in its language.

Demo cells are the same code in both editions (nbgrader keeps one copy of each locked cell), so
they set titles, labels and legends and print lines in English. Their texts are in the edition's
catalogue as templates (instructor/authoring/translations.py takes every string a code cell gives a
title, an axis or legend label, ``ax.text`` or ``print``). Here, once per process, Matplotlib's
``Text.set_text`` and ``print`` pass each text through ``translate_message`` (and each new
widget's ``description``, through ipywidgets' ``on_widget_constructed``): one that matches
a template is shown translated, with the same values; anything else (numbers, tick labels, the
student's own prints) is shown as it is. A translated plot text that mixes Bengali and ``$math$``
gets its math in plain Unicode (plain_math.py): mathtext cannot draw Bengali. English notebooks
install nothing.
"""

from __future__ import annotations

import builtins
import re
import sys

from . import language

_installed: set[str] = set()
_BENGALI = re.compile("[\u0980-\u09ff]")


def apply() -> None:
    """Translate what is drawn and printed from now on, if the notebook is not in English."""
    chosen = language.current()
    if chosen == language.ENGLISH:
        return
    if "print" not in _installed:
        _installed.add("print")
        builtins.print = _translating_print(builtins.print, chosen)
    if "widgets" not in _installed:
        _installed.add("widgets")
        try:  # (cheap; a slider may be made before coursekit.plotting is imported)
            from ipywidgets import Widget
        except ImportError:  # a terminal without Jupyter's widgets
            pass
        else:
            Widget.on_widget_constructed(_translating_description(chosen))
    if "matplotlib" in sys.modules and "text" not in _installed:
        _installed.add("text")
        from matplotlib.text import Text

        Text.set_text = _translating_set_text(Text.set_text, chosen)
        if chosen == "bn":
            from .bengali_font import use_bengali_font

            use_bengali_font()


def _translating_print(original, chosen: str):
    def print(*args, sep=" ", end="\n", file=None, flush=False):
        if (file is None or file is sys.stdout) and args and (sep is None or sep == " "):
            try:
                text = " ".join(str(arg) for arg in args)
            except Exception:  # noqa: BLE001 (a broken __str__ is print's to report)
                text = ""
            translated = language.translate_message(text, chosen) if text else text
            if translated != text:
                return original(translated, end=end, file=file, flush=flush)
        return original(*args, sep=sep, end=end, file=file, flush=flush)

    print.__doc__ = original.__doc__
    return print


def _translating_description(chosen: str):
    """ipywidgets' own hook, called for every widget made: a slider's label in the edition's
    language (a progress bar's words come through coursekit.progress)."""
    def translate_description(widget) -> None:
        description = getattr(widget, "description", None)
        if isinstance(description, str) and description:
            translated = language.translate_message(description, chosen)
            if translated != description:
                widget.description = translated

    return translate_description


def _translating_set_text(original, chosen: str):
    from .plain_math import without_math

    def set_text(self, s):
        if isinstance(s, str) and s:
            s = language.translate_message(s, chosen)
            if "$" in s and _BENGALI.search(s):  # mathtext would draw the Bengali as boxes
                s = without_math(s)
        return original(self, s)

    set_text.__doc__ = original.__doc__
    return set_text
