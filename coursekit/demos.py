"""Demos that keep working for a student who is stuck on an exercise.

A demo cell starts with ``%%demo <notebook>/<cell id>`` (the magic comes from
``%reload_ext coursekit.demos`` in the set-up cell). It runs the cell as usual. If the cell
fails, because an exercise it uses is not done yet (``NotImplementedError``), because an
earlier cell has not run (``NameError``) or because the student's code raised, the cell says
so in one line, naming the exercise or the cell to run, and shows instead the output the same
demo produced with the course's reference answers.

Design notes (why it looks like this):

- **Nothing to call, nothing to read.** The fallback is recorded *output*: the pictures and
  printed lines of each demo, produced when the course is built
  (``scripts/build_demo_fallbacks.py`` runs the instructor notebooks). No answer code ships
  and no function here computes anything an exercise asks for; a student cannot hand in a
  recorded picture. The graded notebooks stay the same for graded and self-study classes.
- **Each demo stands alone.** A demo after a failed demo fails too, and falls back to its own
  recording, so one unfinished exercise never takes the rest of the lesson down.
- **Strict where it matters.** With ``COURSEKIT_DEMOS_STRICT=1`` (the course's own tests and
  the build) a failing demo raises as usual, so a broken demo cannot hide behind its recording.
"""

from __future__ import annotations

import ast
import base64
import functools
import json
import os
import sys
from importlib import resources
from typing import Any

from .language import current, translate, translate_message
from .unfinished import unfinished_function

RECORDINGS = "demo_outputs"  # coursekit/data/demo_outputs/<notebook>.json
STRICT_ENV = "COURSEKIT_DEMOS_STRICT"


def recordings(notebook: str) -> dict[str, Any]:
    """The recorded demos of one notebook, in the notebook's language where the edition has
    its own (``demo_outputs/bn/``): {"demos": {cell id: outputs}, "defined_in": {...}}."""
    return _recordings(notebook, current())


@functools.cache
def _recordings(notebook: str, language: str) -> dict[str, Any]:
    folder = resources.files("coursekit").joinpath("data", RECORDINGS)
    for path in ([folder.joinpath(language, f"{notebook}.json")] if language != "en" else []) + \
            [folder.joinpath(f"{notebook}.json")]:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
    return {"demos": {}, "defined_in": {}}


# Names that demos which fell back never got to define, with the reason they fell back: a later
# demo that needs one of them gives that reason, not "run the cell under ... first" to a student
# who did run it.
_left_undefined: dict[str, str] = {}


def why_it_failed(error: BaseException, notebook: str) -> str:
    """One line for the student: which exercise is unfinished or which cell to run first."""
    if isinstance(error, NotImplementedError):
        name = unfinished_function(error)
        what = f"`{name}`" if name else translate("ui:demo/an-exercise", "an exercise this demo uses")
        return translate("ui:demo/not-done", "{what} is not done yet").format(what=what)
    if isinstance(error, NameError):
        name = getattr(error, "name", None) or str(error).split("'")[1 if "'" in str(error) else 0]
        if name in _left_undefined:
            return translate("ui:demo/earlier-fallback", "{reason} (this demo uses `{name}`, which an "
                             "earlier demo computes with it)").format(reason=_left_undefined[name], name=name)
        where = recordings(notebook).get("defined_in", {}).get(name)
        cell = (translate("ui:demo/cell-under", "the cell under “{where}”").format(where=where) if where
                else translate("ui:demo/cell-defining", "the cell that defines it"))
        return translate("ui:demo/not-defined", "`{name}` is not defined yet: run {cell} first (or "
                         "Run > Run All Above Selected Cell)").format(name=name, cell=cell)
    return translate("ui:demo/stopped", "this demo stopped with {kind}: {error}").format(
        kind=type(error).__name__, error=error)


def _assigned_names(tree: ast.Module) -> set[str]:
    """The names a cell's top-level code binds (what later cells may use); not the local names
    inside the functions and classes it defines."""
    names, pending = set(), list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            pending.extend(ast.iter_child_nodes(node))
    return names


def _open_figures() -> set[int]:
    pyplot = sys.modules.get("matplotlib.pyplot")  # a demo without plots never imports it
    return set(pyplot.get_fignums()) if pyplot is not None else set()


def _discard_partial_output(figures_before: set[int]) -> None:
    """What a failed demo showed before it failed (printed lines, a progress bar stuck at 0/30)
    and the figures it left half drawn: the recording replaces all of it."""
    from IPython.display import clear_output

    clear_output()
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        for number in set(pyplot.get_fignums()) - figures_before:
            pyplot.close(number)


def _display_recorded(outputs: list[dict]) -> None:
    from IPython.display import Image, display

    for output in outputs:
        if "image/png" in output:
            display(Image(data=base64.b64decode(output["image/png"])))
        elif "text" in output:  # recorded in English: each line in the notebook's language
            text = "\n".join(translate_message(line) for line in output["text"].split("\n"))
            print(text, end="" if text.endswith("\n") else "\n")


def _run(source: str, namespace: dict) -> Any:
    """Run a cell's code in the notebook's namespace; return its last expression's value."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<demo>", "exec"), namespace)  # noqa: S102 (the student's own notebook)
    if last is not None:
        return eval(compile(ast.Expression(last.value), "<demo>", "eval"), namespace)
    return None


def demo(line: str, cell: str) -> Any:
    """The ``%%demo notebook/cell-id`` cell magic."""
    from IPython import get_ipython
    from IPython.display import HTML, display

    shell = get_ipython()
    notebook, _, cell_id = line.strip().partition("/")
    source = shell.transform_cell(cell)
    figures_before = _open_figures()
    try:
        result = _run(source, shell.user_ns)
    except Exception as error:
        if os.environ.get(STRICT_ENV) == "1":
            raise
        reason = why_it_failed(error, notebook)
        _discard_partial_output(figures_before)
        # What the names of this demo lack is what it lacked: the first demo's reason, once.
        missing = getattr(error, "name", None) if isinstance(error, NameError) else None
        _left_undefined.update(dict.fromkeys(_assigned_names(ast.parse(source)) - set(shell.user_ns),
                                             _left_undefined.get(missing, reason)))
        recorded = recordings(notebook).get("demos", {}).get(cell_id)
        if recorded is None:
            raise RuntimeError(translate("ui:demo/could-not-run", "This demo could not run: {reason}.")
                               .format(reason=reason)) from None
        message = translate("ui:demo/fallback", "{reason}, so this demo shows the course's recorded "
                            "reference output instead. Your own appears once that works.")
        display(HTML(f"<div class='coursekit-demo-fallback' style='color:#8a5a00'>&#9888; "
                     f"{message.format(reason=reason)}</div>"))
        _display_recorded(recorded)
        return None
    for name in _assigned_names(ast.parse(source)):
        _left_undefined.pop(name, None)
    return result


def load_ipython_extension(shell) -> None:
    shell.register_magic_function(demo, magic_kind="cell", magic_name="demo")
