"""Every notebook runs, and every graded test is honest.

- Each source notebook executes top to bottom (run by nbval ``--nbval-lax`` in the README's test
  command, tests/nbval_runs.py, whose outputs these tests read; run here only when nbval did not
  run it in this session) and prints no warnings. Timings go to the terminal summary. (Model
  answers and recaps are generated from ``solutions/``: tests/test_one_source.py.)
- Each graded test cell passes on the source notebook and fails on the student version,
  judged by nbgrader's own Validator.
- The student version with the source's answers filled in autogrades to full marks; the
  untouched student version scores 0 on every autograded cell.
- Committed notebooks are clean (valid nbformat, no outputs, no execution counts) and use
  current APIs only.

The executions are the expensive part: each source notebook runs once (nbval's run, shared by
the execution, warning and Validator checks), each student version runs once per fake student
inside a single ``autograde`` per assignment (see ``notebook_course.TempCourse``).
"""

from __future__ import annotations

import re

import nbformat
import notebook_course as nc
import pytest

SOURCES = nc.source_notebooks()
GRADED = nc.graded_cell_params(SOURCES)
GRADED_IDS = [f"{ref.id}::{gid or 'unreadable'}" for ref, gid in GRADED]
AUTOGRADED_ASSIGNMENTS = sorted({ref.assignment for ref in SOURCES}, key=nc.assignment_rank)


def _readable(ref: nc.NotebookRef, gid: str | None) -> None:
    if gid is None:
        pytest.fail(f"{ref.id}: the source notebook is not valid notebook JSON; fix or remove "
                    f"{ref.source_path.relative_to(nc.ROOT)}.")


def _no_type_changes(ref: nc.NotebookRef, verdict: nc.ValidatorVerdict) -> None:
    assert not verdict.type_changed, (f"{ref.id}: cells whose type differs from their nbgrader "
                                      f"metadata: {verdict.type_changed}")


def _executed(course_run, ref: nc.NotebookRef) -> nc.ExecutedNotebook:
    executed = course_run.course(ref.assignment).execute_source(ref)
    if executed.crash:
        pytest.fail(f"{ref.id}: execution of the source notebook broke off: {executed.crash}")
    return executed


# --- 1. Source notebooks run -------------------------------------------------------------


@pytest.mark.parametrize("ref", SOURCES, ids=str)
def test_source_notebook_runs_top_to_bottom(ref, course_run):
    executed = _executed(course_run, ref)
    errors = nc.cell_errors(executed.nb)
    assert not errors, f"{ref.id}: {len(errors)} cell(s) raised when run top to bottom:\n" + \
        "\n\n".join(f"--- {label}:\n{error}" for label, error in errors)


@pytest.mark.parametrize("ref", SOURCES, ids=str)
def test_source_notebook_prints_no_warnings(ref, course_run):
    found = nc.warnings_in_outputs(_executed(course_run, ref).nb)
    assert not found, (f"{ref.id}: warnings on stderr (a deprecated API, an overflow...?); a "
                       "warning in a graded cell costs the student all its points:\n" +
                       "\n".join(f"--- {label}:\n{text}" for label, text in found))


@pytest.mark.parametrize("ref", SOURCES, ids=str)
def test_source_notebook_gives_a_correct_answer_the_right_verdicts(ref, course_run):
    """Run live on the answer key, every demo's printed verdict is right (the recordings are
    checked the same way in test_demos.py)."""
    from test_demos import wrong_for_a_correct_answer

    nb = _executed(course_run, ref).nb
    printed = {cell.get("id"): "".join(o.get("text", "") for o in cell.get("outputs", []))
               for cell in nb.cells if cell.cell_type == "code"}
    assert not wrong_for_a_correct_answer(printed), ref.id


# --- 2. Graded cells pass on the source, fail on the student version ---------------------


