"""The self-check quizzes: answers hidden as hashes, but checkable."""

from __future__ import annotations

import pytest

from coursekit.quiz import answer_key, is_correct, show_quiz

QUESTION = {"question": "Which loss suits regression?", "options": ["squared error", "0-1 loss"],
            "key": answer_key("Which loss suits regression?", "squared error")}


def test_only_the_right_option_matches_and_the_answer_is_not_stored_in_clear():
    assert is_correct(QUESTION, "squared error")
    assert not is_correct(QUESTION, "0-1 loss")
    assert "squared" not in QUESTION["key"]


def test_a_question_whose_key_matches_no_option_is_refused():
    broken = dict(QUESTION, key=answer_key(QUESTION["question"], "mean absolute error"))
    with pytest.raises(ValueError, match="exactly one option"):
        show_quiz([broken])


def test_choosing_an_option_shows_the_verdict():
    box = show_quiz([QUESTION])
    choice, verdict = box.children[2], box.children[3]
    choice.value = "0-1 loss"
    assert "Not quite" in verdict.value
    choice.value = "squared error"
    assert "Correct" in verdict.value
