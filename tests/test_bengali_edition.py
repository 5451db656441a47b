"""The Bengali edition (bn/): the same course, code, tests and grade ids, in a second language.

instructor/authoring/translations.py keeps the catalogues, instructor/authoring/editions.py builds bn/ from them,
coursekit/language.py picks the texts code shows. These tests prove that the two editions are
one course (parity), that every text has a current translation (completeness, staleness), and
that the translations keep the code, math and links of the English intact (hygiene).
"""

from __future__ import annotations

import ast
import re
import shutil
import unicodedata
from pathlib import Path

import nbformat
import numpy as np
import pytest
from notebook_course import ROOT

from coursekit import language, quiz
from instructor.authoring import editions, layout, translations

LANGUAGE = "bn"
NOTEBOOKS = translations.source_notebooks(ROOT)
CATALOGUES = translations.catalogues(ROOT, LANGUAGE)


def _id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _student_version(notebook: Path, edition: Path = ROOT) -> Path:
    return edition / layout.student_folder(notebook.parent.name) / notebook.name


def _bengali_student_version(notebook: Path) -> Path:
    return _student_version(notebook, ROOT / LANGUAGE)


def _without_checksum(cell) -> dict:
    meta = dict(cell.metadata.get("nbgrader", {}))
    meta.pop("checksum", None)
    return meta


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_id)
def test_the_bengali_source_keeps_every_cell_code_and_grade_id(notebook):
    english = nbformat.read(str(notebook), as_version=4)
    bengali = editions.translated_source(ROOT, notebook, LANGUAGE)
    assert [(c.id, c.cell_type) for c in bengali.cells] == [(c.id, c.cell_type) for c in english.cells]
    for mine, theirs in zip(bengali.cells, english.cells):
        assert mine.metadata == theirs.metadata, f"cell {mine.id}: metadata differs"
        if mine.cell_type == "code":
            _same_code_but_the_caption(mine, theirs)
    assert bengali.metadata["course"]["language"] == LANGUAGE


def _same_code_but_the_caption(mine, theirs) -> None:
    """The edition's code cell is the English one; only a collapsed cell's first line, a comment
    (its caption), may be in the edition's language."""
    if translations.caption(theirs) is None:
        assert mine.source == theirs.source, f"code cell {mine.id} differs from the English"
        return
    first, *rest = mine.source.split("\n")
    assert rest == theirs.source.split("\n")[1:], f"code cell {mine.id} differs from the English below its caption"
    assert first.startswith("# ") and translations.BENGALI.search(first), \
        f"code cell {mine.id}: the caption is not a Bengali comment: {first!r}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_id)
def test_the_bengali_student_version_is_the_english_one_in_bengali(notebook):
    english = nbformat.read(str(_student_version(notebook)), as_version=4)
    bengali = nbformat.read(str(_bengali_student_version(notebook)), as_version=4)
    assert [(c.id, c.cell_type) for c in bengali.cells] == [(c.id, c.cell_type) for c in english.cells]
    untranslated = []
    for mine, theirs in zip(bengali.cells, english.cells):
        if mine.cell_type == "code":
            _same_code_but_the_caption(mine, theirs)
            # A locked cell's checksum is of its own text (the caption is part of it).
            assert _without_checksum(mine) == _without_checksum(theirs), f"code cell {mine.id}: metadata differs"
        else:
            # A locked markdown cell's checksum is of its own text; everything else is shared.
            assert _without_checksum(mine) == _without_checksum(theirs), f"cell {mine.id}: nbgrader metadata differs"
            if theirs.source.strip() and not translations.BENGALI.search(mine.source):
                untranslated.append(mine.id)
    assert not untranslated, f"markdown cells still in English: {untranslated}"


@pytest.mark.parametrize("origin, catalogue", CATALOGUES, ids=lambda p: _id(p))
def test_every_text_has_a_current_well_formed_translation(origin, catalogue):
    problems = translations.check_catalogue(origin, catalogue)
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("translated", translations.translated_files(ROOT, LANGUAGE), ids=_id)
def test_a_translated_file_is_current_and_well_formed(translated):
    problems = translations.check_file(ROOT, translated)
    assert not problems, "\n".join(problems)


