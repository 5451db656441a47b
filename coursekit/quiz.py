"""Self-check quizzes with instant feedback for every option, ungraded.

A quiz is a list of questions written in the source notebook::

    show_quiz("lesson1-pre", [
        {"id": "task", "question": "Predicting a price is ...",
         "options": {"a": "classification", "b": "regression"},
         "key": "1f3e...",
         "feedback": {"a": "Classification picks one of a few labels; a price is a number.",
                      "b": "A price is a number on a continuous scale: that is regression."}},
    ], title="Before we start")

Design notes (why it looks like this):

- **Language-independent answers.** Options are identified by short ids (``"a"``, ``"b"``...),
  and ``key`` is a hash of the question's ``id`` and the correct option's id, never of any text.
  A translation (the Bengali edition) changes ``question``, the option texts and the feedback
  and keeps every id and key.
- **Feedback per option.** A click shows right or wrong and that option's own feedback: a wrong
  option's says why *that* option is wrong without naming the right one (``validate`` refuses a
  wrong option's feedback that quotes the right option), so a student can try again and still
  has something to find; the right option's says why it is right.
- **Not given away at a glance.** Students get the quiz packed (``pack``: compressed JSON in
  base64, written into their copy by ``instructor/authoring/quiz_cells.py`` when nbgrader generates it),
  so expanding the collapsed cell shows no answer and no feedback. This is not secrecy: anyone
  can unpack it, and the quizzes are not graded. Authors write the readable form in source/.
- **Shuffled, stable per student.** Options are shown in an order drawn from a seed made of the
  user's login name (``getpass.getuser()``), the quiz id and the question id: one student sees
  the same order every time they reopen the notebook, two students usually see different
  orders, and the author's order is never shown.
- **Balanced.** Within one quiz the right answers are spread over the positions as evenly as
  the numbers of options allow (positions are dealt like cards, see ``answer_positions``),
  so "always pick the first" does not beat reading the question; the texts are written so that
  "always pick the longest" does not either (tests/test_quiz.py measures it in both languages).
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import html
import json
import random
import re
import zlib
from collections.abc import Mapping, Sequence
from typing import TypedDict

from .language import translate

REQUIRED_FIELDS = ("id", "question", "options", "key", "feedback")


class Question(TypedDict):
    id: str
    question: str
    options: dict[str, str]  # option id -> text, in the author's order
    key: str
    feedback: dict[str, str]  # option id -> one line shown after a click on that option


def pack(questions: Sequence[Mapping]) -> str:
    """The questions as students get them: compressed JSON in base64, unreadable at a glance."""
    data = json.dumps(list(questions), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def unpack(packed: str) -> list[Question]:
    """The questions ``pack`` packed (whitespace inside ``packed`` is ignored)."""
    try:
        return json.loads(zlib.decompress(base64.b64decode("".join(packed.split()), validate=True)))
    except (ValueError, zlib.error) as error:
        raise ValueError("this quiz's packed questions are damaged; restore the cell from the "
                         "course (it is generated, never edited by hand).") from error


def answer_key(question_id: str, option_id: str) -> str:
    """The stored form of "option ``option_id`` answers question ``question_id``"."""
    return hashlib.sha256(f"{question_id.strip()}\n{option_id.strip()}".encode()).hexdigest()[:12]


def is_correct(question: Question, option_id: str) -> bool:
    return answer_key(question["id"], option_id) == question["key"]


def correct_option(question: Question) -> str:
    """The id of the right option (for authors and tests; students see only the verdict)."""
    matches = [oid for oid in question["options"] if is_correct(question, oid)]
    if len(matches) != 1:
        raise ValueError(f"quiz question {question.get('id')!r} must have exactly one option "
                         f"matching its key, found {len(matches)}; rebuild the key with "
                         "coursekit.quiz.answer_key(question_id, option_id).")
    return matches[0]


def validate(quiz_id: str, questions: Sequence[Mapping]) -> None:
    """Refuse a malformed quiz with a message that says which question and what to fix."""
    if not isinstance(quiz_id, str) or not quiz_id.strip():
        raise ValueError("a quiz needs an id (a short string such as 'lesson1-pre'): it seeds "
                         "the order of the options.")
    seen = set()
    for number, q in enumerate(questions, 1):
        missing = [name for name in REQUIRED_FIELDS if name not in q]
        if missing:
            raise ValueError(f"quiz {quiz_id!r}, question {number} lacks {missing}.")
        if q["id"] in seen:
            raise ValueError(f"quiz {quiz_id!r}: question id {q['id']!r} is used twice; ids must "
                             "be unique within a quiz.")
        seen.add(q["id"])
        if not isinstance(q["options"], Mapping) or len(q["options"]) < 2:
            raise ValueError(f"quiz {quiz_id!r}, question {q['id']!r}: options must be a dict "
                             "of at least two {option id: text} entries.")
        right = correct_option(q)  # exactly one option matches the key
        check_feedback(quiz_id, q, right)


def _quoted(text: str) -> re.Pattern:
    """``text`` as it could appear inside a sentence: any spacing and case; a number only as a
    whole number ("1" is not found in "10")."""
    words = [re.escape(word) for word in text.split()]
    pattern = r"\s+".join(words)
    if text[:1].isdigit():
        pattern = r"(?<![\d.])" + pattern
    if text[-1:].isdigit():
        pattern += r"(?!\.?\d)"
    return re.compile(pattern, re.IGNORECASE)


def check_feedback(quiz_id: str, q: Mapping, right: str) -> None:
    """Every option has its own one-line feedback, and no wrong option's names the right one."""
    where = f"quiz {quiz_id!r}, question {q['id']!r}"
    feedback = q["feedback"]
    if not isinstance(feedback, Mapping) or set(feedback) != set(q["options"]):
        given = sorted(feedback) if isinstance(feedback, Mapping) else feedback
        raise ValueError(f"{where}: feedback must be a dict with one entry per option "
                         f"{sorted(q['options'])}, it has {given!r}.")
    for option_id, text in feedback.items():
        if not str(text).strip() or "\n" in str(text):
            raise ValueError(f"{where}: the feedback of option {option_id!r} must be one line of text.")
    if len({" ".join(str(text).split()) for text in feedback.values()}) != len(feedback):
        raise ValueError(f"{where}: two options have the same feedback; each says why that option "
                         "is right or wrong.")
    answer = str(q["options"][right])
    # The whole answer, and each part of an answer in parts ("overfits: stop near epoch 30").
    parts = [answer] + [part for part in re.split(r"[:;]\s+", answer) if len(part.split()) >= 2]
    named = [_quoted(part) for part in dict.fromkeys(parts)]
    for option_id, text in feedback.items():
        if option_id != right and any(pattern.search(str(text)) for pattern in named):
            raise ValueError(f"{where}: the feedback of the wrong option {option_id!r} names the right "
                             f"answer ({q['options'][right]!r}); say why this option is wrong instead, "
                             "so the student still has something to find.")


