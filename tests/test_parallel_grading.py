"""Parallel grading: ``--jobs 2`` and a two-worker Dask LocalCluster give a serial run's grades.

The small assignment of ``test_grading_attacks.py`` with five submissions (perfect, blank, half
right, not even valid Python, and a crasher) is graded serially, then with two jobs, then on a
Dask cluster of two worker processes on loopback, started as the docs say (``dask scheduler``,
``dask worker``, in another folder and with no PYTHONPATH: ``instructor`` must be installed);
the gradebook must hold identical grades, cell by cell, each time. Then one student is regraded alone (``--student``)
and the class report must still list everyone.

The crasher's sandbox sends the judge a request with a large answer and exits at once, so the
judge's answer meets a closed pipe (``BrokenPipeError``): that student alone is reported, as
stopped with the reason, and everyone else is graded and recorded, in every mode.
"""

from __future__ import annotations

import csv
import re
import shutil

import dask_cli
import nbformat
import pytest
from tiny_assignment import (
    ASSIGNMENT,
    NOTEBOOK,
    POINTS,
    REPO,
    cli_run,
    perfect_submission,
    source_notebook,
)

from instructor import cli
from instructor.grading import grade

HALF = '''\
class Scaler:
    def __init__(self, factor):
        self.factor = factor

    def forward(self, x):
        return x + self.factor  # wrong


def safe_log(x):
    x = np.asarray(x, dtype=float)
    if (x <= 0).any():
        raise ValueError("positive numbers only")
    return np.log(x)
'''


# Asks the judge for a large answer (more than a pipe holds), then leaves without reading it.
CRASH = '''\
import gc, json, os, struct
endpoint = next(o for o in gc.get_objects() if type(o).__name__ == "Endpoint")
request = json.dumps({"op": "deepcopy", "target": {"l": list(range(200_000))}, "args": []}).encode()
os.write(endpoint.write_fd, struct.pack(">II", len(request), 0) + request)
os._exit(0)
'''
STUDENTS = {"perfect": sum(POINTS.values()), "blank": 0.0, "half": POINTS["tests-log"],
            "syntax_error": 0.0, "crasher": 0.0}


