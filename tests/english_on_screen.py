"""English words a student of another edition would read on the screen of an executed notebook.

A notebook of the Bengali edition must show no English outside code and Python's tracebacks.
What the student reads, and what is scanned here:

- every output: printed text (stdout and stderr, but not a traceback's frames), an error's
  message, HTML (tags and ``<code>`` removed), plain-text results;
- the texts of every figure, as Matplotlib drew them (titles, axis labels, legends, tick labels,
  ``ax.text``): ``FIGURE_TEXT_HOOK`` runs first in the kernel and reports them as one extra
  output per drawn figure (``FIGURE_TEXTS``), which the test removes again with the hook cell;
- widgets (sliders' labels, a progress bar's description, quiz buttons), from the widget state
  nbclient stores in the notebook's metadata;
- the first line of every collapsed cell, which JupyterLab shows as the cell's caption.

A word is English when it has three Latin letters or more and is none of: a name of the
notebook's own code or of the course's packages (``softmax``, ``dW``, ``float32``, read from
their source), inside backticks or quotes of code, or a name ``ALLOWED`` lists with its reason.
"""

from __future__ import annotations

import ast
import functools
import html
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

FIGURE_TEXTS = "application/x.course-figure-texts+json"

#: Runs before the notebook's first cell: after each figure is drawn (the inline backend draws
#: every figure it shows), the texts the student sees are displayed as an extra output.
FIGURE_TEXT_HOOK = f'''
def _course_report_figure_texts():
    import matplotlib.figure, matplotlib.text
    from IPython.display import display
    draw = matplotlib.figure.Figure.draw

    def draw_and_report(self, renderer):
        result = draw(self, renderer)
        texts = sorted({{t.get_text() for t in self.findobj(matplotlib.text.Text)
                        if t.get_visible() and t.get_text().strip()}})
        if texts and getattr(self, "_course_reported", None) != texts:
            self._course_reported = texts
            display({{"{FIGURE_TEXTS}": texts}}, raw=True)
        return result

    matplotlib.figure.Figure.draw = draw_and_report
_course_report_figure_texts()
del _course_report_figure_texts
'''

#: Latin words that may stay on a Bengali screen, each with its reason.
ALLOWED = {
    # Names: of libraries and data sets, of people, of things that have no Bengali name.
    "NumPy": "a library's name", "Matplotlib": "a library's name", "PyTorch": "a library's name",
    "Python": "a language's name", "Jupyter": "a program's name", "JupyterLab": "a program's name",
    "nbgrader": "a program's name", "MNIST": "a data set's name", "XOR": "a function's name",
    "ReLU": "an activation's name, as in the code", "Tanh": "an activation's name, as in the code",
    "SGD": "the glossary keeps the abbreviation (স্টোকাস্টিক গ্রেডিয়েন্ট ডিসেন্ট (SGD))",
    "MLP": "the abbreviation the lessons use beside the Bengali term",
    "MSE": "the abbreviation the Bengali lesson 3 uses beside মিন স্কোয়ারড এরর",
    "moons": "a data set's name, as the Bengali lesson 5 writes it (*moons*)",
    "circles": "a data set's name, as the Bengali lesson 5 writes it (*circles*)",
    "tanh": "an activation's name, as in formulas and the code", "relu": "an activation's name (the lab's key)",
    "sigmoid": "an activation's name, as in the Bengali lessons' tables",
    "NaN": "a value NumPy prints", "nan": "a value NumPy prints", "inf": "a value NumPy prints",
    "True": "a Python value", "False": "a Python value", "None": "a Python value",
    "dict": "a Python type", "list": "a Python type", "float": "a Python type", "int": "a Python type",
    "str": "a Python type", "tuple": "a Python type",
    # Units.
    "it/s": "tqdm's unit (iterations per second)", "s/it": "tqdm's unit (seconds per iteration)",
    "ms": "milliseconds", "MiB": "a unit", "KiB": "a unit",
    # Math functions, written as in the formulas.
    "exp": "a function in a formula", "log": "a function in a formula", "max": "a function in a formula",
    "min": "a function in a formula", "sqrt": "a function in a formula", "argmax": "a function in a formula",
    "onehot": "a function in a formula",
}
LATIN_WORD = re.compile(r"(?<![\w/.])[A-Za-z][A-Za-z']{2,}(?:/[a-z]+)?(?![\w(])")
#: Code a text quotes: `code`, a call f(...), a dotted name, a name_with_underscores, and
#: Python's exception names (NotImplementedError), as its tracebacks write them.
QUOTED_CODE = re.compile(r"`[^`]*`|'[^'\n]*'|\b\w+(?:\.\w+)+\b|\b\w*_\w*\b|\b\w+\("
                         r"|\b[A-Z]\w*(?:Error|Warning|Exception)\b")
