"""Apply issue 10 ("the student's path") to the course's source notebooks, idempotently.

    python scripts/apply_student_path.py [FOLDER]     # FOLDER defaults to source/

Notebooks are found by file name anywhere under FOLDER (``01_loss_functions.ipynb`` ...,
``mnist_lab.ipynb``), and cells by their nbgrader grade_id, their kind (quiz, test) or a
sentence they contain, never by position, so the script can be re-run after the notebooks move
or are regenerated. Running it twice changes nothing the second time. It edits only quiz cells,
markdown cells, demo cells, one caption line on top of test cells, and cell metadata:

- quizzes get question and option ids and an answer key that does not depend on any text
  (each option's one-line feedback is written in the quiz itself, see coursekit/quiz.py);
- quiz and test cells are collapsed (``metadata.jupyter.source_hidden``); their first line is
  a comment, which JupyterLab shows as the collapsed cell's caption;
- every lesson demo cell starts with ``%%demo <notebook>/<cell id>`` (and the set-up cell loads
  ``coursekit.demos``), so a demo whose exercise is unfinished shows its recorded output;
- small visible-check fixes in test cells (the lab's thresholds, lesson 2's shape message),
  each a string replacement that is skipped once applied;
- the text slips of issue 10, the intro's "how to go on after an error", the lab README's link.

Afterwards: ``python scripts/build_demo_fallbacks.py`` when a demo changed (it records the
demos' outputs), then ``nbgrader generate_assignment <assignment> --force`` for each assignment.
"""

from __future__ import annotations

import ast
import hashlib
import json
import random
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(Path(__file__).resolve().parent)]

from coursekit.quiz import answer_key

LESSONS = ("01_loss_functions", "02_gradient_descent", "03_linear_layer", "04_backpropagation",
           "05_multilayer_perceptron")
LAB = "mnist_lab"

QUIZ_CAPTION = "# Self-check quiz (not graded): run this cell, then click an answer to see why."
TEST_CAPTION = "# Checks for the exercise above: run this cell; if one fails, its message says what to fix."
CAPTION_PREFIXES = ("# Self-check quiz", "# Checks for")


# --------------------------------------------------------------------------------------------
# Finding things


def find_notebooks(folder: Path) -> dict[str, Path]:
    """Stem -> path of every course notebook under ``folder`` (executed copies excluded)."""
    found = {}
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts or path.stem not in LESSONS + (LAB,):
            continue
        if path.stem in found:
            raise SystemExit(f"two notebooks named {path.name} under {folder}: {found[path.stem]} "
                             f"and {path}; point the script at one course.")
        found[path.stem] = path
    return found


def nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_quiz_cell(cell: dict) -> bool:
    return cell["cell_type"] == "code" and str(nbgrader(cell).get("grade_id", "")).startswith("quiz")


def is_test_cell(cell: dict) -> bool:
    meta = nbgrader(cell)
    return cell["cell_type"] == "code" and bool(meta.get("grade")) and not meta.get("solution")


def collapse(cell: dict) -> None:
    cell.setdefault("metadata", {}).setdefault("jupyter", {})["source_hidden"] = True


def set_caption(cell: dict, caption: str) -> None:
    lines = cell["source"].split("\n")
    if lines and lines[0].startswith(CAPTION_PREFIXES):
        lines = lines[1:]
    cell["source"] = "\n".join([caption] + lines)


# --------------------------------------------------------------------------------------------
# Quizzes


def _quiz_literal(tree: ast.Module) -> ast.List:
    for node in ast.walk(tree):
        if isinstance(node, ast.List) and node.elts and all(isinstance(e, ast.Dict) for e in node.elts):
            return node
    raise ValueError("no list of question dicts found")


def _title(tree: ast.Module) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "show_quiz":
            for keyword in node.keywords:
                if keyword.arg == "title":
                    return ast.literal_eval(keyword.value)
    return "Quiz"