def _grades(course: grade.Course) -> dict[str, dict[str, float | None]]:
    return dask_cli.grades(course, ASSIGNMENT)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    pytest.importorskip("distributed")
    root = tmp_path_factory.mktemp("parallel") / "course"
    (root / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "instructor", root / "instructor", ignore=shutil.ignore_patterns("__pycache__"))
    nbformat.write(source_notebook(), root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    course = grade.Course.load(root)
    code, output = grade.run_nbgrader(course, ["generate_assignment", ASSIGNMENT, "--force"])
    assert code == 0, output[-3000:]
    release = nbformat.read(root / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    half = nbformat.from_dict(nbformat.reads(nbformat.writes(release), as_version=4))
    broken = nbformat.from_dict(nbformat.reads(nbformat.writes(release), as_version=4))
    for nb, source in ((half, HALF), (broken, "def (:\n")):
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "answer":
                cell.source = source
    crasher = perfect_submission(release)
    crasher.cells.insert(3, nbformat.v4.new_code_cell(CRASH))  # after the answer, before the tests
    for student, nb in {"perfect": perfect_submission(release), "blank": release, "half": half,
                        "syntax_error": broken, "crasher": crasher}.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")

    results = {}
    for name, extra in (("serial", ["--jobs", "1"]), ("jobs", ["--jobs", "2"])):
        code, output = cli_run("--course", str(root), "autograde", ASSIGNMENT, "--force", *extra)
        results[name] = (code, output, _grades(course))
    results["report"] = _report(root)
    results["export"] = cli_run("--course", str(root), "export", "--to", str(root / "grades.csv"))
    with dask_cli.cluster(tmp_path_factory.mktemp("dask")) as address:
        code, output = cli_run("--course", str(root), "autograde", ASSIGNMENT, "--force",
                               "--scheduler", address)
        results["dask"] = (code, output, _grades(course))
    code, output = cli_run("--course", str(root), "autograde", ASSIGNMENT, "--force", "--student", "blank")
    results["one"] = (code, output, _grades(course))
    code, output = cli_run("--course", str(root), "autograde", ASSIGNMENT, "--force", "--jobs", "1",
                           "--no-sandbox", "--student", "perfect", "--student", "half")
    results["unsandboxed"] = (code, output, _grades(course))
    return root, results


def _report(root) -> dict[str, dict[str, str]]:
    with open(root / "autograded" / f"report-{ASSIGNMENT}.csv", newline="") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def test_jobs_and_dask_grade_exactly_like_a_serial_run(runs):
    _, results = runs
    serial = results["serial"][2]
    assert {s: sum(g.values()) for s, g in serial.items()} == STUDENTS, serial
    for name in ("jobs", "dask"):
        assert results[name][2] == serial, (name, results[name][1])


def test_a_crashing_sandbox_is_its_students_failure_alone(runs):
    root, results = runs
    for name in ("serial", "jobs", "dask"):
        code, output, grades = results[name]
        assert code == cli.ATTENTION, output  # someone needs attention: the crasher
        assert set(grades) == set(STUDENTS), output  # everyone else recorded too
        assert "4 graded, 1 failed" in output and "crasher: stopped" in output, output
    crasher = results["report"]["crasher"]
    assert crasher["status"] == "stopped" and "the notebook's process ended" in crasher["detail"], crasher
    assert {s: r["status"] for s, r in results["report"].items() if s != "crasher"} == dict.fromkeys(
        set(STUDENTS) - {"crasher"}, "graded")
    code, output = results["export"]
    with open(root / "grades.csv", newline="") as handle:
        exported = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}
    assert exported == STUDENTS, output


def test_progress_is_streamed_one_line_per_student(runs):
    _, results = runs
    for name in ("serial", "jobs", "dask"):
        lines = [line for line in results[name][1].splitlines() if line.startswith("[")]
        assert len(lines) == 5, results[name][1]
        assert re.fullmatch(r"\[1/5\] \w+  (\d+/3|failed)  \d+ s  ETA about \d+ (s|min).*", lines[0]), lines
        assert re.fullmatch(r"\[5/5\] \w+  (\d+/3|failed)  \d+ s(?!  ETA).*", lines[-1]), lines
    assert "on the Dask cluster tcp://127.0.0.1:" in results["dask"][1]


def test_no_sandbox_grades_the_same_and_says_so(runs):
    root, results = runs
    assert results["unsandboxed"][2] == results["serial"][2]
    assert "(NO SANDBOX)" in results["unsandboxed"][1]
    rows = _report(root)
    assert "graded without a sandbox" in rows["perfect"]["sandbox"]
    assert "graded without a sandbox" not in rows["blank"]["sandbox"]


def test_regrading_one_student_keeps_the_class_report(runs):
    root, results = runs
    assert results["one"][2] == results["serial"][2]
    rows = _report(root)
    assert set(rows) == set(STUDENTS)
    assert float(rows["perfect"]["autograded_score"]) == sum(POINTS.values())
    log = (root / "autograded" / f"autograde-{ASSIGNMENT}.log").read_text()
    assert re.search(r"^\[1/1\] blank  0/3  \d+ s$", log, re.MULTILINE), log[-2000:]


def test_a_result_that_cannot_be_recorded_is_its_students_failure_alone(runs, tmp_path, monkeypatch):
    """Each result is recorded in this process as it arrives: a worker's failed result and a
    malformed one fail their students, with the reason; the student between them is recorded."""
    from instructor.grading import execution

    root = shutil.copytree(runs[0], tmp_path / "course")
    run_for_real = execution.execute_task

    def worker(task):
        if task.student == "blank":
            return execution.failed_result(task, "its worker process failed: BrokenProcessPool")
        if task.student == "half":  # no outputs by cell: nbgrader's preprocessors cannot use it
            return execution.Result(task.student, task.notebook, None, [], [], 0.1)
        return run_for_real(task)

    monkeypatch.setattr(execution, "execute_task", worker)
    lines = []
    reports = {r.student: r for r in grade.autograde(grade.Course.load(root), ASSIGNMENT, force=True,
                                                     jobs=1, students=["blank", "perfect", "half"],
                                                     echo=lines.append)}
    assert reports["blank"].status == "failed" and "BrokenProcessPool" in reports["blank"].detail, lines
    assert reports["half"].status == "failed" and "AttributeError" in reports["half"].detail, lines
    assert reports["perfect"].status == "graded", lines
    assert _grades(grade.Course.load(root))["perfect"] == runs[1]["serial"][2]["perfect"]
    assert not (root / "autograded" / "half" / ASSIGNMENT).exists()  # nothing half-written is kept
    assert set(_report(root)) == set(STUDENTS)


def test_a_test_cell_the_worker_never_ran_scores_nothing():
    """nbgrader gives a test cell without outputs full marks: a result that lacks a test cell's
    outputs (a worker cut short) must not earn its points."""
    from nbgrader.utils import determine_grade
    from tiny_assignment import grading_task, submission

    from instructor.grading import execution, preprocessors, sandbox

    task = grading_task(submission(), sandbox.Limits())
    nb = nbformat.reads(task.notebook_json, as_version=4)
    ran = execution.Result(task.student, task.notebook, {0: []}, [], [], 0.1)
    nb, _ = preprocessors.SandboxedExecute().preprocess(nb, {preprocessors.RESULT: ran})
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in POINTS]
    assert tests and all(determine_grade(cell)[0] == 0 for cell in tests), tests


