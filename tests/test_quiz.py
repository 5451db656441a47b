"""The self-check quizzes: shuffled per student, balanced, explained, keyed without any text."""

from __future__ import annotations

from collections import Counter

import pytest
from notebook_course import grade_id, read_notebook, source_notebooks

from coursekit import quiz
from coursekit.quiz import answer_key, is_correct, show_quiz, shown_order, validate

QUESTION = {"id": "loss", "question": "Which loss suits regression?",
            "options": {"a": "0-1 loss", "b": "squared error"},
            "key": answer_key("loss", "b"), "explain": "Regression predicts numbers; 0-1 only counts mistakes."}
USERS = ("alice", "bob", "chandra", "dilruba", "root")


def test_the_key_names_no_text_so_a_translation_keeps_it():
    translated = dict(QUESTION, question="রিগ্রেশনের জন্য কোন লস উপযুক্ত?",
                      options={"a": "০-১ লস", "b": "বর্গ ত্রুটি"}, explain="…")
    assert is_correct(translated, "b") and not is_correct(translated, "a")
    assert QUESTION["key"] == translated["key"]
    assert "squared" not in QUESTION["key"]


def test_a_question_whose_key_matches_no_option_is_refused():
    broken = dict(QUESTION, key=answer_key("loss", "z"))
    with pytest.raises(ValueError, match="exactly one option"):
        validate("demo", [broken])


def test_a_question_without_an_explanation_is_refused():
    with pytest.raises(ValueError, match="explanation"):
        validate("demo", [dict(QUESTION, explain=" ")])


def test_the_order_is_stable_for_one_student_and_differs_between_students():
    questions = [dict(QUESTION, id=f"q{k}", key=answer_key(f"q{k}", "c"),
                      options={"a": "1", "b": "2", "c": "3", "d": "4"}) for k in range(6)]
    alice = shown_order("quiz", questions, user="alice")
    assert alice == shown_order("quiz", questions, user="alice")
    others = [shown_order("quiz", questions, user=user) for user in USERS[1:]]
    assert any(order != alice for order in others)
    for order in alice:
        assert sorted(order) == ["a", "b", "c", "d"]


def test_right_and_wrong_answers_are_both_explained():
    box = show_quiz("demo", [QUESTION], user="alice")
    choice, feedback = box.children[2], box.children[3]
    choice.value = "a"
    assert "Not this one" in feedback.value and "Regression predicts numbers" in feedback.value
    choice.value = "b"
    assert "Right" in feedback.value and "Regression predicts numbers" in feedback.value


# --- every quiz of the course ----------------------------------------------------------------


def course_quizzes() -> list[tuple[str, str, list[dict]]]:
    """(notebook, quiz id, questions) of every quiz cell, read by running the cell's source
    against a recording show_quiz."""
    found = []
    for ref in source_notebooks():
        for cell in read_notebook(ref.source_path).cells:
            if cell.cell_type == "code" and str(grade_id(cell) or "").startswith("quiz"):
                calls = []
                original = quiz.show_quiz
                quiz.show_quiz = lambda quiz_id, questions, **_: calls.append((quiz_id, questions))  # noqa: B023 (restored below)
                try:
                    exec(compile(cell.source, f"{ref.id} {grade_id(cell)}", "exec"), {})
                finally:
                    quiz.show_quiz = original
                assert len(calls) == 1, f"{ref.id} {grade_id(cell)} should call show_quiz once"
                found.append((f"{ref.id} {grade_id(cell)}", *calls[0]))
    return found


QUIZZES = course_quizzes()


def test_the_course_has_quizzes():
    assert len(QUIZZES) >= 10


@pytest.mark.parametrize(("where", "quiz_id", "questions"), QUIZZES, ids=[q[0] for q in QUIZZES])
def test_every_quiz_is_valid_explained_and_collapsed(where, quiz_id, questions):
    validate(quiz_id, questions)
    for q in questions:
        assert len(q["explain"]) > 20, f"{where} {q['id']}: the explanation says too little"
        assert "\n" not in q["explain"], f"{where} {q['id']}: the explanation must be one line"


@pytest.mark.parametrize(("where", "quiz_id", "questions"), QUIZZES, ids=[q[0] for q in QUIZZES])
def test_right_answers_are_spread_over_the_positions(where, quiz_id, questions):
    shared = min(len(q["options"]) for q in questions)  # positions every question has
    for user in USERS:
        orders = shown_order(quiz_id, questions, user=user)
        counts = Counter(order.index(quiz.correct_option(q)) for order, q in zip(orders, questions))
        spread = [counts.get(position, 0) for position in range(shared)]
        assert max(counts.values()) - min(spread) <= 1, \
            f"{where} for {user}: right answers at positions {dict(counts)}"


def test_quiz_and_test_cells_are_collapsed_under_a_one_line_caption():
    from notebook_course import is_test_cell, student_notebooks

    for ref in student_notebooks():
        for cell in read_notebook(ref.student_path).cells:
            if is_test_cell(cell) or str(grade_id(cell) or "").startswith("quiz"):
                where = f"{ref.id} {grade_id(cell)}"
                assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, \
                    f"{where} should be collapsed (metadata.jupyter.source_hidden)"
                assert cell.source.startswith("# "), f"{where} should start with a caption comment"