def _old_key(question: str, option: str) -> str:
    """The key format before issue 10: a hash of the question and option texts."""
    return hashlib.sha256(f"{question.strip()}\n{option.strip()}".encode()).hexdigest()[:12]


def convert_question(quiz_id: str, number: int, q: dict) -> dict:
    """A question in the current format (ids, text-free key, feedback per option)."""
    if isinstance(q["options"], dict):  # already converted: keep ids and key
        converted = dict(q)
    else:
        right = [o for o in q["options"] if _old_key(q["question"], o) == q["key"]]
        if len(right) != 1:
            raise ValueError(f"{quiz_id} question {number}: the old key matches {len(right)} options")
        # Ids are given after a seeded shuffle: the author's order (right answer first, mostly)
        # must not survive in the source either.
        texts = list(q["options"])
        random.Random(f"{quiz_id}/q{number}").shuffle(texts)
        ids = "abcdefgh"
        options = {ids[k]: text for k, text in enumerate(texts)}
        qid = f"q{number}"
        right_id = next(oid for oid, text in options.items() if text == right[0])
        converted = {"id": qid, "question": q["question"], "options": options,
                     "key": answer_key(qid, right_id), "feedback": {}}
    if set(converted.get("feedback") or {}) != set(converted["options"]):
        raise ValueError(f"{quiz_id} question {number}: write \"feedback\": {{option id: why}} for "
                         f"every option {sorted(converted['options'])} (coursekit/quiz.py)")
    return converted


