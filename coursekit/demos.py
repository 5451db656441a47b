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
from importlib import resources
from typing import Any

from .language import current, translate, translate_message

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


def why_it_failed(error: BaseException, notebook: str) -> str:
    """One line for the student: which exercise is unfinished or which cell to run first."""
    if isinstance(error, NotImplementedError):
        # The innermost function on the stack is the unfinished exercise (`Linear.backward`).
        tb = error.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        code = tb.tb_frame.f_code if tb is not None else None
        name = getattr(code, "co_qualname", getattr(code, "co_name", "<module>"))
        what = (f"`{name}`" if name and not name.startswith("<")
                else translate("ui:demo/an-exercise", "an exercise this demo uses"))
        return translate("ui:demo/not-done", "{what} is not done yet").format(what=what)
    if isinstance(error, NameError):
        name = getattr(error, "name", None) or str(error).split("'")[1 if "'" in str(error) else 0]
        where = recordings(notebook).get("defined_in", {}).get(name)
        cell = (translate("ui:demo/cell-under", "the cell under “{where}”").format(where=where) if where
                else translate("ui:demo/cell-defining", "the cell that defines it"))
        return translate("ui:demo/not-defined", "`{name}` is not defined yet: run {cell} first (or "
                         "Run > Run All Above Selected Cell)").format(name=name, cell=cell)
    return translate("ui:demo/stopped", "this demo stopped with {kind}: {error}").format(
        kind=type(error).__name__, error=error)


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
    try:
        return _run(shell.transform_cell(cell), shell.user_ns)
    except Exception as error:
        if os.environ.get(STRICT_ENV) == "1":
            raise
        reason = why_it_failed(error, notebook)
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


def load_ipython_extension(shell) -> None:
    shell.register_magic_function(demo, magic_kind="cell", magic_name="demo")
