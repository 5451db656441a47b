"""No answer-key code reaches what students receive: ``lessons/lesson1/`` ... ``lessons/lesson5/``, ``lab/``, ``coursekit/``.

- Nothing shipped imports ``solutions`` (and no notebook does, sources included: AUTHORING.md).
- No file of ``solutions/`` is copied into a shipped folder.
- The lab's student version implements no framework: every ``backward`` is a stub.
- ``coursekit`` (installed for students from day one) does no exercise's work: every exercise's
  test cell, hidden tests included, fails for every answer that only calls coursekit
  (``answer_cheats.py`` builds those answers and runs the tests against them).
- A student notebook has no function whose body is an answer of this or a later lesson
  (lessons are released in order, so a recap may only show answers whose deadline has passed),
  and none that copies an answer of ``solutions/`` (code between its solution markers) unless an
  earlier notebook showed it already. The lab comes after all lessons: lessons may show what the
  lab asks students to bring (their own framework).

For notebooks, bodies are compared as ASTs (``ast.dump``, docstring dropped, parameters renamed by position),
so reformatting or renaming ``grad_out`` does not hide a copy. Small bodies give nothing away:
an exercise's answer counts from ``MIN_ANSWER_SIZE`` AST nodes (``return grad * self.positive``),
a function of ``solutions/`` from ``MIN_KEY_SIZE`` (plumbing such as ``return [self.W, self.b]``
or ``return f"{type(self).__name__}()"`` is not an answer unless an exercise asks for it).
"""

from __future__ import annotations

import ast
from functools import cache

import answer_cheats
import notebook_course as nc
import pytest

from instructor.authoring import answers, layout

MIN_ANSWER_SIZE = 6  # `return grad_out * self.positive` (ReLU.backward) has 6 nodes
MIN_KEY_SIZE = 10  # above `return self.forward(x).argmax(axis=1)` (9 nodes)
SOLUTIONS = nc.ROOT / "solutions"
COURSEKIT = nc.ROOT / "coursekit"