@pytest.mark.parametrize(("ref", "gid"), GRADED, ids=GRADED_IDS)
def test_graded_cell_passes_on_source(ref, gid, course_run):
    _readable(ref, gid)
    verdict = nc.validator_verdict(_executed(course_run, ref).path)
    _no_type_changes(ref, verdict)
    assert gid not in verdict.failed, (
        f"{ref.id}, graded cell {gid!r}: fails on the source notebook (with the model answers), "
        f"so no student can pass it. nbgrader's Validator says:\n{verdict.failed[gid]}")
    assert gid in verdict.passed, \
        f"{ref.id}, graded cell {gid!r}: the Validator did not report it as passed."


@pytest.mark.parametrize(("ref", "gid"), GRADED, ids=GRADED_IDS)
def test_graded_cell_fails_on_student_version(ref, gid, course_run):
    _readable(ref, gid)
    course = course_run.course(ref.assignment)
    run = course.autograde()
    # The blank student's submission is the generated student version, executed by autograde
    # (once, shared with the zero-score check below).
    executed = course.autograded_notebook(nc.BLANK, ref)
    if not executed.exists():
        pytest.fail(f"{ref.id}: autograde produced no notebook for the blank student:\n"
                    f"{run.logs[nc.BLANK]}")
    verdict = nc.validator_verdict(executed)
    _no_type_changes(ref, verdict)
    assert not verdict.changed, \
        f"{ref.id}: the Validator reports changed locked cells: {verdict.changed}"
    assert gid in verdict.failed, (
        f"{ref.id}, graded cell {gid!r}: passes on the student version, where every answer is "
        "still `raise NotImplementedError()`. A test that passes without the answer checks "
        "nothing: make it call the code the student writes.")


# --- 3. Autograde: full marks with the answers filled in, zero without -------------------


@pytest.mark.parametrize("assignment", AUTOGRADED_ASSIGNMENTS)
def test_autograde_runs_cleanly(assignment, course_run):
    run = course_run.course(assignment).autograde()
    for student in (nc.PERFECT, nc.BLANK):
        assert run.success[student], \
            f"nbgrader autograde {assignment} for {student!r} failed:\n{run.logs[student]}"


@pytest.mark.parametrize("ref", SOURCES, ids=str)
def test_answers_fill_into_student_version(ref, course_run):
    run = course_run.course(ref.assignment).autograde()
    problems = run.fill_problems.get(ref.name, {})
    assert not problems, (
        f"{ref.id}: could not put the source's answers into these answer cells of the student "
        "version (regenerate it with nbgrader generate_assignment, and keep code outside "
        "### BEGIN/END SOLUTION identical):\n"
        + "\n".join(f"- {g}: {why}" for g, why in problems.items()))


def _grade(course_run, ref, gid, student) -> nc.GradeRecord:
    _readable(ref, gid)
    run = course_run.course(ref.assignment).autograde()
    record = run.grades.get(student, {}).get(ref.name, {}).get(gid)
    if record is None:
        pytest.fail(f"{ref.id}, graded cell {gid!r}: no grade in the gradebook for student "
                    f"{student!r}; autograde said:\n{run.logs.get(student, '')}")
    return record


@pytest.mark.parametrize(("ref", "gid"), GRADED, ids=GRADED_IDS)
def test_filled_in_student_version_gets_full_marks(ref, gid, course_run):
    record = _grade(course_run, ref, gid, nc.PERFECT)
    fill = course_run.course(ref.assignment).autograde().fill_problems.get(ref.name, {})
    assert record.auto_score == record.max_score, (
        f"{ref.id}, graded cell {gid!r}: the student version with the source's answers filled in "
        f"scores {record.auto_score} of {record.max_score} when autograded."
        + (f" (These answers could not be filled in: {sorted(fill)}.)" if fill else ""))


@pytest.mark.parametrize(("ref", "gid"), GRADED, ids=GRADED_IDS)
def test_blank_student_version_scores_zero(ref, gid, course_run):
    record = _grade(course_run, ref, gid, nc.BLANK)
    assert record.auto_score == 0, (
        f"{ref.id}, graded cell {gid!r}: the untouched student version scores {record.auto_score} "
        f"of {record.max_score}; points must be earned by an answer.")