#: A JupyterLab menu path (*Kernel > Restart Kernel and Run All Cells*): JupyterLab has no
#: Bengali language pack, so its menus are English on the student's screen too.
MENU_PATH = re.compile(r"\b[A-Z][a-z]+(?: [A-Za-z]+)* > [A-Z][a-z]+(?: [A-Za-z]+)*")
#: The English term in brackets after its Bengali name ("মিন স্কোয়ারড এরর (mean squared
#: error)"), up to four words: what the catalogue check allows in the lessons' prose too
#: (instructor/authoring/translations.py, ENGLISH_RUN), so that a student can look the term up.
GLOSS = re.compile(r"(?<=[\u0980-\u09ff]) ?\((?:[A-Za-z][A-Za-z-]*)(?: [A-Za-z][A-Za-z-]*){0,3}\)")
#: A LaTeX command in a plot's math (\\mathdefault, \\partial) and a subscript ($n_{out}$, the
#: code's nout); \\text{...}'s words still count.
MATH_NOTATION = re.compile(r"\\[A-Za-z]+|_\{[A-Za-z]+\}")
HTML_CODE = re.compile(r"<(code|pre|script|style)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
HTML_TAG = re.compile(r"<[^>]+>")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
WIDGET_TEXT_FIELDS = ("description", "placeholder", "tooltip", "_options_labels", "button_style_text")
WIDGET_VALUE_MODELS = {"HTMLModel", "LabelModel", "HTMLMathModel", "TextModel", "ButtonModel"}


@dataclass(frozen=True)
class Finding:
    where: str  # "cell 12 (ex-softmax-tests): figure", ...
    words: tuple[str, ...]
    text: str  # the line they are in

    def __str__(self) -> str:
        return f"{self.where}: {', '.join(self.words)} in {self.text.strip()[:160]!r}"


def _python_names(source: str) -> tuple[set[str], set[str]]:
    """(defined, used): the names ``source`` defines (functions, classes, attributes it sets, string keys
    such as ``errors["input"]``) and every other name it uses (variables, parameters: ordinary
    words such as ``epochs`` or ``loss``, code only where the line uses them as code)."""
    used = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME:
                used.add(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), used
    defined = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):  # self.dW = ...
            defined.add(node.attr)
        keys = node.keys if isinstance(node, ast.Dict) else [node.slice] if isinstance(node, ast.Subscript) else []
        defined |= {key.value for key in keys if isinstance(key, ast.Constant)
                    and isinstance(key.value, str) and key.value.isidentifier()}
    return defined, used - defined


def student_strings(nb: dict) -> set[str]:
    """The words of the strings in the answer key's solution regions: in the solved notebook
    they stand for what a student writes (the lab's "net1 after 10 epochs"), not the course's."""
    words = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            continue
        for region in SOLUTION_REGION.findall(cell["source"]):
            try:
                tree = ast.parse(textwrap.dedent(region))
            except SyntaxError:
                continue
            words |= {word for node in ast.walk(tree)
                      if isinstance(node, ast.Constant) and isinstance(node.value, str)
                      for word in re.findall(r"[A-Za-z]+", node.value)}
    return words


SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)


@dataclass(frozen=True)
class CodeNames:
    """Names a message may quote: those the course's code defines are code wherever they stand
    (``backward``, ``Linear``, ``input`` of ``errors["input"]``); any other name of the code only
    where the line uses it as code (``axis=1``, ``exp(scores)``): a variable called ``epoch`` does
    not make the word "epoch" on a plot code."""
    defined: frozenset[str]
    used: frozenset[str]

    def __or__(self, other: CodeNames) -> CodeNames:
        return CodeNames(self.defined | other.defined, self.used | other.used)


def _code_names(sources) -> CodeNames:
    defined, used = set(), set()
    for source in sources:
        mine, theirs = _python_names(source)
        defined |= mine
        used |= theirs
    return CodeNames(frozenset(defined), frozenset(used))


@functools.cache
def package_names(root: Path) -> CodeNames:
    """The names of the course's Python (coursekit, solutions)."""
    return _code_names(path.read_text(encoding="utf-8") for folder in ("coursekit", "solutions")
                       for path in (root / folder).rglob("*.py"))


def notebook_names(nb: dict) -> CodeNames:
    return _code_names("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                  for line in cell["source"].splitlines())
                       for cell in nb["cells"] if cell["cell_type"] == "code")


def english_words(text: str, code: CodeNames, own: set[str] = frozenset()) -> list[str]:
    """The English words of one line of screen text (math's commands and subscripts are not
    words); ``own``: words that are the student's to write."""
    bare = MATH_NOTATION.sub(" ", text)
    for pattern in (MENU_PATH, GLOSS, QUOTED_CODE):
        bare = pattern.sub(" ", bare)
    return [w for w in LATIN_WORD.findall(bare)
            if w not in ALLOWED and w not in own and not _is_code(w, text, code)]


