"""coursekit.demos: the one line a stuck student reads names the exercise or the cell to run."""

from __future__ import annotations

import re

import pytest
from notebook_course import student_notebooks

from coursekit.demos import recordings, why_it_failed


def raised_by(function) -> BaseException:
    try:
        function()
    except Exception as error:  # noqa: BLE001
        return error
    raise AssertionError("expected an error")


def test_an_unfinished_exercise_is_named():
    def squared_error(prediction, target):
        raise NotImplementedError()

    error = raised_by(lambda: squared_error(1, 2))
    message = why_it_failed(error, "01_loss_functions")
    assert message.endswith("squared_error` is not done yet"), message


def test_a_missing_name_points_to_the_heading_of_the_cell_that_defines_it():
    error = raised_by(lambda: x_train)  # noqa: F821
    message = why_it_failed(error, "02_gradient_descent")
    assert "`x_train` is not defined yet" in message and "The data" in message, message


@pytest.mark.parametrize("ref", [r for r in student_notebooks() if r.name[:2].isdigit()], ids=str)
def test_every_demo_of_a_lesson_has_a_recording(ref):
    from notebook_course import read_notebook

    demos = [c.source.split("\n", 1)[0].split("/", 1)[1].strip()
             for c in read_notebook(ref.student_path).cells
             if c.cell_type == "code" and c.source.startswith("%%demo ")]
    recorded = recordings(ref.stem)["demos"]
    assert demos, f"{ref.id} has no %%demo cells"
    missing = [d for d in demos if d not in recorded]
    assert not missing, (f"{ref.id}: demos without a recorded output {missing}; run "
                         "python scripts/build_demo_fallbacks.py")


@pytest.mark.parametrize("ref", [r for r in student_notebooks() if r.name[:2].isdigit()], ids=str)
def test_a_bengali_notebook_falls_back_to_its_bengali_recording(ref, monkeypatch):
    """Same demos as the English recording; printed lines and headings in Bengali."""
    import re

    english = recordings(ref.stem)
    monkeypatch.setenv("COURSEKIT_LANGUAGE", "bn")
    bengali = recordings(ref.stem)
    assert sorted(bengali["demos"]) == sorted(english["demos"]), (
        f"{ref.id}: the Bengali recording is out of date; run "
        "python scripts/build_demo_fallbacks.py --language bn")
    assert bengali["defined_in"].keys() == english["defined_in"].keys()
    texts = [o["text"] for outputs in bengali["demos"].values() for o in outputs if "text" in o]
    headings = list(bengali["defined_in"].values())
    assert any(re.search("[\u0980-\u09ff]", text) for text in texts + headings), ref.id


# A verdict against the student (English, Bengali), a traceback, an exception or warning line,
# or the stuck-student notice, none of which the answer key should ever produce.
# A verdict against the student (English, Bengali), a traceback, an exception or warning line,
# or the stuck-student notice, none of which the answer key should ever produce.
WRONG_VERDICT = re.compile(r"CHECK YOUR|backward পরীক্ষা করুন|Traceback|\b[A-Z]\w*(?:Error|Warning): |not done yet")
RELATIVE_ERROR = re.compile(r"(?:relative error|আপেক্ষিক ত্রুটি) ([0-9.]+e[-+]\d+)")


def wrong_for_a_correct_answer(printed: dict[str, str]) -> dict[str, list]:
    """Per cell, what the answer key's printed output should never show: a wrong verdict, or a
    relative error the lesson's own rule calls suspicious (1e-7 and above)."""
    found = {}
    for cell, text in printed.items():
        problems = WRONG_VERDICT.findall(text)
        problems += [e for e in RELATIVE_ERROR.findall(text) if float(e) >= 1e-7]
        if problems:
            found[cell] = problems
    return found


@pytest.mark.parametrize("language", ["en", "bn"])
@pytest.mark.parametrize("ref", [r for r in student_notebooks() if r.name[:2].isdigit()], ids=str)
def test_every_demo_on_the_answer_key_gives_a_correct_student_the_right_verdict(ref, language,
                                                                                monkeypatch):
    """The recordings are the demos run on the answer key: what a correct student sees."""
    monkeypatch.setenv("COURSEKIT_LANGUAGE", language)
    demos = recordings(ref.stem)["demos"]
    printed = {cell: "\n".join(o.get("text", "") for o in outputs) for cell, outputs in demos.items()}
    assert not wrong_for_a_correct_answer(printed), f"{ref.id} ({language})"


def test_running_a_set_up_cell_again_prints_nothing(capsys):
    """The lessons load the %%demo magic with %reload_ext: %load_ext would answer a second run
    with 'The coursekit.demos extension is already loaded'."""
    from IPython.core.interactiveshell import InteractiveShell
    from notebook_course import SOURCE, read_notebook

    shell = InteractiveShell.instance()
    for ref in [r for r in student_notebooks() if r.name[:2].isdigit()]:
        setup = [c.source for c in read_notebook(SOURCE / ref.assignment / ref.name).cells
                 if "coursekit.demos" in c.source and c.cell_type == "code"]
        magic = [line for line in setup[0].split("\n") if "coursekit.demos" in line and line.startswith("%")]
        assert magic == ["%reload_ext coursekit.demos"], ref.id
        for _ in range(2):
            shell.run_line_magic(*magic[0][1:].split(" ", 1))
    assert capsys.readouterr().out == ""


def test_an_unfinished_method_is_named_with_the_class_that_holds_it():
    from coursekit import add_to_class

    class Net:
        pass

    @add_to_class(Net)
    def backward(self, grad):  # as nbgrader leaves an answer cell that was not written
        raise NotImplementedError()

    class RecordingNet(Net):  # a subclass, as lesson 4's training demo uses
        pass

    error = raised_by(lambda: RecordingNet().backward(1.0))
    assert why_it_failed(error, "04_backpropagation") == "`Net.backward` is not done yet"


def test_a_chain_of_demos_that_fall_back_gives_the_first_reason_once(monkeypatch, capsys):
    """Demo 2 needs what demo 1 computes, demo 3 what demo 2 computes: all name the exercise."""
    from IPython.core.interactiveshell import InteractiveShell

    from coursekit import demos

    monkeypatch.delenv("COURSEKIT_DEMOS_STRICT", raising=False)
    monkeypatch.setattr(demos, "_left_undefined", {})
    monkeypatch.setattr(demos, "recordings", lambda notebook: {"demos": {"a": [], "b": [], "c": []}})
    shell = InteractiveShell.instance()
    shell.run_cell("class Net:\n    def backward(self, grad):\n        raise NotImplementedError()")
    notices = []
    monkeypatch.setattr(demos, "_display_recorded", lambda outputs: None)
    monkeypatch.setattr("IPython.display.display", lambda html: notices.append(html.data))
    demos.demo("lesson/a", "print('partial')\nhistory = Net().backward(1)")
    demos.demo("lesson/b", "curves = [h for h in history]")
    demos.demo("lesson/c", "print(curves)")
    assert [n.count("`Net.backward` is not done yet") for n in notices] == [1, 1, 1], notices
    assert "`curves`, which an earlier demo" in notices[2] and "history" not in notices[2], notices
    assert "is not defined yet" not in " ".join(notices)