def test_the_estimate_reads_earlier_timings_then_this_runs_over_the_jobs_running():
    from instructor.grading.parallel import Estimate, about

    estimate = Estimate(["bo", "cy", "new", "ana"], {"ana": 12.0, "bo": 95.0, "cy": 30.0}, slots=2)
    assert estimate.seconds_left() == (95 + 30 + 30 + 12) / 2  # never timed: the earlier median
    estimate.done("bo", 100.0)
    assert estimate.seconds_left() == (30 + 100 + 12) / 2  # never timed: this run's median now
    estimate.done("cy", 28.0)
    estimate.done("new", 40.0)
    assert estimate.seconds_left() == 12.0  # the last one runs alone: not divided by two jobs
    estimate.done("ana", 11.0)
    assert estimate.seconds_left() == 0.0
    first = Estimate(["a", "b", "c"], {}, slots=2)
    assert first.seconds_left() is None  # a first grading: nothing to go on yet
    first.done("a", None)  # failed before it ran: says nothing about the others
    assert first.seconds_left() is None
    first.done("b", 50.0)
    assert first.seconds_left() == 50.0
    assert [about(s) for s in (3, 44, 100, 3000, 4 * 3600 + 600)] == [
        "about 10 s", "about 40 s", "about 2 min", "about 50 min", "about 4 h"]


def test_the_slowest_at_the_last_grading_go_first():
    """So that no slow notebook runs alone at the end; students never timed count as typical."""
    from instructor.grading.parallel import longest_first

    seconds = {"ana": 12.0, "bo": 95.0, "cy": 30.0}
    assert longest_first(["ana", "bo", "cy", "new"], seconds) == ["bo", "cy", "new", "ana"]
    assert longest_first(["ana", "new", "bo"], {}) == ["ana", "new", "bo"]  # first grading: as given


def test_a_regrade_reads_the_timings_of_the_last_grading(runs):
    from instructor.grading.grade import Course, earlier_seconds

    root, _ = runs
    seconds = earlier_seconds(Course.load(root), ASSIGNMENT)
    report = _report(root)
    assert seconds and all(seconds[s] == float(report[s]["seconds"]) for s in seconds)
    assert set(seconds) <= set(STUDENTS)
