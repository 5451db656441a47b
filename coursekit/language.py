"""The language of the notebook a student works in, and the texts coursekit shows in it.

Both editions run the same code (nbgrader keeps one copy of every locked cell per grade id), so
code cannot say "Bengali" itself: it asks ``translate(context, english)``, which returns the
English unless the notebook is in another language and its catalogue has the text.

The language is, in this order:

1. ``COURSEKIT_LANGUAGE`` (``en`` or ``bn``), which the grader sets from the submitted
   notebook's metadata, so feedback comes back in the language of the notebook handed in;
2. the edition's folder: a notebook's kernel starts in the notebook's folder, and the Bengali
   edition lives in ``bn/<assignment>/`` (instructor/editions.py);
3. English.

Translations come from ``coursekit/locale/<language>.json``, generated from the translators'
catalogues in ``translations/`` by ``python -m instructor.editions``: keyed by context (what
the text belongs to, e.g. ``quiz:01_loss_functions/quiz-pre/q1/question``), never by the
English text, so a typo fixed in English does not silently drop a translation (the test suite
names the stale ones instead).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

ENGLISH = "en"
LANGUAGES = (ENGLISH, "bn")
LOCALE = Path(__file__).resolve().parent / "locale"


def current() -> str:
    """The language of the running notebook: ``"en"`` or ``"bn"``."""
    chosen = os.environ.get("COURSEKIT_LANGUAGE", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    try:
        edition = Path.cwd().parent.name
    except OSError:  # the working folder was deleted
        return ENGLISH
    return edition if edition in LANGUAGES else ENGLISH


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    path = LOCALE / f"{language}.json"
    if language == ENGLISH or not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def translate(context: str, english: str, language: str | None = None) -> str:
    """``english`` in the notebook's language (or ``language``), English if none is known."""
    return catalogue(language or current()).get(context, english)


def answer_stub(language: str | None = None) -> str:
    """What nbgrader writes in a written answer's cell of the student version (its ClearSolutions
    ``text_stub``); instructor/editions.py gives each edition its own."""
    return translate("ui:nbgrader/answer-stub", "YOUR ANSWER HERE", language)
