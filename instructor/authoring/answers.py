"""What counts as an answer in a notebook: its answer lines and the functions it asks for.

nbgrader turns the solution regions of a source notebook into stubs, but the same answer can
reach students another way: a later lesson's recap restates earlier answers. Two kinds of
evidence, both read from the notebooks themselves:

- *answer lines*: a line is one when it is specific (long enough to say something, unlike
  ``return x``) and the source notebook shows it only inside a solution region;
- *answer functions*: the functions and methods (``Linear.backward``, also when written as
  ``@add_to_class(Linear) def backward``) whose definition holds a solution region. A recap that
  defines one of them with a body of its own gives it away, however it is worded.

``student-copy`` uses both to refuse handing out a recap together with the lesson it gives away;
the test suite uses them to prove that student versions show no answer or hidden-test line.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Markers:
    """nbgrader's delimiters and stubs as a course configures them."""

    begin_solution: str
    end_solution: str
    begin_hidden: str
    end_hidden: str
    code_stub: tuple[str, ...]
    text_stub: tuple[str, ...]
    ignore: tuple[str, ...]

    @classmethod
    def from_config(cls, config) -> Markers:
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

        solutions = ClearSolutions(config=config)
        hidden = ClearHiddenTests(config=config)
        return cls(solutions.begin_solution_delimeter, solutions.end_solution_delimeter,
                   hidden.begin_test_delimeter, hidden.end_test_delimeter,
                   tuple(solutions.code_stub["python"].split("\n")),
                   tuple(solutions.text_stub.split("\n")),
                   tuple(CourseDirectory(config=config).ignore))

    @classmethod
    def of_course(cls, course_root: Path) -> Markers:
        """The markers configured by ``course_root/nbgrader_config.py``."""
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
        return cls.from_config(config)


