"""Set up the course once, then open it in JupyterLab. The same on Windows, macOS and Linux:

    py start.py          (Windows: PowerShell or Command Prompt)
    python3 start.py     (macOS and Linux)

The first run makes a virtual environment in ``.venv`` and installs ``requirements.txt`` into it;
later runs only open JupyterLab (and install again when ``requirements.txt`` changed). An
argument chooses what opens: a notebook, or a folder whose first lesson opens (``bn`` for the
Bengali edition). ``--setup-only`` installs without opening JupyterLab.

Only the standard library, so it runs with any Python 3.11 or newer before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

COURSE = Path(__file__).resolve().parent
MINIMUM_PYTHON = (3, 11)
REQUIREMENTS = "requirements.txt"
# What the last successful install installed, so the next run knows whether to install again.
INSTALLED_STAMP = "course-requirements.sha256"


class SetupError(Exception):
    """Something the student can fix; the message says what and how."""


def the_command() -> str:
    """How the student started this script, to repeat in messages."""
    return "py start.py" if os.name == "nt" else "python3 start.py"


def check_python(version: tuple[int, ...] = tuple(sys.version_info)) -> None:
    if version[:2] < MINIMUM_PYTHON:
        found = ".".join(map(str, version[:3]))
        raise SetupError(
            f"This course needs Python {MINIMUM_PYTHON[0]}.{MINIMUM_PYTHON[1]} or newer, and this is "
            f"Python {found} ({sys.executable}). Install a current Python from "
            f"https://www.python.org/downloads/ and run `{the_command()}` again.")


def venv_python(environment: Path, windows: bool = os.name == "nt") -> Path:
    """The environment's own Python: Scripts\\python.exe on Windows, bin/python elsewhere."""
    return environment / "Scripts" / "python.exe" if windows else environment / "bin" / "python"


def requirements_digest(course: Path) -> str:
    digest = hashlib.sha256()
    for name in (REQUIREMENTS, "pyproject.toml"):  # -e . installs what pyproject.toml declares
        path = course / name
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def make_environment(course: Path) -> Path:
    environment = course / ".venv"
    python = venv_python(environment)
    if not python.exists():
        print(f"Making a virtual environment in {environment} ...", flush=True)
        try:
            venv.create(environment, with_pip=True, clear=environment.exists())
        except Exception as error:  # noqa: BLE001 (venv raises many kinds; each is the student's to fix)
            raise SetupError(
                f"Could not make the virtual environment in {environment}: {error}. Delete the "
                f"folder .venv and run `{the_command()}` again. On Debian or Ubuntu, install "
                "python3-venv first (sudo apt install python3-venv).") from None
    return python


def install(course: Path, python: Path) -> None:
    """Install the requirements unless exactly these were installed already."""
    if not (course / REQUIREMENTS).is_file():
        raise SetupError(f"{course / REQUIREMENTS} is missing: run this script from the course folder "
                         "you downloaded, with all its files.")
    stamp = python.parent.parent / INSTALLED_STAMP
    wanted = requirements_digest(course)
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == wanted:
        return
    print("Installing the course's packages (the first time takes a few minutes) ...", flush=True)
    result = subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check",
                             "-r", REQUIREMENTS], cwd=course, check=False)
    if result.returncode != 0:
        raise SetupError(
            "Installing the packages failed; pip's message above says why. Check your internet "
            f"connection and run `{the_command()}` again (it carries on where it stopped).")
    stamp.write_text(wanted + "\n", encoding="utf-8")