def test_the_committed_edition_equals_a_fresh_build():
    stale = editions.differences(ROOT, LANGUAGE)
    assert not stale, f"run `python -m instructor.authoring.editions {LANGUAGE}`; stale: {stale}"


def test_a_changed_english_cell_names_its_stale_translation(tmp_path):
    notebook = NOTEBOOKS[0]
    changed = tmp_path / "source" / notebook.parent.name / notebook.name
    changed.parent.mkdir(parents=True)
    nb = nbformat.read(str(notebook), as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.strip())
    cell.source += "\n\nOne more sentence in English."
    nbformat.write(nb, str(changed))
    catalogue = tmp_path / "catalogue.po"
    shutil.copyfile(translations.catalogue_path(ROOT, notebook, LANGUAGE), catalogue)
    problems = translations.check_catalogue(changed, catalogue)
    assert [p for p in problems if f"md:{cell.id}" in p and "stale" in p], problems


def _quizzes() -> list[tuple[str, list[dict]]]:
    found = []
    for notebook in NOTEBOOKS:
        for cell in nbformat.read(str(notebook), as_version=4).cells:
            if cell.cell_type == "code" and "show_quiz(" in cell.source:
                for node in ast.walk(ast.parse(cell.source)):
                    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_quiz":
                        found.append((ast.literal_eval(node.args[0]), ast.literal_eval(node.args[1])))
    return found