def _shipped_files() -> list:
    """Files students receive: the release folders and the toolkit."""
    files = []
    for assignment in nc.assignments():
        files += nc.tree_files(nc.ROOT / layout.student_folder(assignment), nc.markers().ignore).values()
    files += sorted(p for p in COURSEKIT.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files


SHIPPED = _shipped_files()
CODE_FILES = [p for p in SHIPPED if p.suffix in (".py", ".ipynb")] + \
    [ref.source_path for ref in nc.source_notebooks()]


def _rel(path) -> str:
    return path.relative_to(nc.ROOT).as_posix()


@pytest.mark.parametrize("path", CODE_FILES, ids=[_rel(p) for p in CODE_FILES])
def test_code_does_not_import_the_answer_key(path):
    found = []
    if path.suffix == ".py":
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = [f"imports {imp}" for imp in nc.imports_solutions(tree)]
    else:
        nb = nc.read_notebook(path)
        for index, label, tree in nc.code_cell_trees(nb):
            imports = (nc.text_imports_solutions(nb.cells[index].source)
                       if isinstance(tree, SyntaxError) else nc.imports_solutions(tree))
            found += [f"{label} imports {imp}" for imp in imports]
    assert not found, (f"{_rel(path)} uses the answer key `solutions`, which students never get "
                       "(and tests must not lean on): " + "; ".join(found))


def test_no_solutions_file_is_copied_into_shipped_folders():
    originals = {nc.normalise_text(p.read_text(encoding="utf-8")): _rel(p)
                 for p in sorted(SOLUTIONS.rglob("*.py")) if p.read_text(encoding="utf-8").strip()}
    copies = []
    for path in SHIPPED:
        if "solutions" in path.relative_to(nc.ROOT).parts[1:]:
            copies.append(f"{_rel(path)} (a folder named solutions)")
            continue
        try:
            text = nc.normalise_text(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
        if text in originals:
            copies.append(f"{_rel(path)} is a copy of {originals[text]}")
    assert not copies, "answer-key files in what students receive:\n" + "\n".join(copies)


LAB_STUDENTS = nc.student_notebooks("lab")


@pytest.mark.parametrize("ref", LAB_STUDENTS, ids=str)
def test_lab_student_version_implements_no_framework(ref):
    nb = nc.read_notebook(ref.student_path)
    implemented = []
    for index, label, tree in nc.code_cell_trees(nb):
        if isinstance(tree, SyntaxError):
            implemented.append(f"{label} does not parse: {tree}")
            continue
        if nc.is_test_cell(nb.cells[index]):
            continue  # stand-ins inside a test cell (AUTHORING.md) are test doubles
        for node, body in nc.function_bodies(tree, label):
            if node.name == "backward" and not answers.is_stub(node):
                implemented.append(body.where)
    assert not implemented, (f"{ref.id}: the lab's student version implements backward in "
                             f"{implemented}; students bring their own framework (keep only "
                             "`raise NotImplementedError()` stubs).")


# --- Function bodies ------------------------------------------------------------------------


@cache
def solutions_bodies() -> dict[str, str]:
    """Answers in the answer key: its functions around a ``### BEGIN SOLUTION`` region (the rest
    of solutions/, such as input checks and class skeletons, is code the lessons provide)."""
    answers = {}
    for path in sorted(SOLUTIONS.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        for node, body in nc.function_bodies(ast.parse(text), path.relative_to(nc.ROOT).as_posix()):
            # The syntax tree ends at the last statement; the END marker comment comes after it.
            region = lines[node.lineno - 1:node.end_lineno + 1]
            if body.size >= MIN_KEY_SIZE and any(nc.markers().begin_solution in line for line in region):
                answers[body.dump] = body.where
    return answers


@cache
def source_nb(ref: nc.NotebookRef) -> dict | None:
    try:
        return nc.read_notebook(ref.source_path)
    except (OSError, ValueError, KeyError):  # unreadable: test_notebooks.py reports it
        return None


@cache
def answers_of(ref: nc.NotebookRef) -> dict[str, str]:
    nb = source_nb(ref)
    return {} if nb is None else {b.dump: b.where for b in nc.answer_bodies(nb, f"source/{ref.id}")
                                  if b.size >= MIN_ANSWER_SIZE}


@cache
def functions_of_source(ref: nc.NotebookRef) -> set[str]:
    """Bodies and qualified names of every function a source notebook shows or asks for."""
    nb = source_nb(ref)
    bodies = [] if nb is None else nc.notebook_bodies(nb, ref.id)
    return {b.dump for b in bodies} | {b.qualname for b in bodies}


@pytest.fixture(scope="module")
def cheat_probes(request, tmp_path_factory):
    """Probes of the notebooks whose exercises this session selected (each runs once)."""
    selected = {item.callspec.params["exercise"].notebook for item in request.session.items
                if "exercise" in getattr(getattr(item, "callspec", None), "params", {})}
    return answer_cheats.CheatProbes(tmp_path_factory.mktemp("cheat-probes"), selected)


EXERCISES = [exercise for ref in nc.source_notebooks() for exercise in answer_cheats.exercises(ref)]


@pytest.mark.parametrize("exercise", EXERCISES, ids=str)
def test_no_exercise_passes_with_an_answer_that_only_calls_coursekit(exercise, cheat_probes):
    """coursekit ships to students from day one, so none of it may earn an exercise's points."""
    summary = cheat_probes.summary(exercise.notebook)
    result = summary["exercises"].get(exercise.grade_id)
    assert result is not None, (f"{exercise} was not probed: the run of {exercise.notebook} stopped "
                                f"early. {summary.get('crash') or summary.get('other_errors')}")
    assert result["control_error"] is None, (
        f"{exercise}: with the real answer, the test cell {exercise.test_grade_id} fails in the "
        f"probe ({result['control_error']}), so the probe proves nothing; other cells that failed "
        f"before it: {summary['other_errors']}")
    probes = result["functions"]
    tested = {name: probe for name, probe in probes.items()
              if not probe["unreachable"] and probe["stub_error"] is not None}
    assert tested, (f"{exercise}: the test cell {exercise.test_grade_id} passes with every function "
                    f"of the exercise stubbed out ({sorted(probes)}; "
                    f"{ {n: p['unreachable'] for n, p in probes.items() if p['unreachable']} }), "
                    "so it grades nothing")
    leaks = [f"{name} = {cheat}" for name, probe in tested.items() for cheat in probe["passed"]]
    assert not leaks, (
        f"{exercise}: its test cell {exercise.test_grade_id} (hidden tests included) passes with "
        f"an answer that only calls coursekit, which students have from day one:\n  "
        + "\n  ".join(leaks) + "\nKeep coursekit free of anything that does an exercise's work "
        "(make such a helper part of the exercise, or private to the tool that needs it, with an "
        "interface the exercise's tests reject).")
    slow = [f"{name} = {cheat}" for name, probe in tested.items() for cheat in probe["timed_out"]]
    assert not slow, (f"{exercise}: these cheats ran over {answer_cheats.CHEAT_TIMEOUT_SECONDS} s, "
                      "so the probe cannot say whether they pass:\n  " + "\n  ".join(slow))
    assert all(probe["cheats_run"] for probe in tested.values())


STUDENTS = nc.student_notebooks()
LAB = "lab"  # comes after every lesson and asks students to bring the framework they built


@pytest.mark.parametrize("ref", STUDENTS, ids=str)
def test_student_notebook_contains_no_answer_code(ref):
    position = nc.course_position(ref)
    sources = nc.source_notebooks()
    now_or_later = {}
    for other in sources:
        # Lessons may show the lab's answers (the framework students bring to it); nothing else
        # may show answers of itself or of a notebook that comes later.
        if nc.course_position(other) >= position and (other.assignment != LAB
                                                       or ref.assignment == LAB):
            now_or_later.update(answers_of(other))
    # A recap may show code for what earlier notebooks covered: their functions (answers
    # included), by body or by name (e.g. a recap of CrossEntropyLoss.backward written like
    # solutions/ rather than like the earlier lesson's answer).
    recap_allowed = set().union(*(functions_of_source(other) for other in sources
                                  if nc.course_position(other) < position))
    lab_answers = set().union(*(answers_of(other) for other in sources if other.assignment == LAB))
    nb = nc.read_notebook(ref.student_path)
    found = []
    for body in nc.notebook_bodies(nb, ref.id):
        if body.size < MIN_ANSWER_SIZE:
            continue
        if body.dump in now_or_later:
            found.append(f"{body.where} is the answer {now_or_later[body.dump]}")
        elif (body.dump in solutions_bodies() and not {body.dump, body.qualname} & recap_allowed
              and not (ref.assignment != LAB and body.dump in lab_answers)):
            found.append(f"{body.where} copies the answer key {solutions_bodies()[body.dump]}")
    assert not found, f"{ref.id} gives answers away:\n" + "\n".join(found)
