"""The self-check quizzes: shuffled per student, balanced, keyed without any text, feedback for
every option that never names the right one, no length tell in either language, and packed in
the students' copies so that expanding the cell does not give the answers away."""

from __future__ import annotations

import ast
import unicodedata
from collections import Counter

import nbformat
import pytest
from notebook_course import ROOT, grade_id, read_notebook, source_notebooks

from coursekit import quiz
from coursekit.quiz import answer_key, is_correct, show_quiz, shown_order, validate

QUESTION = {"id": "loss", "question": "Which loss suits regression?",
            "options": {"a": "0-1 loss", "b": "squared error"},
            "key": answer_key("loss", "b"),
            "feedback": {"a": "The 0-1 loss only counts mistakes; a regression predicts numbers.",
                         "b": "Squared error measures how far a predicted number is from the label."}}
USERS = ("alice", "bob", "chandra", "dilruba", "root")
LANGUAGES = ("en", "bn")


def test_the_key_names_no_text_so_a_translation_keeps_it():
    translated = dict(QUESTION, question="রিগ্রেশনের জন্য কোন লস উপযুক্ত?",
                      options={"a": "০-১ লস", "b": "বর্গ ত্রুটি"}, feedback={"a": "…", "b": "……"})
    assert is_correct(translated, "b") and not is_correct(translated, "a")
    assert QUESTION["key"] == translated["key"]
    assert "squared" not in QUESTION["key"]


def test_a_question_whose_key_matches_no_option_is_refused():
    broken = dict(QUESTION, key=answer_key("loss", "z"))
    with pytest.raises(ValueError, match="exactly one option"):
        validate("demo", [broken])


@pytest.mark.parametrize(("feedback", "message"), [
    ({"b": "Squared error measures distance."}, "one entry per option"),
    ({"a": " ", "b": "Squared error measures distance."}, "one line of text"),
    ({"a": "Two\nlines.", "b": "Squared error measures distance."}, "one line of text"),
    ({"a": "Same words.", "b": "Same  words."}, "same feedback"),
    # The right option's text in a wrong option's feedback, in any case and spacing:
    ({"a": "Counting mistakes is not what SQUARED   error does.",
      "b": "Squared error measures distance."}, "names the right answer"),
])
def test_feedback_that_is_missing_shared_or_gives_the_answer_away_is_refused(feedback, message):
    with pytest.raises(ValueError, match=message):
        validate("demo", [dict(QUESTION, feedback=feedback)])


def test_a_number_is_named_only_as_a_whole_number():
    numbers = {"id": "n", "question": "80 samples, batches of 8: updates per epoch?",
               "options": {"a": "1", "b": "10"}, "key": answer_key("n", "b"),
               "feedback": {"a": "1 would be full batch; 8 and 80 are not 10.", "b": "80 / 8."}}
    with pytest.raises(ValueError, match="names the right answer"):
        validate("demo", [numbers])
    validate("demo", [dict(numbers, feedback={"a": "1 update per epoch is full batch; 100 is not it.",
                                              "b": "80 / 8."})])


def test_a_part_of_a_long_answer_counts_as_naming_it():
    overfitting = {"id": "o", "question": "Validation loss rises after epoch 30: why?",
                   "options": {"a": "The learning rate is too small", "b": "It overfits: stop near epoch 30"},
                   "key": answer_key("o", "b"),
                   "feedback": {"a": "No: better stop near epoch 30.", "b": "It memorises the training set."}}
    with pytest.raises(ValueError, match="names the right answer"):
        validate("demo", [overfitting])


def test_the_order_is_stable_for_one_student_and_differs_between_students():
    questions = [dict(QUESTION, id=f"q{k}", key=answer_key(f"q{k}", "c"),
                      options={"a": "1", "b": "2", "c": "3", "d": "4"},
                      feedback={o: f"why {o}" for o in "abcd"}) for k in range(6)]
    alice = shown_order("quiz", questions, user="alice")
    assert alice == shown_order("quiz", questions, user="alice")
    others = [shown_order("quiz", questions, user=user) for user in USERS[1:]]
    assert any(order != alice for order in others)
    for order in alice:
        assert sorted(order) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("packed", [False, True], ids=["as written", "packed"])
def test_each_click_shows_that_option_s_own_feedback(packed):
    box = show_quiz("demo", quiz.pack([QUESTION]) if packed else [QUESTION], user="alice")
    choice, feedback = box.children[2], box.children[3]
    choice.value = "a"
    assert "Not this one" in feedback.value and "only counts mistakes" in feedback.value
    assert "measures how far" not in feedback.value
    choice.value = "b"
    assert "Right" in feedback.value and "measures how far" in feedback.value


def test_a_damaged_packed_quiz_says_what_to_do():
    with pytest.raises(ValueError, match="restore the cell"):
        show_quiz("demo", quiz.pack([QUESTION])[:-8] + "AAAAAAA=", user="alice")


