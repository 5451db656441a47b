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


def test_quick_start_opens_the_first_lesson_in_jupyterlab_at_the_course_root():
    setup = readme_command("setup-command")
    assert setup.startswith("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt")
    lesson = first_lesson()
    assert (ROOT / lesson).is_file(), f"the quick start opens {lesson}, which does not exist"
    assert lesson.startswith("lesson1/") and "01_" in lesson
    # Served from the root, not the lesson's folder, so the lab and the READMEs are reachable;
    # --allow-root: many containers run as root, where JupyterLab otherwise refuses to start.
    assert {"--ServerApp.root_dir=.", "--allow-root"} <= set(jupyter_step())


def test_the_bengali_readme_gives_the_same_commands_opening_the_bengali_first_lesson():
    english, bengali = (ROOT / "README.md").read_text(encoding="utf-8"), (ROOT / "README.bn.md").read_text(encoding="utf-8")
    assert english.startswith("English | [বাংলা](README.bn.md)\n")
    assert bengali.startswith("[English](README.md) | বাংলা\n")
    lesson = first_lesson()
    setup = readme_command("setup-command", readme="README.bn.md")
    assert setup == readme_command("setup-command").replace(f" {lesson}", f" bn/{lesson}")
    assert (ROOT / "bn" / lesson).is_file()
    assert readme_command("test-command", readme="README.bn.md") == readme_command("test-command")


def test_ci_runs_the_readme_test_command_verbatim():
    script = (ROOT / ".ci" / "run").read_text()
    assert "command_after test-command" in script and 'eval "$tests"' in script
    assert readme_command("test-command") == ".venv/bin/python -m pytest"


def test_every_requirement_is_pinned():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    packages = [line for line in lines if line and not line.startswith("-e")]
    assert packages and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", p) for p in packages), packages


def test_only_the_toolkit_and_the_graders_helpers_are_installable():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "coursekit", "coursekit.*", "graders", "graders.*"]


def test_the_toolkit_never_imports_the_answer_key():
    for path in (ROOT / "coursekit").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+solutions\b", path.read_text(), re.M), path


def test_no_tracked_file_is_large_or_holds_notebook_outputs():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
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


def test_benchmark_runs_and_prints_its_table():
    """A smoke run (seconds, no timing asserted): the benchmark must not rot."""
    import sys

    result = subprocess.run([sys.executable, "benchmarks/benchmark_training.py", "--quick"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for expected in ("matmul rate", "784-128-10", "784-256-128-10", "x floor", "test accuracy"):
        assert expected in result.stdout, result.stdout
