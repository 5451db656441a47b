"""Self-check quizzes with instant feedback, ungraded.

Answers are stored as short hashes of (question, correct option), so reading the notebook
does not give them away, while checking a choice stays instant and offline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypedDict


class Question(TypedDict):
    question: str
    options: list[str]
    key: str


def answer_key(question: str, option: str) -> str:
    """The stored form of the correct ``option`` to ``question``."""
    return hashlib.sha256(f"{question.strip()}\n{option.strip()}".encode()).hexdigest()[:12]


def is_correct(question: Question, option: str) -> bool:
    return answer_key(question["question"], option) == question["key"]


def _validate(questions: Sequence[Question]) -> None:
    for number, q in enumerate(questions, 1):
        missing = {"question", "options", "key"} - set(q)
        if missing:
            raise ValueError(f"quiz question {number} lacks {sorted(missing)}.")
        if sum(is_correct(q, option) for option in q["options"]) != 1:
            raise ValueError(f"quiz question {number} ({q['question'][:40]!r}...) must have exactly "
                             "one option matching its key; rebuild the key with answer_key().")


def show_quiz(questions: Sequence[Question], title: str = "Quiz") -> object:
    """Display the questions as radio buttons; each choice is marked right or wrong at once."""
    import ipywidgets as widgets
    from IPython.display import display

    _validate(questions)
    rows = [widgets.HTML(f"<h4>{title}</h4>")]
    for number, q in enumerate(questions, 1):
        choice = widgets.RadioButtons(options=q["options"], value=None, layout={"width": "max-content"})
        verdict = widgets.HTML("")

        def mark(change: dict, q: Question = q, verdict: widgets.HTML = verdict) -> None:
            if change["new"] is None:
                return
            verdict.value = ("<span style='color:green'>&#10004; Correct.</span>" if is_correct(q, change["new"])
                             else "<span style='color:#b00'>&#10008; Not quite: think again.</span>")

        choice.observe(mark, names="value")
        rows += [widgets.HTML(f"<b>{number}. {q['question']}</b>"), choice, verdict]
    box = widgets.VBox(rows)
    display(box)
    return box
