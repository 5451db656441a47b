"""Generate the answer and recap cells of the source notebooks from ``solutions/``.

``solutions/`` is the only place where solution code is written. A source-notebook cell whose
metadata has a ``course.code`` list is rebuilt from the objects it names, so every copy of the
framework in the course (lesson recaps, lesson answers, lab answers) agrees by construction:

- ``"losses.softmax"``: a whole function or class of ``solutions/losses.py``;
- ``"layers.Linear.forward"``: one method, written as ``@add_to_class(Linear)`` above it;
- ``"layers.Linear[__init__]"``: the class line, its docstring, its class attributes and only the
  listed members (``"layers.Softmax[]"``: the class line, docstring and class attributes).

``course.header`` (optional) is put above the code, and ``course.drop_bases`` (optional) writes
``class Linear:`` instead of ``class Linear(Layer):`` where the base class is not taught yet.
Answer cells (nbgrader ``solution``) keep the ``### BEGIN/END SOLUTION`` lines of ``solutions/``,
which nbgrader turns into the student's ``YOUR CODE HERE``; every other cell shows the code
whole, with those lines dropped.

``python -m instructor build`` rewrites the source notebooks and regenerates the student
versions; ``--check`` only reports what is stale (the test suite runs it).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat

METADATA_KEY = "course"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_REFERENCE = re.compile(r"^(?P<module>\w+)\.(?P<name>\w+)(?:\.(?P<method>\w+)|\[(?P<members>[\w, ]*)\])?$")


class BuildError(ValueError):
    """A cell names code that does not exist, or its answer has no solution region."""


@dataclass(frozen=True)
class Solutions:
    """The parsed files of one ``solutions/`` folder."""

    folder: Path

    @cache  # noqa: B019 (the instance is frozen and lives as long as one build)
    def module(self, name: str) -> tuple[list[str], ast.Module]:
        path = self.folder / f"{name}.py"
        if not path.is_file():
            raise BuildError(f"solutions/{name}.py does not exist")
        text = path.read_text(encoding="utf-8")
        return text.split("\n"), ast.parse(text, filename=str(path))

    def _top_level(self, module: str, name: str) -> tuple[list[str], ast.stmt]:
        lines, tree = self.module(module)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                return lines, node
        raise BuildError(f"solutions/{module}.py has no function or class {name}")

    @staticmethod
    def _text(lines: list[str], node: ast.stmt) -> list[str]:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        last = node.end_lineno
        # The syntax tree ends at the last statement; a trailing "### END SOLUTION" comment
        # indented inside the body still belongs to it.
        while last < len(lines) and lines[last].strip().startswith("#") and \
                len(lines[last]) - len(lines[last].lstrip()) > node.col_offset:
            last += 1
        return lines[first - 1:last]

    def code(self, reference: str, drop_bases: frozenset[str] = frozenset()) -> str:
        match = _REFERENCE.match(reference.strip())
        if not match:
            raise BuildError(f"cannot read the reference {reference!r}: write module.name, "
                             "module.Class.method or module.Class[member, ...]")
        lines, node = self._top_level(match["module"], match["name"])
        if match["method"] is None and match["members"] is None:
            text = self._text(lines, node)
            if isinstance(node, ast.ClassDef) and node.name in drop_bases:
                text[0] = f"class {node.name}:"
            return "\n".join(text)
        if not isinstance(node, ast.ClassDef):
            raise BuildError(f"{reference}: {match['name']} is not a class")
        members = {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}
        if match["method"] is not None:
            method = members.get(match["method"])
            if method is None:
                raise BuildError(f"{reference}: class {node.name} has no method {match['method']}")
            body = textwrap.dedent("\n".join(self._text(lines, method)))
            return f"@add_to_class({node.name})\n{body}"
        wanted = [name.strip() for name in match["members"].split(",") if name.strip()]
        missing = [name for name in wanted if name not in members]
        if missing:
            raise BuildError(f"{reference}: class {node.name} has no method {', '.join(missing)}")
        header = f"class {node.name}:" if node.name in drop_bases else lines[node.lineno - 1]
        parts = [[header]]
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            parts[0] += lines[body[0].lineno - 1:body[0].end_lineno]  # the docstring
        # Class attributes (a default every instance shares) belong to the class, not to a method.
        attributes = [item for item in body if isinstance(item, (ast.Assign, ast.AnnAssign))]
        if attributes:
            parts.append([line for item in attributes for line in self._text(lines, item)])
        parts += [self._text(lines, members[name]) for name in wanted]
        return "\n\n".join("\n".join(part) for part in parts)


def _without_markers(code: str) -> str:
    return "\n".join(line for line in code.split("\n") if line.strip() not in (BEGIN, END))


def cell_source(cell: dict, solutions: Solutions) -> str | None:
    """What a generated cell must contain, or None for a cell written in the notebook itself."""
    spec = cell.get("metadata", {}).get(METADATA_KEY)
    if not spec or "code" not in spec:
        return None
    drop_bases = frozenset(spec.get("drop_bases", []))
    pieces = [solutions.code(reference, drop_bases) for reference in spec["code"]]
    is_answer = bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))
    code = "\n\n\n".join(pieces)
    if is_answer and BEGIN not in code:
        raise BuildError(f"the answer cell built from {spec['code']} has no {BEGIN} region: mark "
                         "what students write in solutions/")
    if not is_answer:
        code = _without_markers(code)
    header = spec.get("header")
    return f"{header.rstrip()}\n{code}" if header else code


def stale_cells(notebook_path: Path, solutions: Solutions) -> list[tuple[str, str]]:
    """(cell label, new source) of every generated cell that differs from solutions/."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    stale = []
    for index, cell in enumerate(nb.cells):
        try:
            wanted = cell_source(cell, solutions)
        except BuildError as error:
            raise BuildError(f"{notebook_path.name} cell {index}: {error}") from None
        if wanted is not None and cell.source != wanted:
            label = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or cell.get("id")
            stale.append((label, wanted))
    return stale


def build_notebook(notebook_path: Path, solutions: Solutions) -> list[str]:
    """Rewrite the generated cells of one source notebook; return the labels of those changed."""
    stale = dict(stale_cells(notebook_path, solutions))
    if not stale:
        return []
    nb = nbformat.read(str(notebook_path), as_version=4)
    for cell in nb.cells:
        label = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or cell.get("id")
        if label in stale:
            cell.source = stale[label]
    nbformat.write(nb, str(notebook_path))
    return list(stale)


def source_notebooks(course_root: Path) -> list[Path]:
    return sorted((course_root / "source").glob("*/*.ipynb"))


def build(course_root: Path, check: bool = False) -> dict[str, list[str]]:
    """Bring every source notebook in line with solutions/ (or, with ``check``, only report)."""
    solutions = Solutions(course_root / "solutions")
    changed = {}
    for path in source_notebooks(course_root):
        labels = ([label for label, _ in stale_cells(path, solutions)] if check
                  else build_notebook(path, solutions))
        if labels:
            changed[path.relative_to(course_root).as_posix()] = labels
    return changed