# --- 7. Committed notebooks are clean ------------------------------------------------------

COMMITTED = nc.committed_notebooks()
COMMITTED_IDS = [p.relative_to(nc.ROOT).as_posix() for p in COMMITTED]


@pytest.mark.parametrize("path", COMMITTED, ids=COMMITTED_IDS)
def test_committed_notebook_is_valid_and_has_no_outputs(path):
    where = path.relative_to(nc.ROOT).as_posix()
    nb = nc.read_notebook(path)
    nbformat.validate(nb)
    dirty = [f"cell {i}" for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{where}: {', '.join(dirty)} keep outputs or an execution count; commit "
                       "notebooks cleared (Edit > Clear Outputs of All Cells, or "
                       "`jupyter nbconvert --clear-output --inplace`).")
    assert "widgets" not in nb.metadata, \
        f"{where}: saved widget state in the notebook metadata; clear it."


# --- 8. Current APIs only --------------------------------------------------------------------

# Removed in NumPy 2 (or deprecated there), Matplotlib >= 3.7 (artist lists are immutable),
# classic-notebook backends that do not work in JupyterLab 4.
OUTDATED = {
    r"\bnp\.(NAN|NaN|Inf|Infinity|PINF|NINF|infty|float_|complex_|cfloat|longfloat|clongfloat|"
    r"longcomplex|singlecomplex|string_|unicode_|product|cumproduct|sometrue|alltrue|round_|"
    r"asfarray|find_common_type|cast|mat|msort|trapz|in1d|row_stack|issubclass_|safe_eval|"
    r"set_string_function|lookfor|who|source|deprecate)\b": "removed or deprecated in NumPy 2",
    r"\.(lines|patches|collections|images|texts|artists)\.(pop|remove|clear|append)\(":
        "artist lists are read-only since Matplotlib 3.7; call .remove() on the artist",
    r"\bcm\.get_cmap\(": "removed in Matplotlib 3.9; use matplotlib.colormaps[name]",
    r"style\.use\(\s*['\"]seaborn(['\"-](?!v0_8))":
        "renamed to 'seaborn-v0_8...' in Matplotlib 3.6",
    r"^\s*%matplotlib\s+(notebook|nbagg)\b":
        "does not work in JupyterLab 4; use %matplotlib inline",
    r"^\s*%pylab\b": "use explicit imports and %matplotlib inline",
    r"\btqdm_notebook\b": "use tqdm.auto (or coursekit.progress_bar)",
}


def _code_sources() -> list[tuple[str, list[tuple[str, str]]]]:
    """(file, [(where in the file, code)]) for every committed notebook and coursekit module."""
    sources = []
    for path in COMMITTED:
        try:
            cells = nc.read_notebook(path).cells
        except (OSError, ValueError, KeyError):  # reported by the nbformat test above
            continue
        code = [(f"cell {i}", c.source) for i, c in enumerate(cells) if c.cell_type == "code"]
        sources.append((path.relative_to(nc.ROOT).as_posix(), code))
    for path in sorted((nc.ROOT / "coursekit").rglob("*.py")):
        sources.append((path.relative_to(nc.ROOT).as_posix(),
                        [("", path.read_text(encoding="utf-8"))]))
    return sources


CODE_SOURCES = _code_sources()


@pytest.mark.parametrize(("where", "parts"), CODE_SOURCES, ids=[w for w, _ in CODE_SOURCES])
def test_code_uses_current_apis(where, parts):
    found = [f"{label} line {code.count(chr(10), 0, m.start()) + 1}: "
             f"{m.group(0).strip()!r} ({why})".lstrip()
             for label, code in parts
             for pattern, why in OUTDATED.items()
             for m in re.finditer(pattern, code, re.MULTILINE)]
    assert not found, f"{where} uses outdated APIs:\n" + "\n".join(found)