def nbgrader_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def grade_id(cell: dict) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_solution_cell(cell: dict) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_test_cell(cell: dict) -> bool:
    """An autograded test: a graded code cell that is not itself an answer."""
    meta = nbgrader_meta(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


@dataclass
class Segment:
    kind: str  # "open" (shown to students), "solution" or "hidden"
    lines: list[str]
    indent: str = ""


def split_regions(source: str, markers: Markers) -> list[Segment]:
    """Split a cell into open text and solution / hidden-test regions, as nbgrader does.

    nbgrader starts a region at any line *containing* the begin delimiter and ends it at any
    line containing the end delimiter; the delimiter lines themselves belong to no segment.
    """
    segments: list[Segment] = [Segment("open", [])]
    inside = None
    for line in source.split("\n"):
        if markers.begin_solution in line or markers.begin_hidden in line:
            inside = "solution" if markers.begin_solution in line else "hidden"
            segments.append(Segment(inside, [], re.match(r"\s*", line).group(0)))
        elif (inside == "solution" and markers.end_solution in line
              or inside == "hidden" and markers.end_hidden in line):
            inside = None
            segments.append(Segment("open", []))
        else:
            segments[-1].lines.append(line)
    return segments


def cell_region_lines(cell: dict, markers: Markers) -> dict[str, list[str]]:
    """Lines of one cell by kind; a solution cell without markers is a solution as a whole."""
    out: dict[str, list[str]] = {"open": [], "solution": [], "hidden": []}
    segments = split_regions(cell["source"], markers)
    if is_solution_cell(cell) and not any(s.kind == "solution" for s in segments):
        out["solution"] += cell["source"].split("\n")
        return out
    for segment in segments:
        out[segment.kind] += segment.lines
    return out


def notebook_lines(nb: dict, markers: Markers) -> dict[str, set[str]]:
    """Stripped lines of a source notebook: open (students see them), solution, hidden."""
    out: dict[str, set[str]] = {"open": set(), "solution": set(), "hidden": set()}
    for cell in nb["cells"]:
        for kind, lines in cell_region_lines(cell, markers).items():
            out[kind] |= {line.strip() for line in lines}
    return out


_TOKEN = re.compile(r"\w+|[^\w\s]")


def is_specific(line: str, markers: Markers, min_tokens: int = 6) -> bool:
    """Whether a line says enough to give an answer away (``return x`` and ``pass`` do not)."""
    line = line.strip()
    if not line or line in markers.code_stub or line in markers.text_stub:
        return False
    if line.startswith("#"):
        return len(line.lstrip("#").split()) >= 4  # a comment in an answer can be a hint
    return len(_TOKEN.findall(line)) >= min_tokens


def secret_lines(source_nb: dict, markers: Markers) -> dict[str, set[str]]:
    """Specific solution and hidden-test lines that the notebook never shows openly."""
    lines = notebook_lines(source_nb, markers)
    return {kind: {line for line in lines[kind] - lines["open"] if is_specific(line, markers)}
            for kind in ("solution", "hidden")}


def all_lines(nb: dict) -> dict[str, tuple[str, str]]:
    """Every stripped line of a notebook -> (cell label, original line), for leak reports."""
    found: dict[str, tuple[str, str]] = {}
    for index, cell in enumerate(nb["cells"]):
        label = f"cell {index}" + (f" ({grade_id(cell)})" if grade_id(cell) else "")
        for line in cell["source"].split("\n"):
            found.setdefault(line.strip(), (label, line))
    return found


# --------------------------------------------------------------------------------------------
# Functions


def cell_python(source: str) -> str:
    """A code cell as plain Python: IPython magics and shell escapes become ``pass``."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        lines[0] = "pass"
    out = []
    for line in lines:
        stripped = line.lstrip()
        help_request = stripped.endswith("?") and not stripped.startswith("#")
        if stripped.startswith(("%", "!")) or help_request:
            out.append(line[: len(line) - len(stripped)] + "pass")
        else:
            out.append(line)
    return "\n".join(out)


def cell_label(index: int, cell: dict) -> str:
    return f"cell {index}" + (f" ({grade_id(cell)})" if grade_id(cell) else "")


def code_cell_trees(nb: dict) -> Iterator[tuple[int, str, ast.Module | SyntaxError]]:
    """(index, label, parsed module or the SyntaxError) for every code cell."""
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        try:
            yield index, cell_label(index, cell), ast.parse(cell_python(cell["source"]))
        except SyntaxError as error:
            yield index, cell_label(index, cell), error


def called_name(call: ast.Call) -> str:
    return getattr(call.func, "attr", getattr(call.func, "id", ""))


def _added_to_class(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """``X`` for a function decorated with ``@add_to_class(X)`` (it becomes the method X.name)."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and called_name(decorator) == "add_to_class" \
                and decorator.args and isinstance(decorator.args[0], ast.Name):
            return decorator.args[0].id
    return None


def function_definitions(tree: ast.AST) -> Iterator[tuple[ast.FunctionDef, str]]:
    """Every (possibly nested) function or method with its qualified name."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[ast.FunctionDef, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                owner = _added_to_class(child)
                qualname = f"{owner}.{child.name}" if owner and not prefix \
                    else f"{prefix}{child.name}"
                yield child, qualname
                yield from walk(child, f"{qualname}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(tree, "")


def answer_functions(source_nb: dict, markers: Markers
                     ) -> Iterator[tuple[int, ast.FunctionDef, str]]:
    """(cell index, definition, qualified name) of the functions a source notebook asks for:
    definitions around a solution region, or anywhere in a solution cell without markers."""
    for index, cell in enumerate(source_nb["cells"]):
        if cell["cell_type"] != "code" or not is_solution_cell(cell):
            continue
        marker_lines = [n for n, line in enumerate(cell["source"].split("\n"), start=1)
                        if markers.begin_solution in line]
        try:
            tree = ast.parse(cell_python(cell["source"]))
        except SyntaxError:
            continue
        for node, qualname in function_definitions(tree):
            last = node.end_lineno or node.lineno
            if not marker_lines or any(node.lineno <= n <= last for n in marker_lines):
                yield index, node, qualname


def body_statements(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The body without its docstring."""
    body = list(node.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def is_stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body that answers nothing: ``raise NotImplementedError()``, ``pass`` or ``...``."""
    for statement in body_statements(node):
        if isinstance(statement, ast.Pass) or (isinstance(statement, ast.Expr)
                                               and isinstance(statement.value, ast.Constant)):
            continue
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True
