"""Self-check quizzes with instant feedback and a one-line explanation, ungraded.

A quiz is a list of questions written in the notebook::

    show_quiz("lesson1-pre", [
        {"id": "task", "question": "Predicting a price is ...",
         "options": {"a": "classification", "b": "regression"},
         "key": "1f3e...", "explain": "A price is a number on a scale: regression."},
    ], title="Before we start")

Design notes (why it looks like this):

- **Language-independent answers.** Options are identified by short ids (``"a"``, ``"b"``...),
  and ``key`` is a hash of the question's ``id`` and the correct option's id, never of any text.
  A translation (the Bengali edition) changes ``question``, the option texts and ``explain``
  and keeps every id and key. The hash only stops a glance at the source from giving the answer
  away; the quizzes are not graded, so nothing more is needed.
- **Shuffled, stable per student.** Options are shown in an order drawn from a seed made of the
  user's login name (``getpass.getuser()``), the quiz id and the question id: one student sees
  the same order every time they reopen the notebook, two students usually see different
  orders, and the author's order (in which the right answer is easy to spot) is never shown.
- **Balanced.** Within one quiz the right answers are spread over the positions as evenly as
  the numbers of options allow (positions are dealt like cards, see ``answer_positions``),
  so "always pick the first" or "always the longest" does not beat reading the question.
- **Explained.** Every answer, right or wrong, is followed by the question's one-line
  explanation: the point of a self-check is the why, not the tick.
"""

from __future__ import annotations

import getpass
import hashlib
import html
import random
from collections.abc import Mapping, Sequence
from typing import TypedDict

from .language import translate

REQUIRED_FIELDS = ("id", "question", "options", "key", "explain")


class Question(TypedDict):
    id: str
    question: str
    options: dict[str, str]  # option id -> text, in the author's order
    key: str
    explain: str


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
        if not str(q["explain"]).strip():
            raise ValueError(f"quiz {quiz_id!r}, question {q['id']!r}: the explanation is empty; "
                             "every answer is followed by it.")
        correct_option(q)  # exactly one option matches the key


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
    """The feedback under a question: right or wrong, then the one-line explanation."""
    if is_correct(question, option_id):
        mark = f"<span style='color:#1a7f37'>&#10004; {translate('ui:quiz/right', 'Right.', language)}</span>"
    else:
        mark = f"<span style='color:#b00'>&#10008; {translate('ui:quiz/wrong', 'Not this one.', language)}</span>"
    return (f"<div class='coursekit-quiz-feedback'>{mark} "
            f"<span class='coursekit-quiz-explanation'>{html.escape(question['explain'])}</span></div>")


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
            "explain": translate(f"{where}/explain", q["explain"], language),
        })
    return localised


def show_quiz(quiz_id: str, questions: Sequence[Question], title: str = "Quiz",
              user: str | None = None) -> object:
    """Display the questions as radio buttons; each answer is marked and explained at once."""
    import ipywidgets as widgets
    from IPython.display import display

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