def show_quiz_call(source: str, where: str) -> tuple[tuple, dict]:
    """The arguments a quiz cell passes to show_quiz: its source run against a recording one."""
    calls = []
    original = quiz.show_quiz
    quiz.show_quiz = lambda *args, **keywords: calls.append((args, keywords))
    try:
        exec(compile(source, where, "exec"), {})
    finally:
        quiz.show_quiz = original
    assert len(calls) == 1, f"{where} should call show_quiz once"
    return calls[0]


QUIZ_CELL = """# Self-check quiz (not graded): run this cell, then click an answer to see why.
from coursekit.quiz import show_quiz

show_quiz("demo", [
    {"id": "loss", "question": "Which loss suits regression? (θ ← θ − η ∂L/∂θ)",
     "options": {"a": "0-1 loss", "b": "squared error"},
     "key": "KEY",
     "feedback": {"a": "The 0-1 loss only counts mistakes; a regression predicts numbers.",
                  "b": "Squared error measures how far a predicted number is from the label."}},
], title="Before we start");
""".replace("KEY", answer_key("loss", "b"))


def test_a_quiz_cell_is_packed_once_and_shows_no_option_or_feedback():
    from instructor.authoring.quiz_cells import (
        packed_source,  # (imports nbgrader: only where needed)
    )

    packed = packed_source(QUIZ_CELL)
    for text in ("squared error", "only counts mistakes", "measures how far", "θ"):
        assert text not in packed
    assert packed.startswith(QUIZ_CELL.split("show_quiz(")[0]) and packed.endswith(', title="Before we start");\n')
    assert packed_source(packed) == packed
    (quiz_id, questions), keywords = show_quiz_call(packed, "packed")
    assert quiz_id == "demo" and keywords == {"title": "Before we start"}
    assert quiz.unpack(questions)[0]["question"].endswith("(θ ← θ − η ∂L/∂θ)")


def test_packing_refuses_a_quiz_whose_feedback_gives_the_answer_away():
    from instructor.authoring.quiz_cells import packed_source

    leaking = QUIZ_CELL.replace("only counts mistakes", "is worse than squared error")
    with pytest.raises(ValueError, match="names the right answer"):
        packed_source(leaking)


# --- every quiz of the course ----------------------------------------------------------------


def course_quizzes() -> list[tuple[str, str, list[dict]]]:
    """(notebook, quiz id, questions) of every quiz cell of source/."""
    found = []
    for ref in source_notebooks():
        for cell in read_notebook(ref.source_path).cells:
            if cell.cell_type == "code" and str(grade_id(cell) or "").startswith("quiz"):
                where = f"{ref.id} {grade_id(cell)}"
                (quiz_id, questions), _ = show_quiz_call(cell.source, where)
                found.append((where, quiz_id, questions))
    return found


QUIZZES = course_quizzes()
SOURCE_QUIZZES = {quiz_id: questions for _, quiz_id, questions in QUIZZES}


def test_the_course_has_quizzes():
    assert len(QUIZZES) >= 10


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("where", "quiz_id", "questions"), QUIZZES, ids=[q[0] for q in QUIZZES])
def test_every_quiz_has_feedback_for_every_option_that_never_names_the_right_one(
        where, quiz_id, questions, language):
    shown = quiz.in_language(quiz_id, questions, language)
    validate(quiz_id, shown)  # one line per option, all different, no wrong one naming the right
    for q in shown:
        for option_id, text in q["feedback"].items():
            assert len(text) > 20, f"{where} {q['id']} option {option_id}: the feedback says too little"


@pytest.mark.parametrize(("where", "quiz_id", "questions"), QUIZZES, ids=[q[0] for q in QUIZZES])
def test_right_answers_are_spread_over_the_positions(where, quiz_id, questions):
    shared = min(len(q["options"]) for q in questions)  # positions every question has
    for user in USERS:
        orders = shown_order(quiz_id, questions, user=user)
        counts = Counter(order.index(quiz.correct_option(q)) for order, q in zip(orders, questions))
        spread = [counts.get(position, 0) for position in range(shared)]
        assert max(counts.values()) - min(spread) <= 1, \
            f"{where} for {user}: right answers at positions {dict(counts)}"


# --- no length tell ---------------------------------------------------------------------------

VIRAMA, ZERO_WIDTH = "\u09cd", "\u200c\u200d"


def shown_length(text: str) -> int:
    """How long an option looks: its user-perceived characters (Unicode's extended grapheme
    clusters), not code points. A vowel sign or other combining mark belongs to the letter
    before it, and a Bengali conjunct (letter, virama, letter: ক্ষ) is one character, as
    Unicode 15.1 counts it; the zero-width joiners of র\u200d্য are invisible."""
    count, joining = 0, False
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.category(char) in ("Mn", "Mc", "Me") or char in ZERO_WIDTH:
            joining = char == VIRAMA or (joining and char in ZERO_WIDTH)
            continue
        if not (joining and unicodedata.category(char) == "Lo"):
            count += 1
        joining = False
    return count


def test_shown_length_counts_what_a_reader_sees():
    assert shown_length("Regression") == 10
    assert shown_length("রিগ্রেশন") == 4  # রি গ্রে শ ন
    assert shown_length("র\u200d্যান্ডম") == 3  # র‍্যা ন্ড ম: the joiner and the viramas add nothing
    assert shown_length("(3, 2)") == 6


