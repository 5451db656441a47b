"""Write every code cell of the source notebooks, and the project's Python files, as plain .py files.

`duplicates` reads source files, not notebooks; this lays the course out so that it can compare
notebook cells with each other and with solutions/, coursekit/ and the tests:

    python scripts/export_notebook_code.py /tmp/course-code && duplicates --repo /tmp/course-code --most 200

One file per cell, named after the notebook and the cell's grade_id (or its position), so a row
of the report says where the repeated lines live. IPython magics become comments. Cells generated
from solutions/ (metadata ``course.code``, see docs/AUTHORING.md) are left out: they are copies
made by ``python -m instructor build``, not code anyone writes, and solutions/ is exported itself.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PYTHON_FOLDERS = ("solutions", "coursekit", "instructor", "graders", "tests", "benchmarks", "scripts")


def export(course_root: Path, destination: Path) -> int:
    written = 0
    for notebook in sorted((course_root / "source").glob("*/*.ipynb")):
        folder = destination / "notebooks" / notebook.parent.name / notebook.stem
        folder.mkdir(parents=True, exist_ok=True)
        for index, cell in enumerate(nbformat.read(str(notebook), as_version=4).cells):
            if cell.cell_type != "code" or not cell.source.strip() or "code" in cell.metadata.get("course", {}):
                continue
            label = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell{index:02d}"
            code = "\n".join(f"# {line}" if line.lstrip().startswith(("%", "!")) else line
                             for line in cell.source.split("\n"))
            (folder / f"{index:02d}_{label.replace('-', '_')}.py").write_text(code + "\n")
            written += 1
    for name in PYTHON_FOLDERS:
        if (course_root / name).is_dir():
            shutil.copytree(course_root / name, destination / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "artifacts"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("destination", type=Path, help="a new, empty folder")
    parser.add_argument("--course", type=Path, default=ROOT, help="the course folder (default: this one)")
    args = parser.parse_args(argv)
    if args.destination.exists() and any(args.destination.iterdir()):
        print(f"{args.destination} is not empty; choose a new folder.", file=sys.stderr)
        return 1
    count = export(args.course.resolve(), args.destination)
    print(f"{count} code cells and the project's Python files written to {args.destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
