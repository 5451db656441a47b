"""The scan that keeps English off a Bengali student's screen finds English in every place a
student reads it, and only there (tests/english_on_screen.py; the executions are in
tests/test_bengali_notebooks.py)."""

from __future__ import annotations

import english_on_screen as scan
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output
from notebook_course import ROOT

CODE = "def backward(self, grad):\n    return grad\nepoch = 3\nerrors = {'input': 1.0}\n"


def _notebook(outputs=(), caption="# একটি বাংলা পরিচিতি", widgets=None, source=CODE, meta=None):
    cell = new_code_cell(f"{caption}\n{source}", outputs=list(outputs))
    cell.metadata["jupyter"] = {"source_hidden": True}
    if meta:
        cell.metadata["nbgrader"] = meta
    nb = new_notebook(cells=[cell])
    if widgets:
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": widgets}}
    return nb


def _words(nb, answer_key=None) -> set[str]:
    return {word for finding in scan.findings(nb, ROOT, answer_key) for word in finding.words}


@pytest.mark.parametrize("nb, english", [
    (_notebook([new_output("stream", name="stdout", text="ইপোক 3: training loss 0.5\n")]), {"training", "loss"}),
    (_notebook([new_output("error", ename="AssertionError", evalue="the weights are wrong", traceback=[])]),
     {"the", "weights", "are", "wrong"}),
    (_notebook([new_output("display_data", data={"text/html": "<b>Check</b> <code>x</code> ঠিক"})]), {"Check"}),
    (_notebook([new_output("display_data", data={scan.FIGURE_TEXTS: ["true class", "সঠিকতা"]})]), {"true", "class"}),
    (_notebook(caption="# Checks for the exercise above"), {"Checks", "for", "the", "exercise", "above"}),
    (_notebook(widgets={"1": {"model_name": "IntSliderModel", "state": {"description": "batch size"}}}),
     {"batch", "size"}),
    (_notebook(widgets={"2": {"model_name": "HTMLModel", "state": {"value": "epochs: 100%"}}}), {"epochs"}),
    # A variable's name is not a licence: "epoch" on a plot is English even if the code has `epoch`.
    (_notebook([new_output("display_data", data={scan.FIGURE_TEXTS: ["epoch"]})]), {"epoch"}),
])
def test_english_is_found_wherever_a_student_reads_it(nb, english):
    assert _words(nb) == english


@pytest.mark.parametrize("text", [
    "backward(grad) ফেরত দেয় dL/dx",  # names the code defines
    "Linear: input 2.3e-10, W 9.8e-11",  # a key of the code's dict (errors["input"])
    "axis=1 বরাবর argmax নিন",  # a name used as code, and a formula's function
    "`keepdims=True` দিন; *Run > Run All Above Selected Cell* চালান",  # code span, a menu path
    "মিন স্কোয়ারড এরর (mean squared error)",  # the English term after the Bengali one
    "get_loss_acc-এ NotImplementedError হলো",  # a name_with_underscores, an exception's name
    "XOR, MNIST, ReLU: 100% 3.2 it/s",  # names and units of the allow-list
    "$\\mathdefault{10^{-1}}$ $n_{out}$",  # a plot's math notation
])
def test_code_names_and_units_are_not_english(text):
    nb = _notebook([new_output("stream", name="stdout", text=text + "\n")])
    assert _words(nb) == set()


def test_a_traceback_is_pythons_not_the_courses():
    nb = _notebook([new_output("error", ename="ValueError", evalue="",
                               traceback=["Traceback (most recent call last)", "File where, line 3"]),
                    new_output("stream", name="stderr", text="Traceback (most recent call last):\n  File x\n")])
    assert _words(nb) == set()


def test_in_a_solved_notebook_the_answers_own_words_are_the_students():
    answer = "### BEGIN SOLUTION\nprint(f'net1 after {3} epochs')\n### END SOLUTION\n"
    meta = {"solution": True, "grade": False, "grade_id": "net1"}
    printed = [new_output("stream", name="stdout", text="net1 after 3 epochs\n"),
               new_output("display_data", data={scan.FIGURE_TEXTS: ["true class"]})]
    solved = _notebook(printed, source=answer, meta=meta)
    # The answer key wrote "after" and "epochs"; "true class" comes from the course (a plot helper).
    assert _words(solved, answer_key=solved) == {"true", "class"}
    assert _words(solved) == {"after", "epochs", "true", "class"}


def test_the_hook_cell_goes_before_the_notebook_and_comes_out_again():
    nb = nbformat.v4.new_notebook(cells=[new_code_cell("x = 1")])
    hooked = scan.with_hook(nb)
    assert hooked.cells[0].id == scan.HOOK_CELL_ID and hooked.cells[1].source == "x = 1"
    assert [c.source for c in scan.without_hook(hooked).cells] == ["x = 1"]