def first_notebook(folder: Path) -> Path:
    """The first lesson in a folder (lessons/lesson1, lessons/lesson2, ... before the lab), or its
    first notebook."""
    def order(path: Path) -> tuple[int, int, str]:
        name = path.parent.name
        number = name[len("lesson"):]
        if name.startswith("lesson") and number.isdigit():
            return (0, int(number), path.name)
        return (1, 0, str(path.relative_to(folder)))

    notebooks = [*folder.glob("lessons/*/*.ipynb"), *folder.glob("*/*.ipynb"), *folder.glob("*.ipynb")]
    notebooks = [p for p in notebooks if ".ipynb_checkpoints" not in p.parts]
    if not notebooks:
        raise SetupError(f"There is no notebook in {folder}.")
    return min(notebooks, key=order)


def what_to_open(course: Path, argument: str | None) -> Path:
    target = course if argument is None else (course / argument).resolve()
    if not target.exists():
        raise SetupError(f"{argument} does not exist in {course}: name a notebook or a folder of "
                         "the course, e.g. bn for the Bengali edition.")
    return first_notebook(target) if target.is_dir() else target


# What a student's JupyterLab leaves out or shows differently (instructors, who start
# `jupyter lab` themselves, keep everything): nbgrader's instructor tools (Validate stays), the
# question about Jupyter news that covers the first lesson, update checks, and Markdown files
# opened as source instead of as a page (the lab's README links to the lab notebook). The
# server's side (no unsaved mark on opening, the file browser at the course root) is in
# STUDENT_SERVER_CONFIG.
STUDENT_PAGE_CONFIG = {"disabledExtensions": {
    "@jupyter/nbgrader:create-assignment": True, "@jupyter/nbgrader:assignment-list": True,
    "@jupyter/nbgrader:course-list": True, "@jupyter/nbgrader:menu": True}}
STUDENT_SERVER_CONFIG = "coursekit/student_server/jupyter_server_config.py"
STUDENT_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Markdown Preview"}},
}


def student_settings(environment: Path) -> Path:
    """Write the students' JupyterLab settings into the environment; return their folder."""
    folder = environment / "course-jupyterlab-settings"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("page_config.json", STUDENT_PAGE_CONFIG), ("overrides.json", STUDENT_SETTINGS)):
        (folder / name).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return folder


def jupyter_command(python: Path, course: Path, notebook: Path, as_root: bool,
                    settings: Path | None = None) -> list[str]:
    """JupyterLab served from the course folder (the whole course in its file browser), opening
    one notebook, with the students' settings. JupyterLab refuses to run as root unless told;
    containers often run as root."""
    command = [str(python), "-m", "jupyterlab", f"--ServerApp.root_dir={course}",
               notebook.relative_to(course).as_posix()]
    if settings is not None:
        command += [f"--LabApp.app_settings_dir={settings}",
                    f"--ServerApp.config_file={course / STUDENT_SERVER_CONFIG}"]
    return command + ["--allow-root"] if as_root else command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("open", nargs="?", metavar="NOTEBOOK_OR_FOLDER",
                        help="what to open (default: the first lesson; bn: the Bengali edition)")
    parser.add_argument("--setup-only", action="store_true",
                        help="make the environment and install, but do not open JupyterLab")
    args = parser.parse_args(argv)
    try:
        check_python()
        # Before installing, so that a mistyped argument costs nothing.
        notebook = None if args.setup_only else what_to_open(COURSE, args.open)
        python = make_environment(COURSE)
        install(COURSE, python)
    except SetupError as error:
        print(f"\n{error}", file=sys.stderr)
        return 1
    if notebook is None:
        print(f"Ready. `{the_command()}` opens JupyterLab.")
        return 0
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    print(f"Opening {notebook.relative_to(COURSE)} in JupyterLab. To stop it, press Ctrl+C in "
          f"this window. Next time, `{the_command()}` opens it again.", flush=True)
    try:
        command = jupyter_command(python, COURSE, notebook, as_root,
                                  student_settings(python.parent.parent))
        return subprocess.run(command, cwd=COURSE, check=False).returncode
    except KeyboardInterrupt:  # Ctrl+C is how a student stops JupyterLab: not an error
        return 0


if __name__ == "__main__":
    sys.exit(main())