def _is_code(word: str, line: str, code: CodeNames) -> bool:
    if word in code.defined:
        return True
    return word in code.used and re.search(
        rf"(?<![\w.]){word}(?=\s*\$?\s*[(\[=)]|-[\u0980-\u09ff])|[.(]{word}\b", line) is not None


def _widget_texts(nb: dict) -> list[tuple[str, str]]:
    state = nb.get("metadata", {}).get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    found = []
    for model in state.values():
        values = model.get("state", {})
        name = model.get("model_name", "")
        texts = [values.get(field) for field in WIDGET_TEXT_FIELDS]
        if name in WIDGET_VALUE_MODELS:
            texts.append(values.get("value"))
        for text in texts:
            for item in text if isinstance(text, list) else [text]:
                if isinstance(item, str) and item.strip():
                    found.append((f"widget {name}", HTML_TAG.sub(" ", html.unescape(item))))
    return found


def _output_texts(output: dict) -> list[tuple[str, str]]:
    kind = output.get("output_type")
    if kind == "stream":
        text = ANSI.sub("", output.get("text", ""))
        # A traceback printed to stderr (a warning's source line) is Python's, not the course's.
        if output.get("name") == "stderr" and "Traceback (most recent call last)" in text:
            text = text.split("Traceback (most recent call last)")[0]
        return [(output.get("name", "stream"), text)]
    if kind == "error":
        return [("error message", ANSI.sub("", output.get("evalue", "")))]
    data = output.get("data", {})
    if FIGURE_TEXTS in data:
        return [("figure", text) for text in data[FIGURE_TEXTS]]
    if "text/html" in data:
        page = "".join(data["text/html"]) if isinstance(data["text/html"], list) else data["text/html"]
        return [("html", html.unescape(HTML_TAG.sub(" ", HTML_CODE.sub(" ", page))))]
    if "text/markdown" in data:
        return [("markdown", data["text/markdown"])]
    if "text/plain" in data and "application/vnd.jupyter.widget-view+json" not in data \
            and "image/png" not in data:
        return [("text", data["text/plain"])]
    return []


def caption(cell: dict) -> str | None:
    """The line JupyterLab shows for a collapsed cell."""
    if cell.get("metadata", {}).get("jupyter", {}).get("source_hidden") and cell["source"].strip():
        return cell["source"].lstrip().splitlines()[0]
    return None


def _finding(where: str, line: str, names: CodeNames, own: set[str]) -> list[Finding]:
    words = english_words(line, names, own)
    return [Finding(where, tuple(words), line)] if words else []


def findings(nb: dict, root: Path, answer_key: dict | None = None) -> list[Finding]:
    """Every English word on the screen of the executed notebook ``nb``. ``answer_key``: the
    source notebook, when ``nb`` ran with its answers: what the answers print and draw in their
    own words (solution cells, widgets) is the student's to write and is not counted."""
    names = notebook_names(nb) | package_names(root)
    students = student_strings(answer_key) if answer_key else set()
    found = []
    for index, cell in enumerate(nb["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        label = f"cell {index} {cell.get('id', '')}" + (f" ({meta['grade_id']})" if meta.get("grade_id") else "")
        own = students if meta.get("solution") else set()
        texts = [("caption", caption(cell))] if caption(cell) else []
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            texts += _output_texts(output)
        for kind, text in texts:
            for line in text.splitlines():
                found += _finding(f"{label}: {kind}", line, names, own)
    for kind, text in _widget_texts(nb):
        for line in text.splitlines():
            found += _finding(kind, line, names, students)
    return found


def without_hook(nb: dict) -> dict:
    """The executed notebook without the hook's cell (outputs stay where their cells are)."""
    if nb["cells"] and nb["cells"][0].get("id") == HOOK_CELL_ID:
        del nb["cells"][0]
    return nb


HOOK_CELL_ID = "course-figure-text-hook"


def with_hook(nb, as_a_student: bool = False):
    """``nb`` with the hook as its first cell (a copy of the cells list; cells are shared).
    ``as_a_student``: the demos fall back to their recordings as they do for a student, rather
    than raise as the course's tests want them to (tests/conftest.py sets the strict mode)."""
    import nbformat

    # A student's run also yields the CPU (nice) to the solved runs beside it, whose cells are timed.
    relaxed = ("\nimport os\nos.environ.pop('COURSEKIT_DEMOS_STRICT', None)\nos.nice(10)\n"
               if as_a_student else "")
    cell = nbformat.v4.new_code_cell(FIGURE_TEXT_HOOK + relaxed)
    cell.id = HOOK_CELL_ID
    nb.cells = [cell, *nb.cells]
    return nb