def length_guessers(questions: list[dict]) -> dict[str, float]:
    """How many right answers a student expects who, without reading, always clicks the longest
    option, the shortest, or one of those in between (ties broken at random; "in between" is
    every option when all are as long), against blind guessing ("chance", 1/options each)."""
    scores = dict.fromkeys(("longest", "shortest", "in between", "chance"), 0.0)
    for q in questions:
        lengths = {oid: shown_length(text) for oid, text in q["options"].items()}
        top, bottom = max(lengths.values()), min(lengths.values())
        picks = {"longest": [o for o, n in lengths.items() if n == top],
                 "shortest": [o for o, n in lengths.items() if n == bottom],
                 "in between": [o for o, n in lengths.items() if bottom < n < top] or list(lengths)}
        right = quiz.correct_option(q)
        for name, options in picks.items():
            scores[name] += (right in options) / len(options)
        scores["chance"] += 1 / len(lengths)
    return scores


#: How far above blind guessing a length strategy may score, in right answers over the whole
#: course: one question of 45. The quizzes are not graded, so one more right click over ten
#: quizzes does not pay a student to stop reading; a bound of exactly chance would fail on any
#: one-word edit of an option or its translation. (Blind guessing itself gets 11.75 of 45.)
TOLERANCE = 1.0


def test_the_length_measure_catches_a_tell():
    telling = [dict(QUESTION, id=f"q{k}", key=answer_key(f"q{k}", "b"),
                    options={"a": "short", "b": "the longest option of all"}) for k in range(10)]
    scores = length_guessers(telling)
    assert scores["longest"] == 10 and scores["shortest"] == 0 and scores["chance"] == 5
    assert scores["longest"] > scores["chance"] + TOLERANCE


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_option_length_gives_the_answer_away(language):
    questions = [q for _, quiz_id, qs in QUIZZES for q in quiz.in_language(quiz_id, qs, language)]
    scores = length_guessers(questions)
    strictly = Counter()
    for q in questions:
        right, lengths = quiz.correct_option(q), {o: shown_length(t) for o, t in q["options"].items()}
        others = [n for o, n in lengths.items() if o != right]
        strictly["longest"] += lengths[right] > max(others)
        strictly["shortest"] += lengths[right] < min(others)
    figures = (f"{language}: {len(questions)} questions; right answers expected by clicking the "
               + ", ".join(f"{name} {score:.2f}" for name, score in scores.items())
               + f"; the right option is strictly the longest in {strictly['longest']}, "
               f"the shortest in {strictly['shortest']}")
    print(figures)
    for strategy in ("longest", "shortest", "in between"):
        assert scores[strategy] <= scores["chance"] + TOLERANCE, \
            f"clicking the {strategy} option beats guessing. {figures}. Rewrite options (make the " \
            "distractors as specific as the right answer) rather than padding them."


# --- what students get -----------------------------------------------------------------------

def _student_quiz_cells() -> list[tuple[str, str]]:
    """(where, source) of every quiz cell of the committed student versions, both editions."""
    folders = [ROOT / "lessons", ROOT / "lab", ROOT / "bn"]
    found = []
    for path in sorted(p for folder in folders for p in folder.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts):
        for cell in nbformat.read(str(path), as_version=4).cells:
            if cell.cell_type == "code" and "show_quiz(" in cell.source:
                found.append((f"{path.relative_to(ROOT).as_posix()} {grade_id(cell)}", cell.source))
    return found


STUDENT_QUIZ_CELLS = _student_quiz_cells()


def test_both_editions_have_every_quiz():
    assert len(STUDENT_QUIZ_CELLS) == 2 * len(QUIZZES)


@pytest.mark.parametrize(("where", "source"), STUDENT_QUIZ_CELLS, ids=[w for w, _ in STUDENT_QUIZ_CELLS])
def test_a_student_s_quiz_cell_shows_no_option_and_no_feedback(where, source):
    call = next(node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "show_quiz")
    quiz_id, packed = ast.literal_eval(call.args[0]), ast.literal_eval(call.args[1])
    assert isinstance(packed, str), f"{where}: the questions are not packed (instructor/authoring/quiz_cells.py)"
    assert quiz.unpack(packed) == SOURCE_QUIZZES[quiz_id], \
        f"{where}: differs from source/; regenerate it with python -m instructor build"
    for q in SOURCE_QUIZZES[quiz_id]:
        for text in [*q["feedback"].values(), *(t for t in q["options"].values() if len(t) >= 8)]:
            assert text not in source, f"{where}: {text!r} can be read in the cell"


def test_quiz_and_test_cells_are_collapsed_under_a_one_line_caption():
    from notebook_course import is_test_cell, student_notebooks

    for ref in student_notebooks():
        for cell in read_notebook(ref.student_path).cells:
            if is_test_cell(cell) or str(grade_id(cell) or "").startswith("quiz"):
                where = f"{ref.id} {grade_id(cell)}"
                assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, \
                    f"{where} should be collapsed (metadata.jupyter.source_hidden)"
                assert cell.source.startswith("# "), f"{where} should start with a caption comment"