def student_seed(user: str | None = None) -> str:
    """The part of every seed that identifies the student: the login name."""
    if user is not None:
        return user
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 (no login name in some containers: one fixed order)
        return "student"


def answer_positions(quiz_id: str, questions: Sequence[Mapping], user: str | None = None) -> list[int]:
    """Where each question's right answer is shown (0 = first), balanced across the quiz.

    Positions are dealt like cards: each question takes, among the positions it has, one of
    those used least so far in this quiz (ties broken by the student's seed).
    """
    rng = random.Random(f"{student_seed(user)}\n{quiz_id}")
    used: dict[int, int] = {}
    positions = []
    for q in questions:
        choices = range(len(q["options"]))
        fewest = min(used.get(p, 0) for p in choices)
        position = rng.choice([p for p in choices if used.get(p, 0) == fewest])
        used[position] = used.get(position, 0) + 1
        positions.append(position)
    return positions


def shown_order(quiz_id: str, questions: Sequence[Mapping], user: str | None = None) -> list[list[str]]:
    """The option ids of every question in the order this student sees them."""
    orders = []
    for q, position in zip(questions, answer_positions(quiz_id, questions, user), strict=True):
        right = correct_option(q)
        others = [oid for oid in q["options"] if oid != right]
        random.Random(f"{student_seed(user)}\n{quiz_id}\n{q['id']}").shuffle(others)
        orders.append(others[:position] + [right] + others[position:])
    return orders


def verdict_html(question: Question, option_id: str, language: str | None = None) -> str:
    """The feedback under a question: right or wrong, then why, for the option clicked."""
    if is_correct(question, option_id):
        mark = f"<span style='color:#1a7f37'>&#10004; {translate('ui:quiz/right', 'Right.', language)}</span>"
    else:
        mark = f"<span style='color:#b00'>&#10008; {translate('ui:quiz/wrong', 'Not this one.', language)}</span>"
    return (f"<div class='coursekit-quiz-feedback'>{mark} "
            f"<span class='coursekit-quiz-explanation'>{html.escape(question['feedback'][option_id])}</span></div>")


def in_language(quiz_id: str, questions: Sequence[Question], language: str | None = None) -> list[Question]:
    """The questions with their texts in the notebook's language; ids, options and keys, and so
    the answers, are the same in every language."""
    localised = []
    for q in questions:
        where = f"quiz:{quiz_id}/{q['id']}"
        localised.append({
            **q,
            "question": translate(f"{where}/question", q["question"], language),
            "options": {oid: translate(f"{where}/option:{oid}", text, language)
                        for oid, text in q["options"].items()},
            "feedback": {oid: translate(f"{where}/feedback:{oid}", text, language)
                         for oid, text in q["feedback"].items()},
        })
    return localised


def show_quiz(quiz_id: str, questions: Sequence[Question] | str, title: str = "Quiz",
              user: str | None = None) -> object:
    """Display the questions as radio buttons; each answer is marked and explained at once.

    ``questions`` is the list an author writes, or the string ``pack`` made of it (students'
    copies)."""
    import ipywidgets as widgets
    from IPython.display import display

    if isinstance(questions, str):
        questions = unpack(questions)
    validate(quiz_id, questions)
    questions = in_language(quiz_id, questions)
    title = translate(f"quiz:{quiz_id}/title", title)
    rows = [widgets.HTML(f"<h4>{html.escape(title)}</h4>")]
    for number, (q, order) in enumerate(zip(questions, shown_order(quiz_id, questions, user),
                                            strict=True), 1):
        # RadioButtons shows the label and reports the value: (text, option id) pairs.
        choice = widgets.RadioButtons(options=[(q["options"][oid], oid) for oid in order],
                                      value=None, layout={"width": "max-content"})
        choice.add_class("coursekit-quiz-choice")
        feedback = widgets.HTML("")

        def mark(change: dict, q: Question = q, feedback: widgets.HTML = feedback) -> None:
            if change["new"] is not None:
                feedback.value = verdict_html(q, change["new"])

        choice.observe(mark, names="value")
        rows += [widgets.HTML(f"<b>{number}. {html.escape(q['question'])}</b>"), choice, feedback]
    box = widgets.VBox(rows)
    display(box)
    return box
