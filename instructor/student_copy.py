"""A copy of the course for students: the released notebooks and the toolkit, nothing else.

The repository holds the answer key (``solutions/``), the instructor notebooks (``source/``)
and, in lessons 2-5, recaps of earlier lessons' answers. Students of a graded course should get
only what has been released so far; this builds that folder (or zip) for the LMS.
"""

from __future__ import annotations

import shutil
from pathlib import Path

# What students need besides the notebooks: the toolkit and what installs it.
_TOOLKIT = ("requirements.txt", "pyproject.toml", "coursekit")

README = """# Build your own neural-network framework

Set up (a fresh virtual environment with everything installed) and open the course in JupyterLab:

```bash
python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/jupyter lab {first}
```

Included: {contents}. Each exercise cell says `YOUR CODE HERE`; the cell after it checks your
answer at once. The grader runs more tests than you can see, on other shapes and seeds, so make
your code general. Stuck on a gradient? `coursekit.gradcheck(layer, x)` compares your `backward`
with finite differences. Hand in each notebook under its own file name, after
*Kernel > Restart Kernel and Run All Cells*.
"""


class StudentCopyError(ValueError):
    """The copy cannot be made as asked; the message says why and what to do."""


def make_student_copy(course_root: Path, destination: Path, lessons: list[int],
                      include_lab: bool) -> list[Path]:
    """Write the student copy to ``destination`` (a new folder); return the notebooks it holds."""
    course_root, destination = Path(course_root).resolve(), Path(destination).resolve()
    if destination.exists() and any(destination.iterdir()):
        raise StudentCopyError(f"{destination} already exists and is not empty; choose a new folder "
                               "(nothing is overwritten).")
    if destination == course_root or course_root in destination.parents:
        raise StudentCopyError(f"{destination} is inside the course folder; write the copy elsewhere.")
    available = {int(path.name[len("lesson"):]): path for path in sorted(course_root.glob("lesson[0-9]"))
                 if path.is_dir()}
    unknown = sorted(set(lessons) - set(available))
    if unknown:
        raise StudentCopyError(f"no lesson {unknown} in {course_root} (folders lesson1/, lesson2/ ...); "
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
    notebooks = []
    for number in sorted(lessons):
        folder = shutil.copytree(available[number], destination / available[number].name,
                                 ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        notebooks += sorted(Path(folder).glob("*.ipynb"))
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
