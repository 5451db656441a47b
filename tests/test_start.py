"""start.py, the students' one line on every system: what it makes, installs, opens and says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from readme import start_module

ROOT = Path(__file__).resolve().parents[1]
start = start_module()


def test_the_environment_s_python_is_where_each_system_puts_it():
    assert start.venv_python(Path("env"), windows=True) == Path("env", "Scripts", "python.exe")
    assert start.venv_python(Path("env"), windows=False) == Path("env", "bin", "python")


@pytest.mark.parametrize("version", [(3, 9, 7), (3, 10, 12)])
def test_an_old_python_is_told_what_to_install(version):
    with pytest.raises(start.SetupError, match=r"needs Python 3\.11 or newer.*python\.org"):
        start.check_python(version)


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 15, 0)])
def test_a_current_python_goes_ahead(version):
    start.check_python(version)


def test_lessons_open_in_order_before_the_lab(tmp_path):
    for relative in ["lab/mnist_lab.ipynb", "lessons/lesson10/a.ipynb", "lessons/lesson2/b.ipynb",
                     "lessons/lesson2/.ipynb_checkpoints/b-checkpoint.ipynb"]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("{}", encoding="utf-8")
    assert start.first_notebook(tmp_path) == tmp_path / "lessons" / "lesson2" / "b.ipynb"
    shutil.rmtree(tmp_path / "lessons")
    assert start.first_notebook(tmp_path) == tmp_path / "lab" / "mnist_lab.ipynb"  # a lab-only handout


def test_the_course_and_its_bengali_edition_open_their_first_lesson():
    assert start.what_to_open(ROOT, None) == ROOT / "lessons" / "lesson1" / "01_loss_functions.ipynb"
    assert start.what_to_open(ROOT, "bn") == ROOT / "bn" / "lessons" / "lesson1" / "01_loss_functions.ipynb"
    with pytest.raises(start.SetupError, match="does not exist"):
        start.what_to_open(ROOT, "bengali")


def test_students_jupyterlab_has_validate_but_no_instructor_tools_and_no_news_question(tmp_path):
    import json

    folder = start.student_settings(tmp_path / ".venv")
    disabled = json.loads((folder / "page_config.json").read_text(encoding="utf-8"))["disabledExtensions"]
    assert {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:menu"} <= set(disabled)
    assert not any("validate" in name for name in disabled)
    overrides = json.loads((folder / "overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Markdown Preview"}
    notebook = ROOT / "lessons" / "lesson1" / "01_loss_functions.ipynb"
    command = start.jupyter_command(Path("py"), ROOT, notebook, as_root=False, settings=folder)
    assert command[-2:] == [f"--LabApp.app_settings_dir={folder}",
                            f"--ServerApp.config_file={ROOT / start.STUDENT_SERVER_CONFIG}"]


def test_students_server_hands_out_notebooks_in_this_python_s_language(tmp_path):
    """JupyterLab marks a notebook changed when its kernel's language_info (with the exact Python
    version) differs from the notebook's; the students' server hands notebooks of the
    environment's kernel out with this Python's (the browser test checks the mark itself)."""
    import asyncio
    import platform

    import nbformat
    from traitlets.config.loader import PyFileConfigLoader

    config_file = ROOT / start.STUDENT_SERVER_CONFIG
    config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config()
    assert {name for name, on in config.ServerApp.jpserver_extensions.items() if not on} == {
        f"nbgrader.server_extensions.{n}" for n in ("formgrader", "assignment_list", "course_list")}
    manager = config.ServerApp.contents_manager_class(root_dir=str(tmp_path))
    shipped = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python", "version": "3.11"}})
    nbformat.write(shipped, str(tmp_path / "lesson.ipynb"))
    other = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "ir", "display_name": "R"},
                                               "language_info": {"name": "R"}})
    nbformat.write(other, str(tmp_path / "other.ipynb"))

    handed_out = asyncio.run(manager.get("lesson.ipynb"))["content"]["metadata"]["language_info"]
    assert handed_out["name"] == "python" and handed_out["version"] == platform.python_version()
    assert asyncio.run(manager.get("other.ipynb"))["content"]["metadata"]["language_info"] == {"name": "R"}
    assert nbformat.read(str(tmp_path / "lesson.ipynb"), as_version=4) == shipped  # the file is left alone


def _run(course: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(course / "start.py"), *args], cwd=course,
                          capture_output=True, text=True, timeout=300, env={**os.environ, **env}, check=False)


def test_set_up_makes_the_environment_once_and_installs_only_what_changed(tmp_path):
    """The real script on a course with nothing to install: a venv, a record of what was
    installed, nothing done twice; a failed install says what to do and is tried again."""
    course = tmp_path / "course with spaces"
    course.mkdir()
    shutil.copy(ROOT / "start.py", course)
    (course / "requirements.txt").write_text("# nothing to install\n", encoding="utf-8")
    first = _run(course, "--setup-only")
    assert first.returncode == 0, first.stderr
    assert "Making a virtual environment" in first.stdout and "Installing" in first.stdout
    assert start.venv_python(course / ".venv").is_file()
    again = _run(course, "--setup-only")
    assert again.returncode == 0 and "Installing" not in again.stdout and "Ready" in again.stdout

    (course / "requirements.txt").write_text("no-such-package-for-this-course\n", encoding="utf-8")
    failed = _run(course, "--setup-only", PIP_NO_INDEX="1", PIP_FIND_LINKS="")
    assert failed.returncode == 1 and "Installing" in failed.stdout
    assert "Installing the packages failed" in failed.stderr and "Traceback" not in failed.stderr
    retried = _run(course, "--setup-only", PIP_NO_INDEX="1", PIP_FIND_LINKS="")
    assert "Installing" in retried.stdout  # the failed install was not recorded as done


def test_a_mistyped_argument_costs_nothing(tmp_path):
    shutil.copy(ROOT / "start.py", tmp_path)
    (tmp_path / "requirements.txt").write_text("\n", encoding="utf-8")
    result = _run(tmp_path, "lesson9")
    assert result.returncode == 1 and "lesson9 does not exist" in result.stderr
    assert not (tmp_path / ".venv").exists()
