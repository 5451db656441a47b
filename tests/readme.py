"""The commands the README tells people to run, read from the README itself, and what they do
(the set-up line runs start.py, whose choices are imported from the file here)."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def readme_command(marker: str, root: Path = ROOT, readme: str = "README.md") -> str:
    text = (root / readme).read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```\w*\n(.+?)\n```", text, re.DOTALL)
    assert match, f"{readme} lost the code block after <!-- {marker} -->"
    return match.group(1)


def start_module(root: Path = ROOT) -> ModuleType:
    """The course's start.py, imported (it only defines things until main() runs)."""
    spec = importlib.util.spec_from_file_location("course_start", root / "start.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup_arguments(readme: str = "README.md", marker: str = "setup-command") -> list[str]:
    """What the README's set-up line passes to start.py (after `python3 start.py`)."""
    words = shlex.split(readme_command(marker, readme=readme))
    assert words[1:2] == ["start.py"], f"the set-up line should run start.py: {words}"
    return words[2:]


def first_lesson(root: Path = ROOT, readme: str = "README.md") -> str:
    """The notebook the README's set-up line opens, relative to the course folder."""
    start = start_module(root)
    arguments = setup_arguments(readme)
    return start.what_to_open(root, arguments[0] if arguments else None).relative_to(root).as_posix()


def jupyter_step(root: Path = ROOT) -> list[str]:
    """The command start.py runs last to open JupyterLab, with this environment's Python."""
    start = start_module(root)
    notebook = root / first_lesson(root)
    settings = start.student_settings(Path(sys.prefix))  # what start.py writes into .venv
    return start.jupyter_command(Path(sys.executable), root, notebook,
                                 as_root=hasattr(os, "geteuid") and os.geteuid() == 0, settings=settings)