@pytest.mark.parametrize("quiz_id, questions", _quizzes(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_quiz_speaks_bengali_and_keeps_its_answers(quiz_id, questions):
    bengali = quiz.in_language(quiz_id, questions, LANGUAGE)
    for english_q, bengali_q in zip(questions, bengali, strict=True):
        assert quiz.correct_option(bengali_q) == quiz.correct_option(english_q)
        assert list(bengali_q["options"]) == list(english_q["options"])
        texts = [(english_q["question"], bengali_q["question"])]
        texts += [(english_q[field][o], bengali_q[field][o]) for field in ("options", "feedback")
                  for o in english_q["options"]]
        for english_text, bengali_text in texts:
            if any(w.isalpha() and len(w) > 3 for w in english_text.split()):
                assert translations.BENGALI.search(bengali_text), \
                    f"{quiz_id}/{english_q['id']}: {english_text!r} is shown in English"
    right = quiz.verdict_html(bengali[0], quiz.correct_option(questions[0]), LANGUAGE)
    assert "ঠিক" in right


def test_the_notebook_language_follows_the_edition_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSEKIT_LANGUAGE", raising=False)
    for folder, expected in (("bn/lessons/lesson1", "bn"), ("bn/lab", "bn"), ("lessons/lesson1", "en"),
                             ("lab", "en"), ("submitted/ana/lesson1", "en")):
        (tmp_path / folder).mkdir(parents=True)
        monkeypatch.chdir(tmp_path / folder)
        assert language.current() == expected, folder
    monkeypatch.setenv("COURSEKIT_LANGUAGE", "bn")  # what the grader sets from the notebook
    assert language.current() == "bn"


@pytest.mark.parametrize("english, bengali, complaint", [
    ("a random start", "একটি র্যান্ডম শুরু", "zero-width joiner"),
    ("a burden", unicodedata.normalize("NFD", "একটি বোঝা"), "NFC"),
    ("a weight", "একটি ওজন д", "Cyrillic"),
    ("the loss $L$", "লস $L_{মোট}$", "Bengali inside math"),
    ("call `np.exp(z)`", "`np.exp(x)` ডাকুন", "code differs"),
    ("see [the lab](../lab/README.md)", "[ল্যাব](README.md) দেখুন", "link targets"),
    ("{count} samples", "নমুনা", "placeholders"),
    ("the weights of the layer", "the weights of the whole layer here", "English prose"),
    ("the weights of the layer", "স্তরের ওজন: the weights of the whole layer", "English prose"),
    ("the weights", "the weights", "not translated"),
    ("a multi-layer perceptron", "একটি বহুস্তর পারসেপট্রন", "one term per concept"),
    ("a layer", "একটি লেয়ার", "layer is স্তর"),
    # The term table (translations/bn/terms.md), whitespace-normalised: a line break is a space.
    ("a straight line", "একটি সরল\nরেখা", "straight line"),
    ("the true class", "প্রকৃত   শ্রেণি", "true class"),
    ("the same seed", "একই seed দিন", "seed"),
    ("## Recap of lesson 1", "## পাঠ 1-এর পুনরালোচনা", "a heading that says 'Recap'"),
    ("## Review and self-study", "## সারসংক্ষেপ ও নিজে পড়া", "a heading that says 'Review'"),
])
def test_the_translation_checks_catch_each_mistake(english, bengali, complaint):
    problems = translations.problems_of(english, bengali)
    assert any(complaint in p for p in problems), problems


def test_a_good_translation_passes_the_checks():
    english = "Call `softmax(z)` on scores $z$; see [the lab](../lab/README.md) for a random start."
    bengali = "স্কোর $z$-এর উপর `softmax(z)` চালান; র\u200d্যান্ডম শুরুর জন্য [ল্যাব](../lab/README.md) দেখুন।"
    assert translations.problems_of(english, bengali) == []
    # Names that stay English (a menu in italics, a cited title as link text), and a formula.
    assert translations.problems_of("Use *Run > Run Selected Cell and All Below*.",
                                    "*Run > Run Selected Cell and All Below* ব্যবহার করুন।") == []
    assert translations.problems_of("-onehot(y) / (N p)", "-onehot(y) / (N p)") == []


def test_the_bengali_readme_is_clean_bengali():
    text = (ROOT / "README.bn.md").read_text(encoding="utf-8")
    assert translations.hygiene_problems(text) == []
    english_left = translations.ENGLISH_RUN.findall(translations.NAMES.sub(" ", translations.prose(text)))
    assert not english_left, english_left


@pytest.mark.parametrize("english, bengali", [
    ("exponential", "সূচকীয় মান"),  # an exception of the table: সূচক (index) inside সূচকীয়
    ("rng = np.random.default_rng(seed)", "rng = np.random.default_rng(seed) দিন"),  # seed in code
    ("a `seed`", "একটি `seed`"),
    ("## Recap of lesson 1", "## পাঠ 1-এর সারসংক্ষেপ"),
    ("## Review and self-study", "## পুনরালোচনা ও নিজে পড়া"),
])
def test_the_term_table_leaves_code_and_other_words_alone(english, bengali):
    assert translations.problems_of(english, bengali) == []


#: What ``\text{}`` may hold in the source's math: names of functions and subscripts, never words
#: (a Bengali translation has to keep what math holds, so a word there stays English).
MATH_NAMES = {"abs", "sq", "log", "sign", "softmax", "sigmoid", "onehot", "ReLU", "CE", "Var",
              "param", "lr", "grad", "in", "out", "-"}


def test_no_words_inside_the_sources_math():
    found = []
    for notebook in NOTEBOOKS:
        for cell in nbformat.read(str(notebook), as_version=4).cells:
            if cell.cell_type == "markdown":
                found += [(notebook.name, cell.id, word) for span in translations.math_spans(cell.source)
                          for word in re.findall(r"\\(?:text|mathrm|textrm|mbox|operatorname)\{([^{}]*)\}", span)
                          if word.strip() not in MATH_NAMES]
    assert not found, f"words inside math (write them in the sentence around it): {found}"


def test_every_collapsed_cell_has_its_caption_in_bengali():
    captions = 0
    for notebook in NOTEBOOKS:
        english = nbformat.read(str(notebook), as_version=4)
        bengali = editions.translated_source(ROOT, notebook, LANGUAGE)
        for theirs, mine in zip(english.cells, bengali.cells):
            if translations.caption(theirs):
                captions += 1
                assert translations.caption(mine) != translations.caption(theirs), f"{notebook.name} {mine.id}"
    assert captions >= 57, captions  # the quizzes and test cells of issue 17


def test_autograde_gives_a_bengali_notebook_its_locked_text_back_in_bengali():
    """nbgrader's OverwriteCells restores locked cells from the English source; KeepEditionText
    (after it) puts the edition's text back, from the course's catalogue, never the student's."""
    from instructor.grading.preprocessors import KeepEditionText

    source = translations.source_notebooks(ROOT)
    lab = next(p for p in source if p.parent.name == "lab")
    english = nbformat.read(str(lab), as_version=4)
    locked = [c.id for c in english.cells
              if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("locked")]
    assert locked, "the lab has locked questions"

    def graded(language: str | None):
        nb = nbformat.read(str(lab), as_version=4)  # as OverwriteCells leaves it: English
        if language:
            nb.metadata["course"] = {"language": language}
        resources = {"nbgrader": {"assignment": "lab", "notebook": lab.stem}}
        nb, _ = KeepEditionText(course_root=str(ROOT)).preprocess(nb, resources)
        return {c.id: c.source for c in nb.cells}

    texts = translations.load(translations.catalogue_path(ROOT, lab, LANGUAGE))
    bengali, plain = graded(LANGUAGE), graded(None)
    for cell_id in locked:
        assert bengali[cell_id] == texts[f"md:{cell_id}"] and translations.BENGALI.search(bengali[cell_id])
        assert plain[cell_id] == next(c.source for c in english.cells if c.id == cell_id)
    unlocked = [c.id for c in english.cells if c.cell_type == "markdown" and c.id not in locked]
    assert all(bengali[i] == plain[i] for i in unlocked), "only locked cells are the edition's to set"
    # The captions of the collapsed test cells too, and nothing else of their code.
    tests = [c for c in english.cells if translations.caption(c) and c.metadata.get("nbgrader", {}).get("locked")]
    assert tests
    for cell in tests:
        assert translations.BENGALI.search(bengali[cell.id].splitlines()[0]), cell.id
        assert bengali[cell.id].splitlines()[1:] == cell.source.splitlines()[1:]
        assert plain[cell.id] == cell.source


def _message_entries() -> list[tuple[str, str, str]]:
    import polib

    found = []
    for _, catalogue in CATALOGUES:
        for entry in polib.pofile(str(catalogue)):
            if entry.msgctxt.startswith(translations.MESSAGE) and entry.translated() and not entry.obsolete:
                found.append((_id(catalogue), entry.msgid, entry.msgstr))
    return found


def test_every_test_message_is_recognised_and_rebuilt_in_bengali():
    """Each message template, filled with values as a failing check would fill it, comes back as
    its translation with the same values; in English it is left alone."""
    entries = _message_entries()
    assert len(entries) > 500, "the test messages of the six notebooks are translated"
    # A message used in two notebooks has one translation at run time (the build keeps one).
    chosen = editions.runtime_texts(ROOT, LANGUAGE)["messages"]
    wrong = []
    for where, english, bengali in entries:
        values = {f"v{i}": f"<{i * 7}>" for i in range(1, 10)}  # values without the separators of the text
        text = english.format(**values)
        if len("".join(re.split(r"\{v\d+\}", english)).strip()) < 2:
            continue  # a bare "{v1}" is not recognised on purpose (coursekit/language.py)
        if language.translate_message(text, LANGUAGE) != chosen[english].format(**values):
            wrong.append((where, english))
        assert language.translate_message(text, "en") == text
    assert not wrong, wrong[:5]


def test_a_failing_check_speaks_the_notebooks_language(monkeypatch):
    from coursekit import grading

    _where, english, bengali = next(e for e in _message_entries() if "{v1}" in e[1])
    text = english.format(v1="42", v2="(2, 3)", v3="x", v4="y")
    monkeypatch.setenv("COURSEKIT_LANGUAGE", LANGUAGE)
    with pytest.raises(AssertionError) as raised:
        grading.check(False, text)
    assert str(raised.value) == bengali.format(v1="42", v2="(2, 3)", v3="x", v4="y")
    with pytest.raises(AssertionError) as raised:
        grading.check_shape(np.zeros((2, 3)), (3, 2), "W")
    assert str(raised.value).startswith("W: আকার হওয়ার কথা (3, 2), পাওয়া গেল (2, 3)")
    monkeypatch.setenv("COURSEKIT_LANGUAGE", "en")
    with pytest.raises(AssertionError) as raised:
        grading.check(False, text)
    assert str(raised.value) == text


def test_what_code_cells_draw_and_print_is_extracted_as_templates():
    cell = (
        "ax.set_title(f'{name}: {len(x)} points')\n"
        "ax.set(xlabel='hidden unit 1', ylabel='$x_2$', title='input space')\n"
        "ax.plot(x, y, label=f'lr = {lr}')\n"
        "ax.legend(['training', 'validation'])\n"
        "ax.text(0, 1, 'Linear')\n"
        "print('loss after', epochs, f'epochs: {loss:.3f}')\n"
        "print(f'{value}')\n"
        "print('a', 'b', sep='')\n")
    found = [text for text, _ in translations.display_entries(cell, "cell x")]
    assert found == ["{v1}: {v2} points", "hidden unit 1", "input space", "lr = {v1}",
                     "training", "validation", "Linear", "loss after {v1} epochs: {v2}"]


def test_demos_draw_and_print_in_the_notebooks_language(tmp_path):
    """coursekit/edition_output.py, in a process of its own (it replaces print for the process)."""
    import json
    import os
    import subprocess
    import sys

    messages = editions.runtime_texts(ROOT, LANGUAGE)["messages"]
    printed = next(e for e in messages if e.startswith("{v1} training points, {v2} validation"))
    title = next(e for e in messages if e.startswith("{v1}, one layer: accuracy {v2}"))
    script = (
        "import json, matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
        "import coursekit\n"
        "fig, ax = plt.subplots()\n"
        "ax.set_title('moons, one layer: accuracy 51%')\nax.set_xlabel('0.5')\n"
        "ax.set_ylabel('feature $x_1$')\n"
        "ax.plot([0, 1], [0, 1], label='moons, one layer: accuracy 51%')\nlegend = ax.legend()\n"
        "print(40, 'training points, 200 validation points')\n"
        "print(json.dumps([ax.get_title(), ax.get_xlabel(), legend.get_texts()[0].get_text(),\n"
        "                  ax.get_ylabel()]))\n")
    results = {}
    for chosen in ("en", LANGUAGE):
        env = {**os.environ, "COURSEKIT_LANGUAGE": chosen, "MPLCONFIGDIR": str(tmp_path)}
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             env=env, cwd=tmp_path, timeout=120, check=False)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "missing from font" not in run.stderr
        lines = run.stdout.splitlines()
        results[chosen] = (lines[0], json.loads(lines[1]))
    assert results["en"] == ("40 training points, 200 validation points",
                             ["moons, one layer: accuracy 51%", "0.5", "moons, one layer: accuracy 51%",
                              "feature $x_1$"])
    expected_title = messages[title].format(v1="moons", v2="51%")
    # Bengali beside math: the math in plain Unicode (mathtext would draw the Bengali as boxes).
    assert messages["feature $x_1$"].endswith(" $x_1$")
    expected_label = messages["feature $x_1$"].replace(" $x_1$", " x\u2081")
    assert results[LANGUAGE] == (messages[printed].format(v1="40", v2="200"),
                                 [expected_title, "0.5", expected_title, expected_label])
    assert re.search("[\u0980-\u09ff]", expected_title)


def test_texts_shown_through_a_name_are_extracted_too():
    cell = (
        "choices = {'std 0.01 (too small)': 0.01, 'std 1 (too large)': 1.0}\n"
        "FLAVOURS = [(80, 'full batch'), (8, 'minibatch')]\n"
        "for label, std in choices.items():\n    ax.plot(x, y, label=label)\n"
        "for size, name in FLAVOURS:\n    ax.plot(x, y, label=name)\n"
        "for ax, title in zip(axes, ('your Linear', 'bug: divided by N')):\n"
        "    ax.set(title=f'{title}\\nrelative error {error:.1e}')\n"
        "print(f\"{name}: {'OK' if error < 1e-7 else 'CHECK YOUR BACKWARD'}\")\n"
        "ax.set_xticks(range(3), [f'class {c}' for c in range(3)])\n")
    found = {text for text, _ in translations.display_entries(cell, "cell x")}
    assert {"std 0.01 (too small)", "std 1 (too large)", "full batch", "minibatch", "your Linear",
            "bug: divided by N", "{v1}\nrelative error {v2}", "OK", "CHECK YOUR BACKWARD",
            "class {v1}"} <= found


@pytest.mark.parametrize("text, plain", [
    ("বৈশিষ্ট্য $x_1$", "বৈশিষ্ট্য x₁"),
    (r"ফেরত দেয়: $\partial L/\partial x$", "ফেরত দেয়: ∂L/∂x"),
    (r"লস, $-\ln \sigma(\mathrm{margin})$", "লস, −ln σ(margin)"),
    (r"10টি স্তরের পর $\log_{10}|$মান$|$", "10টি স্তরের পর log₁₀|মান|"),
    (r"ত্রুটি $f(x^{(i)}) - y^{(i)}$", "ত্রুটি f(x⁽ⁱ⁾) − y⁽ⁱ⁾"),
    (r"মডেল $f(x) = 0.25\,x$", "মডেল f(x) = 0.25\u2009x"),
    # No Unicode subscript for c or y: an index as the code writes it, never a raw "_c".
    (r"সম্ভাবনা $\sigma(z / T)_c$", "সম্ভাবনা σ(z / T)[c]"),
    (r"আসল শ্রেণির সম্ভাবনা, $p_y$", "আসল শ্রেণির সম্ভাবনা, p[y]"),
])
def test_math_beside_bengali_is_written_out_in_plain_unicode(text, plain):
    """Mathtext would draw the whole text, Bengali included, letter by letter as boxes."""
    from coursekit.plain_math import without_math

    assert without_math(text) == plain


def test_an_unanswered_bengali_written_answer_is_no_response():
    """nbgrader scores an untouched written answer 0 ("No response.") by the checksum of the
    English stub; a Bengali notebook's untouched stub must count as that same empty answer."""
    from nbgrader.utils import compute_checksum

    from instructor.grading.preprocessors import KeepEditionText

    english = nbformat.read(str(ROOT / "lab" / "mnist_lab.ipynb"), as_version=4)
    bengali = nbformat.read(str(_bengali_student_version(ROOT / "source" / "lab" / "mnist_lab.ipynb")),
                            as_version=4)
    written = {c.metadata["nbgrader"]["grade_id"]: c for c in english.cells
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")}
    assert written, "the lab has written answers"
    nb, _ = KeepEditionText(course_root=str(ROOT)).preprocess(
        bengali, {"nbgrader": {"assignment": "lab", "notebook": "mnist_lab"}})
    answers = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")}
    assert sorted(answers) == sorted(written)
    for grade_id, cell in answers.items():
        assert compute_checksum(cell) == written[grade_id].metadata["nbgrader"]["checksum"], grade_id


@pytest.mark.parametrize("english, bengali", [
    # A value padded by its f-string ({name:>14}) is translated and keeps its padding.
    ("  squared error: best constant 2.940", "  স্কোয়ারড এরর: সেরা ধ্রুবক 2.940"),
    # A value that is itself a template's text ("early stopping at epoch {stop}" as a dict key).
    ("early stopping at epoch 12\nvalidation accuracy 95%", "ইপোক 12-এ আর্লি স্টপিং\nভ্যালিডেশন সঠিকতা 95%"),
    # Lines put together ("too small\n" + a title): each line on its own.
    ("too small\nη = 0.01: diverged", "খুব ছোট\nη = 0.01: ডাইভার্জ করেছে"),
    # Two templates match; the one that explains the values wins over "{v1} hidden unit{v2}: {v3}".
    ("XOR, two layers, 8 hidden units: 100%", "XOR, দুই স্তর, 8টি লুকানো ইউনিট: 100%"),
])
def test_shown_texts_built_from_values_come_out_whole_in_bengali(english, bengali):
    assert language.translate_message(english, LANGUAGE) == bengali
