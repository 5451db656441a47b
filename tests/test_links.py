"""Every relative link between the course's notebooks and READMEs opens its target.

JupyterLab serves the course root (the README's set-up command), so a link resolves against the
folder of the file that holds it and must stay inside the course.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from notebook_course import ROOT, read_notebook, student_notebooks

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


EDITIONS = ("bn",)


def documents() -> list[Path]:
    readmes = [ROOT / "README.md", ROOT / "README.bn.md"] + sorted(p for p in ROOT.glob("*/README.md"))
    editions = [p for e in EDITIONS for p in sorted((ROOT / e).rglob("*")) if p.suffix in {".md", ".ipynb"}]
    return readmes + [ref.student_path for ref in student_notebooks()] + editions


def markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in read_notebook(path).cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("document", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_open_their_target(document):
    broken = []
    for target in LINK.findall(markdown_of(document)):
        if re.match(r"[a-z]+:|#", target):  # web links and anchors
            continue
        resolved = (document.parent / unquote(target.split("#")[0])).resolve()
        if ROOT not in resolved.parents or not resolved.exists():
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)} links to missing files: {broken}"


def test_the_lab_readme_links_to_the_lab_notebook():
    assert "(mnist_lab.ipynb)" in (ROOT / "lab" / "README.md").read_text(encoding="utf-8")
