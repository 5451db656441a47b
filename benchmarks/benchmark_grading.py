"""Autograding speed: seconds per lab submission, serial vs --jobs 2 vs a two-worker Dask cluster.

Builds a throwaway course (never the repository) with the MNIST lab and N submissions in a
realistic mix (40 by default: 16 perfect, 10 partial, 8 blank, 5 with an error, 1 endless
loop), then times ``python -m instructor autograde lab --force``

- serially (``--jobs 1``), with ``--jobs 2``, and on a Dask cluster of two worker processes
  started from the command line as the instructors' guide says (``dask scheduler``, ``dask
  worker``, ``--scheduler``), every notebook in its own bubblewrap sandbox; each run's grades
  are compared with the serial run's, cell by cell;
- and, for one perfect submission, the sandboxed run against nbgrader's own ``Execute`` in an
  unsandboxed kernel (the cost of the sandbox and the judge for an honest submission).

Prints the figures side by side. Run from the repository root:

    .venv/bin/python benchmarks/benchmark_grading.py              # 40 submissions (long)
    .venv/bin/python benchmarks/benchmark_grading.py --submissions 8
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import dask_cli

from instructor import cli
from instructor.grading import grade

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MIX = (("perfect", 16), ("partial", 10), ("blank", 8), ("error", 5), ("loop", 1))


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _strip(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def _submissions(release, source, count: int) -> dict[str, nbformat.NotebookNode]:
    answers = {_meta(c)["grade_id"]: _strip(c.source) for c in source.cells
               if _meta(c).get("solution") and c.cell_type == "code"}
    ordered = [_meta(c)["grade_id"] for c in release.cells
               if _meta(c).get("solution") and c.cell_type == "code"]

    def filled(chosen: dict[str, str]):
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            if _meta(cell).get("grade_id") in chosen:
                cell.source = chosen[_meta(cell)["grade_id"]]
        return nb

    kinds = {
        "perfect": lambda: filled(answers),
        "partial": lambda: filled({g: s for g, s in answers.items() if g != ordered[-1]}),
        "blank": lambda: copy.deepcopy(release),
        "error": lambda: filled({**answers, ordered[0]: "raise RuntimeError('my code is broken')"}),
        "loop": lambda: filled({**answers, ordered[1]: answers[ordered[1]].replace(
            "def forward(self, x):", "def forward(self, x):\n        while True:\n            pass", 1)}),
    }
    scale = count / sum(n for _, n in MIX)
    plan = [(kind, max(1, round(n * scale))) for kind, n in MIX]
    result, index = {}, 0
    for kind, n in plan:
        for _ in range(n):
            if index < count:
                result[f"s{index:03d}_{kind}"] = kinds[kind]()
                index += 1
    return result


def _course(root: Path) -> grade.Course:
    root.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "source" / "lab", root / "source" / "lab", ignore=ignore)
    course = grade.Course.load(root)
    code, output = grade.run_nbgrader(course, ["generate_assignment", "lab", "--force"])
    if code:
        raise SystemExit(output[-3000:])
    return course


def _autograde(course: grade.Course, *extra: str) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        cli.main(["--course", str(course.root), "autograde", "lab", "--force", "--cpu-limit", "20", *extra])
    return time.perf_counter() - started


def _plain_nbgrader(course: grade.Course, student: str) -> float:
    """Today's engine without the sandbox: nbgrader's Execute in an ordinary kernel."""
    config = course.root / "nbgrader_config.py"
    text = config.read_text()
    sandboxed = '"instructor.grading.preprocessors.SandboxedExecute"'
    if sandboxed not in text:  # else this would time the sandbox against itself
        raise SystemExit(f"nbgrader_config.py no longer names {sandboxed}: update the benchmark")
    config.write_text(text.replace('"instructor.grading.preprocessors.SandboxedExecute"', '"nbgrader.preprocessors.Execute"'))
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "lab", "--force",
                        f"--CourseDirectory.student_id={student}"], cwd=course.root,
                       capture_output=True, check=True, env=grade.nbgrader_env())
        return time.perf_counter() - started
    finally:
        config.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as tmp:
        for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR",
                         "MPLCONFIGDIR"):
            os.environ.setdefault(variable, str(Path(tmp) / variable.lower()))
        course = _course(Path(tmp) / "course")
        release = nbformat.read(course.root / "lab" / "mnist_lab.ipynb", as_version=4)
        source = nbformat.read(course.root / "source" / "lab" / "mnist_lab.ipynb", as_version=4)
        batch = _submissions(release, source, args.submissions)
        for student, nb in batch.items():
            folder = course.path("submitted", student, "lab")
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / "mnist_lab.ipynb")
        n = len(batch)
        print(f"{n} lab submissions: " + ", ".join(
            f"{sum(1 for s in batch if s.endswith(kind))} {kind}" for kind, _ in MIX))

        honest = next(s for s in batch if s.endswith("perfect"))
        plain = _plain_nbgrader(course, honest)
        sandboxed = _autograde(course, "--jobs", "1", "--student", honest)
        print(f"one honest submission, whole command: nbgrader Execute (no sandbox) {plain:.1f} s, "
              f"sandbox + judge {sandboxed:.1f} s ({sandboxed / plain:.2f}x)")

        rows = [("serial (--jobs 1)", _autograde(course, "--jobs", "1"), dask_cli.grades(course, "lab"))]
        rows.append(("--jobs 2", _autograde(course, "--jobs", "2"), dask_cli.grades(course, "lab")))
        if not args.skip_dask:
            folder = Path(tmp) / "dask"
            folder.mkdir()
            with dask_cli.cluster(folder, workers=2) as address:
                rows.append(("Dask CLI cluster, 2 workers", _autograde(course, "--scheduler", address),
                             dask_cli.grades(course, "lab")))
        serial, expected = rows[0][1], rows[0][2]
        print(f"\n{'how':<30} {'total':>9} {'per submission':>15} {'speed-up':>9}  grades")
        for name, seconds, grades in rows:
            same = "identical" if grades == expected else "DIFFERENT from the serial run's"
            print(f"{name:<30} {seconds:8.1f}s {seconds / n:14.1f}s {serial / seconds:8.2f}x  {same}")
        print(f"\n({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