def quiz_source(quiz_id: str, questions: list[dict], title: str) -> str:
    def text(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = [QUIZ_CAPTION, "from coursekit.quiz import show_quiz", "",
             f"show_quiz({text(quiz_id)}, ["]
    for q in questions:
        lines += ["    {", f"        \"id\": {text(q['id'])},",
                  f"        \"question\": {text(q['question'])},", "        \"options\": {"]
        lines += [f"            {text(oid)}: {text(option)}," for oid, option in q["options"].items()]
        lines += ["        },", f"        \"key\": {text(q['key'])},", "        \"feedback\": {"]
        lines += [f"            {text(oid)}: {text(why)}," for oid, why in q["feedback"].items()]
        lines += ["        },", "    },"]
    lines.append(f"], title={text(title)});")
    return "\n".join(lines)


def rewrite_quiz(stem: str, cell: dict) -> None:
    gid = nbgrader(cell)["grade_id"]
    quiz_id = f"{stem}/{gid}"
    tree = ast.parse(cell["source"])
    questions = ast.literal_eval(_quiz_literal(tree))
    converted = [convert_question(quiz_id, n, q) for n, q in enumerate(questions, 1)]
    cell["source"] = quiz_source(quiz_id, converted, _title(tree))
    collapse(cell)


# --------------------------------------------------------------------------------------------
# Markdown: text slips and the intro


def replace_once(nb: dict, old: str, new: str, where: str) -> None:
    """Replace ``old`` by ``new`` in the markdown cell holding it; fine if already replaced."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and old in cell["source"]:
            cell["source"] = cell["source"].replace(old, new)
            return
    if not any(cell["cell_type"] == "markdown" and new in cell["source"] for cell in nb["cells"]):
        raise ValueError(f"{where}: found neither {old[:60]!r} nor its replacement")


AFTER_AN_ERROR = (
    "**When a cell fails.** Read its message, fix the cell it names, and run it again. To run the "
    "rest of the notebook after an error, click the first cell you have not run and choose "
    "*Run > Run Selected Cell and All Below*. Stuck on an exercise? Skip it and read on: the "
    "exercises are graded one by one, and a demo that needs an unfinished exercise says so and "
    "shows the course's recorded reference output instead. Come back to it later."
)


def replace_in_demo(nb: dict, old: str, new: str, where: str) -> None:
    """Replace ``old`` by ``new`` in the ungraded code cell holding it; fine if already done."""
    for cell in nb["cells"]:
        meta = nbgrader(cell)
        if cell["cell_type"] == "code" and not meta.get("grade") and not meta.get("solution") \
                and old in cell["source"] and new not in cell["source"]:
            cell["source"] = cell["source"].replace(old, new)
            return
    if not any(cell["cell_type"] == "code" and new in cell["source"] for cell in nb["cells"]):
        raise ValueError(f"{where}: found neither {old[:60]!r} nor its replacement")


DEMO_FIXES: dict[str, list[tuple[str, str]]] = {}  # (text to replace in demo cells, per notebook)


def replace_in_tests(nb: dict, old: str, new: str, where: str) -> None:
    """Replace ``old`` by ``new`` in every test cell (outside hidden tests, as written)."""
    found = False
    for cell in nb["cells"]:
        if is_test_cell(cell) and new in cell["source"]:
            found = True  # already applied
        elif is_test_cell(cell) and old in cell["source"]:
            cell["source"] = cell["source"].replace(old, new)
            found = True
    if not found:
        raise ValueError(f"{where}: no test cell holds {old[:60]!r} or its replacement")


GRADER_WANTS = ('f"digits correctly: the grader will want {100 * min_accuracy:.0f} %; yours is "\n'
                '          f"{math.floor(1000 * accuracy) / 10:.1f} %. Is it trained? Look at its "')
# Text to replace in test cells, per notebook. (Lesson 2's shape check in train_perceptron's
# stand-in, and the lab's visible network checks, now live in those cells as written.)
TEST_FIXES: dict[str, list[tuple[str, str]]] = {}


DEMO_MAGIC = "%%demo"
LOAD_DEMOS = "%reload_ext coursekit.demos"
#: Ungraded cells that are never demos: set-up, quizzes, recaps of earlier answers.
NOT_DEMOS = ("setup", "quiz", "recap")


def is_demo_cell(cell: dict) -> bool:
    """An ungraded code cell that computes or shows something (not only defs and imports)."""
    meta = nbgrader(cell)
    if cell["cell_type"] != "code" or meta.get("grade") or meta.get("solution") \
            or str(meta.get("grade_id", "")).startswith(NOT_DEMOS):
        return False
    body = "\n".join(line for line in cell["source"].split("\n") if not line.lstrip().startswith("%"))
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return False
    passive = (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    return any(not isinstance(node, passive) for node in tree.body)


def mark_demos(nb: dict, stem: str) -> None:
    """``%%demo <notebook>/<cell id>`` on top of every demo cell; the set-up cell loads it."""
    setup = next((c for c in nb["cells"] if nbgrader(c).get("grade_id") == "setup"), None)
    if setup is None:
        raise ValueError(f"{stem}: no set-up cell (grade_id 'setup') to load the demo magic")
    if LOAD_DEMOS not in setup["source"]:
        # Last: the lines above may need to run first (coursekit.grading binds NumPy early).
        setup["source"] = (setup["source"].rstrip() + "\n# %%demo cells: a demo whose exercise "
                           "is not done yet shows the course's recorded output instead.\n" + LOAD_DEMOS)
    for cell in nb["cells"]:
        if cell["source"].startswith(DEMO_MAGIC):
            cell["source"] = cell["source"].split("\n", 1)[1] if "\n" in cell["source"] else ""
        if is_demo_cell(cell):
            cell["source"] = f"{DEMO_MAGIC} {stem}/{cell['id']}\n" + cell["source"]


def add_to_intro(nb: dict, text: str, where: str) -> None:
    text = textwrap.fill(text, width=99, break_long_words=False, break_on_hyphens=False)
    first = next((c for c in nb["cells"] if c["cell_type"] == "markdown"), None)
    if first is None:
        raise ValueError(f"{where}: no markdown cell for the intro")
    if text not in first["source"]:
        earlier = first["source"].find("**When a cell fails.**")
        body = first["source"][:earlier] if earlier >= 0 else first["source"]
        first["source"] = body.rstrip() + "\n\n" + text


TEXT_FIXES: dict[str, list[tuple[str, str]]] = {
    "01_loss_functions": [
        ("and that matters for three reasons.", "and that matters for two reasons."),
        # The review table promised lesson 4 would give the logistic-loss gradient; it does not.
        ("| $-y\\ln p - (1-y)\\ln(1-p)$ | lesson 4 |",
         "| $-y\\ln p - (1-y)\\ln(1-p)$ | on paper: *Try on your own* 1 below |"),
        # One probability floor for the whole course, as in the recaps and the reference.
        (("Clip `p` into\n$[10^{-12},\\, 1 - 10^{-12}]$ before taking logarithms, so that $p = 0$ or "
         "$p = 1$ gives a large\nbut finite loss instead of `inf` or `nan`."),
         ("Clip `p` into\n$[\\varepsilon,\\, 1 - \\varepsilon]$ with a tiny $\\varepsilon$ before "
         "taking logarithms, so that $p = 0$ or $p = 1$ gives a large\nbut finite loss instead of "
         "`inf` or `nan`. Any tiny $\\varepsilon$ passes the checks; $10^{-12}$ is a fine "
         "choice. The recaps of later lessons\nuse the smallest positive number of the array's "
         "type, `np.finfo(p.dtype).tiny`, which changes the loss of honest predictions least.")),
    ],
    "mnist_lab": [
        ("read `README.md` in this folder", "read [`README.md`](README.md) in this folder"),
    ],
    "04_backpropagation": [
        ("from lesson 3, whose deadline has passed.", "from lesson 3, given here complete."),
    ],
}


def fix_lab_readme(folder: Path) -> None:
    """The lab README names its notebook; make the name a link that opens it."""
    for readme in folder.rglob("README.md"):
        if (readme.parent / f"{LAB}.ipynb").exists():
            text = readme.read_text(encoding="utf-8")
            linked = f"[**`{LAB}.ipynb`**]({LAB}.ipynb)"
            if linked not in text:
                text = text.replace(f"**`{LAB}.ipynb`**", linked, 1)
                if linked not in text:
                    raise ValueError(f"{readme}: could not link the notebook's name")
                readme.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------


def apply(folder: Path, edits: dict[str, list[Callable[[dict, str], None]]] | None = None) -> list[Path]:
    changed = []
    for stem, path in find_notebooks(folder).items():
        nb = nbformat.read(str(path), as_version=4)
        before = json.dumps(nb, sort_keys=True)
        for cell in nb.cells:
            if is_quiz_cell(cell):
                rewrite_quiz(stem, cell)
            elif is_test_cell(cell):
                set_caption(cell, TEST_CAPTION)
                collapse(cell)
        for old, new in TEXT_FIXES.get(stem, []):
            replace_once(nb, old, new, path.name)
        for old, new in TEST_FIXES.get(stem, []):
            replace_in_tests(nb, old, new, path.name)
        for old, new in DEMO_FIXES.get(stem, []):
            replace_in_demo(nb, old, new, path.name)
        if stem in LESSONS:
            add_to_intro(nb, AFTER_AN_ERROR, path.name)
            mark_demos(nb, stem)
        for edit in (edits or {}).get(stem, []):
            edit(nb, stem)
        if json.dumps(nb, sort_keys=True) != before:
            nbformat.write(nb, str(path))
            changed.append(path)
    fix_lab_readme(folder)
    return changed


def main(argv: list[str]) -> None:
    folder = Path(argv[1]) if len(argv) > 1 else REPO / "source"
    if not folder.is_dir():
        raise SystemExit(f"{folder} is not a folder; give the folder holding the source notebooks.")
    for path in apply(folder):
        print(f"updated {path}")


if __name__ == "__main__":
    main(sys.argv)
