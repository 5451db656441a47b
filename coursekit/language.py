"""The language of the notebook a student works in, and the texts coursekit shows in it.

Both editions run the same code (nbgrader keeps one copy of every locked cell per grade id), so
code cannot say "Bengali" itself: it asks ``translate(context, english)``, which returns the
English unless the notebook is in another language and its catalogue has the text.

The language is, in this order:

1. ``COURSEKIT_LANGUAGE`` (``en`` or ``bn``), which the grader sets from the submitted
   notebook's metadata, so feedback comes back in the language of the notebook handed in;
2. the edition's folder: a notebook's kernel starts in the notebook's folder, and the Bengali
   edition lives in ``bn/<assignment>/`` (instructor/authoring/editions.py);
3. a ``.coursekit-language`` file in the notebook's folder or the two above it (a student
   handout of the Bengali edition, which keeps the English folder names);
4. English.

Translations come from ``coursekit/locale/<language>.json``, generated from the translators'
catalogues in ``translations/`` by ``python -m instructor.authoring.editions``: keyed by context (what
the text belongs to, e.g. ``quiz:01_loss_functions/quiz-pre/q1/question``), never by the
English text, so a typo fixed in English does not silently drop a translation (the test suite
names the stale ones instead).
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

ENGLISH = "en"
LANGUAGES = (ENGLISH, "bn")
LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGE_FILE = ".coursekit-language"


def current() -> str:
    """The language of the running notebook: ``"en"`` or ``"bn"``."""
    chosen = os.environ.get("COURSEKIT_LANGUAGE", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    try:
        here = Path.cwd()
    except OSError:  # the working folder was deleted
        return ENGLISH
    # An edition's folder holds lessons/lessonN/ and lab/, as the course does: bn/lessons/lesson1.
    edition = here.parent.parent if here.parent.name == "lessons" else here.parent
    if edition.name in LANGUAGES:
        return edition.name
    # A handout of one edition (`python -m instructor student-copy --language bn`) keeps the
    # English folder names and says its language in a file at its root.
    for folder in (here, *here.parents[:2]):
        marker = folder / LANGUAGE_FILE
        if marker.is_file():
            chosen = marker.read_text(encoding="utf-8").strip().lower()
            return chosen if chosen in LANGUAGES else ENGLISH
    return ENGLISH


@functools.cache
def _locale(language: str) -> dict:
    path = LOCALE / f"{language}.json"
    if language == ENGLISH or not path.exists():
        return {"texts": {}, "messages": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def catalogue(language: str) -> dict[str, str]:
    """context -> translation of the texts code shows (quizzes, coursekit's own words)."""
    return _locale(language)["texts"]


def translate(context: str, english: str, language: str | None = None) -> str:
    """``english`` in the notebook's language (or ``language``), English if none is known."""
    return catalogue(language or current()).get(context, english)


_PLACEHOLDER = re.compile(r"\{(v\d+)\}")


@functools.cache
def _message_patterns(language: str) -> list[tuple[re.Pattern, str, str, str]]:
    """Each test message's English template as a pattern, most specific (longest text) first.

    The templates come from the test cells' f-strings (instructor/authoring/translations.py): literal text
    with ``{v1}``, ``{v2}``... where the cell put values; a placeholder matches any text.
    """
    patterns = []
    for english, translation in _locale(language)["messages"].items():
        parts = _PLACEHOLDER.split(english)
        if len("".join(parts[::2]).strip()) < 2:
            continue  # "{v1}" alone would claim every message: it stays English instead
        literal = [part.replace("{{", "{").replace("}}", "}") for part in parts[::2]]
        regex = "".join(re.escape(literal[i // 2]) if i % 2 == 0 else f"(?P<{part}>.*?)"
                        for i, part in enumerate(parts))
        # The literal start and end: a cheap test that skips almost every template.
        patterns.append((re.compile(regex, re.DOTALL), translation, literal[0], literal[-1], len(english)))
    patterns.sort(key=lambda item: -item[-1])
    return [item[:4] for item in patterns]


MAX_MESSAGE_CHARS = 4000  # longer text (a printed array or table) is never a catalogue message


def translate_message(text: str, language: str | None = None) -> str:
    """A test's message, already formatted with its values, in the notebook's language.

    Test cells are the same code in both editions and build their messages with f-strings, so
    the message is recognised by its English template and rebuilt from the translation with the
    same values. Unknown text (or an English notebook) comes back unchanged.
    """
    language = language or current()
    if language == ENGLISH or not text or len(text) > MAX_MESSAGE_CHARS:
        return text
    best, best_unexplained = None, None
    for pattern, translation, start, end in _message_patterns(language):
        if not (text.startswith(start) and text.endswith(end)):
            continue
        match = pattern.fullmatch(text)
        if match is None:
            continue
        # A value that is itself a text of the catalogue ("absolute error" in
        # f"{name:>14}: best constant", "early stopping at epoch 12" in f"{name}\n...") is
        # shown translated too; each value is shorter than the text, so this ends.
        values = {name: _translated_value(value, language) for name, value in match.groupdict().items()}
        # Two templates may match one text ("{v1}, {v2}: {v3}" and "{v1} hidden unit{v2}: {v3}"
        # both match "XOR, two layers, 8 hidden units: 100%"): the right one leaves the least
        # text unexplained, that is neither a number nor a text of the catalogue.
        unexplained = sum(len(match[name]) for name, value in values.items()
                          if value == match[name] and not _NUMBER.fullmatch(value))
        if best_unexplained is None or unexplained < best_unexplained:
            try:
                best, best_unexplained = translation.format(**values), unexplained
            except (KeyError, IndexError, ValueError):  # a malformed translation: keep the English
                continue
        if best_unexplained == 0:
            break
    if best is not None:
        return best
    if "\n" in text:  # lines put together ("too small\n" + a title): each line on its own
        return "\n".join(translate_message(line, language) for line in text.split("\n"))
    return text


_NUMBER = re.compile(r"[\d\s.,:%eE+\-−()\[\]/=x×]*")


def _translated_value(value: str, language: str) -> str:
    """One value of a message, translated if it is a catalogue text, its padding kept."""
    core = value.strip()
    if not core or "{" in core:
        return value
    start = value.index(core)
    return value[:start] + translate_message(core, language) + value[start + len(core):]


def answer_stub(language: str | None = None) -> str:
    """What nbgrader writes in a written answer's cell of the student version (its ClearSolutions
    ``text_stub``); instructor/authoring/editions.py gives each edition its own."""
    return translate("ui:nbgrader/answer-stub", "YOUR ANSWER HERE", language)
