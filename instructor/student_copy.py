"""A copy of the course for students: the released notebooks and the toolkit, nothing else.

The repository holds the answer key (``solutions/``), the instructor notebooks (``source/``)
and, in lessons 2-5, recaps of earlier lessons' answers. Students of a graded course should get
only what has been released so far; this builds that folder (or zip) for the LMS.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

# What students need besides the notebooks: the toolkit and what installs it.
_TOOLKIT = ("pyproject.toml", "coursekit")
REQUIREMENTS = "requirements.txt"
#: Packages only the course's own test suite uses; students' requirements leave them out.
TEST_ONLY = {"pytest", "nbval", "playwright"}

README = """# Build your own neural-network framework

Set up (a fresh virtual environment with everything installed) and open the course in JupyterLab:

```bash
python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/jupyter lab --ServerApp.root_dir=. --allow-root {first}
```

Included: {contents}. Each exercise cell says `YOUR CODE HERE`; the cell after it checks your
answer at once. The grader runs more tests than you can see, on other shapes and seeds, so make
your code general. Stuck on a gradient? `coursekit.gradcheck(layer, x)` compares your `backward`
with finite differences. Before you hand in a notebook, press **Validate** in its toolbar: it
runs the whole notebook afresh and says "Success! Your notebook passes all the tests." or which
test fails. Hand in each notebook under its own file name.
"""


class StudentCopyError(ValueError):
    """The copy cannot be made as asked; the message says why and what to do."""


def student_requirements(path: Path) -> str:
    """The course's pinned requirements without the test-only packages (and their comments)."""
    kept: list[str] = []
    comments: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            comments.append(line)
            continue
        name = re.split(r"[=<>!~\[ ;]", stripped, maxsplit=1)[0].lower()
        if name not in TEST_ONLY:
            kept += comments + [line]
        comments = []
    return "\n".join(kept) + "\n"


def make_student_copy(course_root: Path, destination: Path, lessons: list[int],
                      include_lab: bool) -> list[Path]:
    """Write the student copy to ``destination`` (a new folder); return the notebooks it holds."""
    course_root, destination = Path(course_root).resolve(), Path(destination).resolve()
    if destination.exists() and any(destination.iterdir()):
        raise StudentCopyError(f"{destination} already exists and is not empty; choose a new folder "
                               "(nothing is overwritten).")
    if destination == course_root or course_root in destination.parents:
        raise StudentCopyError(f"{destination} is inside the course folder; write the copy elsewhere.")
    available = {int(path.name[:2]): path for path in sorted((course_root / "lessons").glob("[0-9][0-9]_*.ipynb"))}
    unknown = sorted(set(lessons) - set(available))
    if unknown:
        raise StudentCopyError(f"no lesson {unknown} in {course_root / 'lessons'}; "
                               f"available: {sorted(available)}.")
    if not lessons and not include_lab:
        raise StudentCopyError("nothing to copy: name lessons (e.g. --lessons 1 2) and/or --lab.")

    destination.mkdir(parents=True, exist_ok=True)
    for name in _TOOLKIT:
        source = course_root / name
        if source.is_dir():
            shutil.copytree(source, destination / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(source, destination / name)
    (destination / REQUIREMENTS).write_text(student_requirements(course_root / REQUIREMENTS))
    notebooks = []
    for number in sorted(lessons):
        (destination / "lessons").mkdir(exist_ok=True)
        notebooks.append(Path(shutil.copy2(available[number], destination / "lessons")))
    if include_lab:
        shutil.copytree(course_root / "lab", destination / "lab",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        notebooks += sorted((destination / "lab").glob("*.ipynb"))
    parts = [f"lesson{'s' if len(lessons) > 1 else ''} {', '.join(map(str, sorted(lessons)))}"] if lessons else []
    if include_lab:
        parts.append("the MNIST lab (see lab/README.md)")
    first = notebooks[0].relative_to(destination).as_posix()
    (destination / "README.md").write_text(README.format(first=first, contents=" and ".join(parts)))
    return notebooks
