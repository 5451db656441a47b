"""Translation catalogues of the course's notebooks (the Bengali edition, issue 8).

The English source notebooks stay the single source of every code cell, test and nbgrader
metadata. What a translator writes lives beside them, one gettext catalogue (``.po``) per
notebook and language::

    translations/bn/lesson1/01_loss_functions.po

Why gettext catalogues, read and written with ``polib``: translators' editors (Poedit,
Lokalize, Weblate) open them; an entry carries its English original (``msgid``), so an English
cell that changes after translation is caught by comparing the two, and gettext's own "fuzzy"
flag and ``#| msgid`` line show the translator what changed. One entry per *whole* markdown
cell (its cell id is the ``msgctxt``), not per sentence: a cell is a paragraph or two, and a
good translation rewrites the paragraph rather than mapping sentences one to one.

Entries:

- ``md:<cell id>`` -- a markdown cell, whole.
- ``quiz:<quiz id>/<question id>/question|option:<option id>|feedback:<option id>`` and
  ``quiz:<quiz id>/title`` -- the text of a ``show_quiz`` call (coursekit/quiz.py). Answers are
  checked by ids and keys, so a translation never changes an answer.
- ``caption:<hash>`` -- the first line of a collapsed code cell (a quiz, a test cell), a
  comment that JupyterLab shows as the cell's caption: the edition writes the translated
  comment in its place (instructor/authoring/editions.py), the only line of code an edition changes.
- ``msg:<hash>`` -- a message of a test cell's checks (``check``, ``check_close``...), as a
  template: the f-string's values become ``{v1}``, ``{v2}``... (the translator's note says which
  expression each is); coursekit.language.translate_message recognises the English message
  when it is raised and rebuilds it in the notebook's language with the same values.
  The same for what the other code cells (demos, provided code) draw and print: every string
  they pass to a title, an axis label, a legend label, ``ax.text`` or ``print``; in a
  notebook of another edition, coursekit/edition_output.py translates those as they are shown.

Commands (from the course folder)::

    python -m instructor.authoring.translations update bn    # add new entries, mark changed ones fuzzy
    python -m instructor.authoring.translations check bn     # what is missing, stale or malformed
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib

from coursekit.quiz import correct_option

LANGUAGES = {"bn": "Bengali"}
MARKDOWN = "md:"
QUIZ = "quiz:"
CAPTION = "caption:"


@dataclass(frozen=True)
class Entry:
    context: str  # the msgctxt: what the text belongs to, stable across edits of the text
    text: str  # the English original
    note: str = ""  # a hint for the translator


def course_root() -> Path:
    return Path(__file__).resolve().parents[2]


def source_notebooks(root: Path) -> list[Path]:
    return sorted(p for p in (root / "source").glob("*/*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


def catalogue_path(root: Path, notebook: Path, language: str) -> Path:
    """``source/lesson1/01_loss_functions.ipynb`` -> ``translations/bn/lesson1/01_loss_functions.po``."""
    relative = notebook.relative_to(root / "source").with_suffix(".po")
    return root / "translations" / language / relative


# --- What a notebook has to translate ----------------------------------------------------------

def quiz_entries(code: str) -> list[Entry]:
    """The texts of every ``show_quiz(quiz_id, [questions...], title=...)`` call in ``code``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython magics: quiz cells never use them
        return []
    entries = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_quiz"):
            continue
        quiz_id = ast.literal_eval(node.args[0])
        for keyword in node.keywords:
            if keyword.arg == "title":
                entries.append(Entry(f"{QUIZ}{quiz_id}/title", ast.literal_eval(keyword.value)))
        for question in ast.literal_eval(node.args[1]):
            where = f"{QUIZ}{quiz_id}/{question['id']}"
            right = correct_option(question)
            entries.append(Entry(f"{where}/question", question["question"]))
            for option_id, text in question["options"].items():
                entries.append(Entry(f"{where}/option:{option_id}", text,
                                     "an answer option; keep numbers and code exactly, and keep "
                                     "its length near the other options' (a longest right "
                                     "answer gives it away)"))
            for option_id, text in question["feedback"].items():
                entries.append(Entry(f"{where}/feedback:{option_id}", text,
                                     "shown after a click on the RIGHT option: why it is right"
                                     if option_id == right else
                                     "shown after a click on a WRONG option: why it is wrong; "
                                     "never name the right option"))
    return entries


CHECKS = {"check": (1,), "check_raises": (2,), "check_close": (2, 3), "check_shape": (2, 3),
          "failure": (0,)}
CHECK_KEYWORDS = {"message", "what", "hint"}
MESSAGE = "msg:"


def operands(node: ast.expr) -> list[ast.expr]:
    """The strings and values a text is added up from (``f"..." + hint``), in order."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return operands(node.left) + operands(node.right)
    return [node]


def joined_template(parts: list[ast.expr], source: str, separator: str = "",
                    need_text: bool = True) -> tuple[str, list[str]] | None:
    """Texts and values written one after the other (``print(a, b)``, ``f"..." + hint``) as one
    template; None if no part is a string and ``need_text``."""
    text, values, any_text = "", [], False
    for index, argument in enumerate(parts):
        part = message_template(argument, source)
        if part is None:  # a value: its str() is a placeholder
            values.append(ast.get_source_segment(source, argument) or "?")
            part = (f"{{v{len(values)}}}", [])
        else:  # renumber the part's own placeholders after the ones before it
            any_text = True
            own, names = part
            for number in range(len(names), 0, -1):
                own = own.replace(f"{{v{number}}}", f"{{v{len(values) + number}}}")
            values += names
            part = (own, [])
        text += (separator if index else "") + part[0]
    return (text, values) if any_text or not need_text else None


def message_template(node: ast.expr, source: str) -> tuple[str, list[str]] | None:
    """A test message as a template: its literal text, ``{v1}``, ``{v2}``... where an f-string puts
    a value (with the expressions, for the translator). None for anything but a string (or
    strings added up: ``f"..." + hint``)."""
    parts = operands(node)
    if len(parts) > 1:
        return joined_template(parts, source)
    return _string_template(node, source)


def _string_template(node: ast.expr, source: str) -> tuple[str, list[str]] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}"), []
    if not isinstance(node, ast.JoinedStr):
        return None
    text, values = "", []
    for part in node.values:
        if isinstance(part, ast.Constant):
            text += str(part.value).replace("{", "{{").replace("}", "}}")
        else:
            values.append(ast.get_source_segment(source, part.value) or "?")
            text += f"{{v{len(values)}}}"
    return text, values


def _parsed_cell(cell_source: str) -> tuple[str, ast.Module | None]:
    """A code cell's Python (IPython's % and ! lines blanked) and its tree (None: not Python)."""
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                       for line in cell_source.splitlines())
    try:
        return source, ast.parse(source)
    except SyntaxError:
        return source, None


def message_entries(cell_source: str, grade_id: str) -> list[tuple[str, str]]:
    """(template, note) of every message the checks of a test cell can show."""
    source, tree = _parsed_cell(cell_source)
    if tree is None:
        return []
    found = []
    arguments: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in CHECKS:
            arguments += [node.args[i] for i in CHECKS[node.func.id] if i < len(node.args)]
            arguments += [k.value for k in node.keywords if k.arg in CHECK_KEYWORDS]
    # `hint or "..."`, `a if c else b`: each string or name of it.
    pending, arguments = arguments, []
    while pending:
        argument = pending.pop(0)  # in the order of the cell
        if isinstance(argument, ast.BoolOp):
            pending += argument.values
        elif isinstance(argument, ast.IfExp):
            pending += [argument.body, argument.orelse]
        else:
            arguments.append(argument)
            if len(operands(argument)) > 1:  # f"..." + (hint if ... else ""): the hint's own texts
                pending += [part for part in operands(argument)
                            if isinstance(part, (ast.BoolOp, ast.IfExp, ast.Name))]
    # A message kept in a variable first (`hint = "..."` then `check_close(..., hint=hint)`):
    # every string the cell assigns to that name, in either branch of a conditional expression.
    names = {a.id for a in arguments if isinstance(a, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in names for t in targets):
                values = [node.value]
                while values:
                    value = values.pop()
                    if isinstance(value, ast.IfExp):
                        values += [value.body, value.orelse]
                    elif isinstance(value, ast.BoolOp):
                        values += value.values
                    else:
                        arguments.append(value)
    for argument in arguments:
        template = message_template(argument, source)
        if template and template[0].strip():
            text, values = template
            where = ", ".join(f"v{i} = {v}" for i, v in enumerate(values, 1))
            found.append((text, f"a test message of {grade_id}" + (f" ({where})" if where else "")))
    return found


#: Calls whose text is shown: the positions of the text among their arguments.
SHOWN = {"set_title": (0,), "suptitle": (0,), "title": (0,), "set_xlabel": (0,), "set_ylabel": (0,),
         "xlabel": (0,), "ylabel": (0,), "text": (2,), "annotate": (0,), "legend": (0,),
         "set_xticks": (1,), "set_yticks": (1,), "set_xticklabels": (0,), "set_yticklabels": (0,)}
#: ... and keywords: a widget's ``description``, a progress bar's ``desc`` (coursekit.progress).
SHOWN_KEYWORDS = {"title", "xlabel", "ylabel", "label", "description", "desc"}
_WORD = re.compile(r"[A-Za-z]{2}")


def _has_literal(template: str) -> bool:
    """Text around its values that a line can be recognised by (coursekit.language skips a
    template such as "{v1}\n{v2}", which would match any two lines)."""
    return len(re.sub(r"\{v\d+\}", "", template).strip()) >= 2


def _is_prose(template: str) -> bool:
    """Worth translating: two letters in a row outside math and placeholders ("x", "$W_1$" and
    "{v1} ({v2})" are not)."""
    bare = re.sub(r"\$[^$]*\$|\{v\d+\}", "", template)
    return bool(_WORD.search(bare))


def _held_values(tree: ast.Module, others: tuple[ast.Module, ...] = ()) -> dict[str, list[ast.expr]]:
    """What each name of a cell can hold, for a text shown through a name (`label=label`,
    `f"{title}: ..."`): the values assigned to it, and those a for loop gives it from a literal
    list (or a name bound to one), from `zip(...)` of literal lists, or from a dict literal's
    keys, values or items."""
    held: dict[str, list[ast.expr]] = {}
    dicts: dict[str, ast.Dict] = {}

    def hold(target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            held.setdefault(target.id, []).append(value)

    def loop(target: ast.expr, iterable: ast.expr) -> None:
        targets = target.elts if isinstance(target, ast.Tuple) else [target]
        call = iterable if isinstance(iterable, ast.Call) else None
        if isinstance(iterable, (ast.List, ast.Tuple)):
            for item in iterable.elts:
                parts = item.elts if isinstance(item, ast.Tuple) and len(targets) > 1 else [item]
                for name, part in zip(targets, parts):
                    if isinstance(name, ast.Tuple) and isinstance(part, ast.Tuple):  # (label, (x, y))
                        loop(name, ast.List(elts=[part]))
                    else:
                        hold(name, part)
        elif call and getattr(call.func, "id", None) == "enumerate" and len(targets) == 2 and call.args:
            loop(targets[1], call.args[0])
        elif call and getattr(call.func, "id", None) == "zip":  # each column as its own loop
            for name, argument in zip(targets, call.args):
                loop(name, argument)
        elif call and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) \
                and call.func.value.id in dicts and call.func.attr in ("items", "keys", "values"):
            table = dicts[call.func.value.id]
            columns = {"items": [table.keys, table.values], "keys": [table.keys],
                       "values": [table.values]}[call.func.attr]
            for name, column in zip(targets, columns):
                for item in column:
                    if item is not None:
                        hold(name, item)
        elif isinstance(iterable, ast.Name) and iterable.id in dicts:
            for item in dicts[iterable.id].keys:
                if item is not None:
                    hold(targets[0], item)
        elif isinstance(iterable, ast.Name):  # FLAVOURS = [(8, "minibatch (8)"), ...]; for ... in FLAVOURS
            for value in [v for v in held.get(iterable.id, []) if isinstance(v, (ast.List, ast.Tuple))]:
                loop(target, value)

    # A dict or list a cell loops over may come from another cell (`datasets = {...}` above it,
    # `chain = [...]` given to a drawing function defined above).
    for node in [n for other in others for n in ast.walk(other)] + list(ast.walk(tree)):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                hold(target, node.value)
                if isinstance(target, ast.Name) and isinstance(node.value, ast.Dict):
                    dicts[target.id] = node.value
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.comprehension)):
            loop(node.target, node.iter)
    return held


def display_entries(cell_source: str, where: str, others: tuple[tuple[ast.Module, str], ...] = ()
                    ) -> list[tuple[str, str]]:
    """(template, note) of every text a code cell draws in a plot, prints or labels a widget
    with; ``others``: the notebook's other code cells (tree, source), for the values of names
    they bind."""
    source, tree = _parsed_cell(cell_source)
    if tree is None:
        return []
    found = []
    held = _held_values(tree, tuple(other for other, _ in others))
    source_of = {id(node): text for other, text in others for node in ast.walk(other)}

    def add(node: ast.expr, what: str, depth: int = 0) -> None:
        if isinstance(node, ast.IfExp):
            add(node.body, what, depth)
            add(node.orelse, what, depth)
            return
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                add(value, what, depth)
            return
        before = len(found)
        if depth < 2:
            add_values(node, depth)
        template = message_template(node, source_of.get(id(node), source)) \
            if not isinstance(node, ast.Call) else None
        # A template of values only ("{v1}\n{v2}", "η = {v1}: {v2}") is an entry too when its
        # values are texts: the whole line must match for its values to be translated.
        if template and (_is_prose(template[0]) or (template[1] and len(found) > before
                                                     and _has_literal(template[0]))):
            text, values = template
            names = ", ".join(f"v{i} = {v}" for i, v in enumerate(values, 1))
            found.append((text, f"{what} in {where}" + (f" ({names})" if names else "")))

    def add_values(node: ast.expr, depth: int) -> None:
        """The strings behind the values a text shows: a name's, a conditional's."""
        for value in _shown_values(node):
            if isinstance(value, ast.Name):
                for held_value in held.get(value.id, []):
                    add(held_value, "a value shown", depth + 1)
            elif isinstance(value, (ast.IfExp, ast.BoolOp)):  # f"... {'OK' if good else 'CHECK'}"
                add(value, "a value shown", depth + 1)

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name == "print":
            before = len(found)
            for argument in node.args:
                add_values(argument, 0)
            printed = _printed(node, source)
            if printed and (_is_prose(printed[0]) or (printed[1] and len(found) > before
                                                       and _has_literal(printed[0]))):
                text, values = printed
                names = ", ".join(f"v{i} = {v}" for i, v in enumerate(values, 1))
                found.append((text, f"a printed line in {where}" + (f" ({names})" if names else "")))
            continue
        for keyword in node.keywords:
            if keyword.arg in SHOWN_KEYWORDS:
                add(keyword.value, f"a plot's {keyword.arg}")
        for index in SHOWN.get(name, ()):
            if index < len(node.args):
                argument = node.args[index]
                if isinstance(argument, (ast.ListComp, ast.GeneratorExp)):  # [f"class {c}" for c in ...]
                    argument = argument.elt
                strings = argument.elts if isinstance(argument, (ast.List, ast.Tuple)) else [argument]
                for item in strings:
                    add(item, f"a plot's text ({name})")
    unique = {}
    for text, note in found:
        unique.setdefault(text, note)
    return list(unique.items())


def _shown_values(node: ast.expr) -> list[ast.expr]:
    """The values a shown text puts in: ``name``, an f-string's ``{...}``, ``f"..." + hint``."""
    if isinstance(node, ast.JoinedStr):
        return [part.value for part in node.values if isinstance(part, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [value for part in operands(node) for value in _shown_values(part)]
    return [node] if isinstance(node, (ast.Name, ast.IfExp, ast.BoolOp)) else []


def _printed(node: ast.Call, source: str) -> tuple[str, list[str]] | None:
    """print(a, b, ...) as one template: the line it writes (default separator only)."""
    if any(k.arg == "sep" for k in node.keywords) or not node.args \
            or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    return joined_template(node.args, source, " ", need_text=False)


#: Packages whose own words a student can meet: the toolkit, and the hidden tests' helpers.
CODE_PACKAGES = ("coursekit", "graders")


def code_entries(package: Path) -> list[Entry]:
    """The texts the course's packages show from their own code: every
    ``translate("ui:...", "English")``, the messages of their checks (``check(..., f"...")``)
    and what they draw and print (coursekit/plotting.py's axis labels), in coursekit/ and its
    sibling graders/."""
    entries, seen = [], set()
    for folder in [package.parent / name for name in CODE_PACKAGES]:
        for module in sorted(folder.rglob("*.py")):
            text = module.read_text(encoding="utf-8")
            where = module.relative_to(package.parent).as_posix()
            entries.extend(translate_calls(text, where))
            _add_messages(entries, seen, message_entries(text, where) + display_entries(text, where))
    return entries


def translate_calls(text: str, where: str) -> list[Entry]:
    """Every ``translate("ui:...", "English")`` of a module's source."""
    return [Entry(node.args[0].value, node.args[1].value, f"shown by {where}")
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "translate"
            and len(node.args) >= 2 and all(isinstance(a, ast.Constant) for a in node.args[:2])]


#: What the instructor's tools show students (feedback's labels), one catalogue of their own.
INSTRUCTOR_MODULE = Path("instructor") / "reports" / "feedback_language.py"


def _text_context(kind: str, text: str) -> str:
    return f"{kind}{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def caption(cell) -> str | None:
    """The caption JupyterLab shows for a collapsed code cell: its first line, when that is a
    comment (without the ``# ``); None for any other cell."""
    lines = cell.source.splitlines()
    if cell.cell_type != "code" or not cell.metadata.get("jupyter", {}).get("source_hidden") \
            or not lines or not lines[0].startswith("# "):
        return None
    return lines[0][2:]


def with_caption(source: str, text: str) -> str:
    """``source`` with its first line (a caption comment) saying ``text``."""
    return "\n".join([f"# {text}", *source.splitlines()[1:]]) + ("\n" if source.endswith("\n") else "")


def caption_context(text: str) -> str:
    return _text_context(CAPTION, text)


def _add_messages(entries: list[Entry], seen: set[str], found: list[tuple[str, str]],
                  kind: str = MESSAGE) -> None:
    """A ``msg:`` entry per template, once: the same text in two places is one translation."""
    for text, note in found:
        context = _text_context(kind, text)
        if context not in seen:
            seen.add(context)
            entries.append(Entry(context, text, note))


def notebook_entries(notebook: Path) -> list[Entry]:
    nb = nbformat.read(str(notebook), as_version=4)
    entries = []
    seen_messages: set[str] = set()
    course_code = {cell.id: (parsed[1], parsed[0]) for cell in nb.cells  # not a student's answer
                   if cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("solution")
                   and (parsed := _parsed_cell(cell.source))[1] is not None}
    for cell in nb.cells:
        if caption(cell):
            _add_messages(entries, seen_messages, [(caption(cell), ("the caption of collapsed cells (a comment "
                                                    "JupyterLab shows): one line, no code"))], CAPTION)
        if cell.cell_type == "markdown" and cell.source.strip():
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            note = f"nbgrader cell {grade_id}" if grade_id else ""
            entries.append(Entry(f"{MARKDOWN}{cell.id}", cell.source, note))
        elif cell.cell_type == "code" and "show_quiz(" in cell.source:
            entries.extend(quiz_entries(cell.source))
        elif cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            grade_id = cell.metadata["nbgrader"].get("grade_id", "")
            _add_messages(entries, seen_messages,
                          message_entries(cell.source, grade_id) + display_entries(cell.source, grade_id))
        elif cell.cell_type == "code" and not cell.metadata.get("nbgrader", {}).get("solution"):
            # Demos and provided code (a student's answer cell is theirs, not the course's).
            others = tuple(code for cell_id, code in course_code.items() if cell_id != cell.id)
            _add_messages(entries, seen_messages, display_entries(cell.source, f"cell {cell.id}", others))
    return entries


def entries_of(origin: Path) -> list[Entry]:
    if origin.is_dir():
        return code_entries(origin)
    if origin.suffix == ".py":
        return translate_calls(origin.read_text(encoding="utf-8"), origin.name)
    return notebook_entries(origin)


def catalogues(root: Path, language: str) -> list[tuple[Path, Path]]:
    """(what is translated, its catalogue): every source notebook, coursekit's own texts, then
    the instructor's tools' words that students read (feedback)."""
    pairs = [(nb, catalogue_path(root, nb, language)) for nb in source_notebooks(root)]
    return pairs + [(root / "coursekit", root / "translations" / language / "coursekit.po"),
                    (root / INSTRUCTOR_MODULE, root / "translations" / language / "instructor.po")]


# --- Keeping a catalogue in step with its notebook ---------------------------------------------

def update_catalogue(notebook: Path, path: Path, language: str) -> dict[str, int]:
    """Bring ``path`` up to date with ``notebook`` (or, for coursekit's own texts, the package
    folder): new entries are added untranslated, an entry whose English changed keeps its
    translation but is marked fuzzy (with the old English as ``#| msgid``), entries of deleted
    cells become obsolete. Returns counts."""
    catalogue = polib.pofile(str(path), wrapwidth=0) if path.exists() else polib.POFile(wrapwidth=0)
    catalogue.metadata = {
        "Project-Id-Version": "nn-framework course",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    existing = {e.msgctxt: e for e in catalogue if not e.obsolete}
    wanted = entries_of(notebook)
    counts = {"new": 0, "changed": 0, "obsolete": 0}
    entries = []
    for item in wanted:
        entry = existing.pop(item.context, None)
        if entry is None:
            entry = polib.POEntry(msgctxt=item.context, msgid=item.text, msgstr="")
            counts["new"] += 1
        elif entry.msgid != item.text:
            entry.previous_msgid = entry.msgid
            entry.msgid = item.text
            if entry.msgstr and "fuzzy" not in entry.flags:
                entry.flags.append("fuzzy")
            counts["changed"] += 1
        entry.comment = item.note
        entry.occurrences = [] if notebook.is_dir() else [(notebook.relative_to(course_root()).as_posix(), "")]
        entries.append(entry)
    for entry in existing.values():
        entry.obsolete = True
        entries.append(entry)
        counts["obsolete"] += 1
    catalogue[:] = entries
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.save(str(path))
    return counts


def load(path: Path) -> dict[str, str]:
    """context -> translation, for the current (translated, not fuzzy) entries of ``path``."""
    if not path.exists():
        return {}
    return {e.msgctxt: e.msgstr for e in polib.pofile(str(path))
            if e.translated() and not e.obsolete}


# --- What a translation must satisfy ----------------------------------------------------------

BENGALI = re.compile(r"[\u0980-\u09FF]")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
BOX_DRAWING = re.compile(r"[\u2500-\u257F]")
#: র then virama then য at the start of a word is a transliterated "ry" sound (র‍্যান্ডম):
#: without the zero-width joiner after র it renders as a reph on য ("র্যান্ডম").
RA_YA_WITHOUT_JOINER = re.compile(r"(?<![\u0980-\u09FF\u200D])\u09B0\u09CD\u09AF")
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
FENCED_CODE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$", re.DOTALL)
LINK_TARGET = re.compile(r"\]\(([^)\s]+)[^)]*\)")
HTML_TAG = re.compile(r"<[^>]+>")
URL = re.compile(r"https?://\S+")
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}(?!\})")
#: A word of prose (a formula such as `-onehot(y) / (N p)` copied as it is has fewer than two).
WORD = re.compile(r"(?<![\w(])[A-Za-z]{3,}(?![\w(])")
#: Italics, quotes and link texts may hold names that stay English: JupyterLab's menus (*Run >
#: Run All Cells*), the titles of cited books and articles.
NAMES = re.compile(r"\[[^\]]*\]|(?<![*\w])\*(?=\S)[^*\n]+?(?<=\S)\*(?!\*)|(?<![_\w])_(?=\S)[^_\n]+?(?<=\S)_(?!_)"
                   r"|\"[^\"\n]+(?:\n[^\"\n]+)?\"|“[^”\n]+(?:\n[^”\n]+)?”")
#: Five Latin words in a row outside code, math and links: an English sentence left behind.
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z'’-]*(?:[ ,]+[A-Za-z][a-z'’-]*){4,}\b")


@dataclass(frozen=True)
class Term:
    """One row of ``translations/<language>/terms.md``: the course's term and the variants the
    check refuses (``heading`` rows: the term a heading must use when its English says ``english``)."""
    english: str
    term: str
    variants: tuple[str, ...]
    exceptions: tuple[str, ...] = ()
    heading: bool = False


@functools.cache
def terms(root: Path, language: str) -> tuple[Term, ...]:
    """The term table of ``language`` (one term per concept), read from its Markdown table."""
    path = root / "translations" / language / "terms.md"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[2] or cells[0] in ("English", "---"):
            continue
        heading = cells[2].startswith("heading:")
        variants = tuple(v.strip() for v in cells[2].removeprefix("heading:").split(",") if v.strip())
        exceptions = tuple(v.strip() for v in cells[3].split(",") if v.strip())
        rows.append(Term(cells[0], cells[1], variants, exceptions, heading))
    return tuple(rows)


def _variant_pattern(variant: str) -> re.Pattern:
    # A Latin variant ("seed", "Python") is prose only when no code touches it: not
    # default_rng(seed), seed=1 or np.random.seed.
    if re.search("[A-Za-z]", variant):
        return re.compile(rf"(?<![\w.(=]){re.escape(variant)}(?![\w(=)])")
    return re.compile(re.escape(variant))


def term_problems(text: str, table: tuple[Term, ...]) -> list[str]:
    """Variants of the course's terms in ``text``'s prose, whitespace-normalised."""
    flat = re.sub(r"\s+", " ", prose(text))
    found = []
    for row in table:
        if row.heading:
            continue
        bare = flat
        for exception in row.exceptions:
            bare = bare.replace(exception, " ")
        used = [v for v in row.variants if _variant_pattern(v).search(bare)]
        if used:
            found.append(f"one term per concept ({row.english}): " + ", ".join(f"{v} -> {row.term}" for v in used))
    return found


HEADING = re.compile(r"^#+ .*$", re.MULTILINE)


def heading_problems(original: str, translation: str, table: tuple[Term, ...]) -> list[str]:
    """A heading that says "Recap" (or "Review") in English uses the table's term for it, not
    the other one's."""
    english = " ".join(HEADING.findall(original)).lower()
    bengali = " ".join(HEADING.findall(translation))
    rows = [row for row in table if row.heading]
    says = {row.term: row.english.split()[0].lower() for row in rows}  # term -> its English word
    found = []
    for row in rows:
        if says[row.term] not in english:
            continue
        swapped = [v for v in row.variants if v in bengali and says.get(v, "") not in english]
        if row.term not in bengali or swapped:
            found.append(f"a heading that says {row.english.split()[0]!r} uses {row.term}"
                         + (f" (not {', '.join(swapped)})" if swapped else ""))
    return found


#: "layer" is স্তর; লেয়ার only inside the glossary's মাল্টি-লেয়ার পারসেপট্রন.
LAYER_LOANWORD = re.compile(r"(?<!মাল্টি-)লেয়ার")


def math_spans(text: str) -> list[str]:
    text = FENCED_CODE.sub("", text)
    text = CODE_SPAN.sub("", text)
    return DISPLAY_MATH.findall(text) + INLINE_MATH.findall(DISPLAY_MATH.sub("", text))


def code_spans(text: str) -> list[str]:
    return FENCED_CODE.findall(text) + [m.group(0) for m in CODE_SPAN.finditer(FENCED_CODE.sub("", text))]


def prose(text: str) -> str:
    """``text`` without code, math, links' targets, HTML tags and URLs: what a reader reads."""
    for pattern in (FENCED_CODE, CODE_SPAN, DISPLAY_MATH, INLINE_MATH, URL, HTML_TAG):
        text = pattern.sub(" ", text)
    return LINK_TARGET.sub("]", text)


def hygiene_problems(text: str, language: str = "bn") -> list[str]:
    """What is wrong with a Bengali text on its own: encoding, stray scripts, spelling rules,
    terms (``translations/<language>/terms.md``)."""
    found = []
    if not unicodedata.is_normalized("NFC", text):
        found.append("not in Unicode NFC (normalise with unicodedata.normalize('NFC', text))")
    if CYRILLIC.search(text):
        found.append(f"Cyrillic letters: {sorted(set(CYRILLIC.findall(text)))}")
    if BOX_DRAWING.search(text):
        found.append("box-drawing characters")
    if RA_YA_WITHOUT_JOINER.search(text):
        found.append("র্য at the start of a word needs the zero-width joiner: র\u200d্য (as in র\u200d্যান্ডম)")
    found += term_problems(text, terms(course_root(), language))
    if LAYER_LOANWORD.search(text):
        found.append("layer is স্তর (লেয়ার only in মাল্টি-লেয়ার পারসেপট্রন)")
    bengali_math = [m for m in math_spans(text) if BENGALI.search(m)]
    if bengali_math:
        found.append(f"Bengali inside math (MathJax breaks it into letters): {bengali_math[:2]}")
    return found


def problems_of(original: str, translation: str) -> list[str]:
    """What is wrong with ``translation`` of ``original`` (empty: nothing found)."""
    found = hygiene_problems(translation) + heading_problems(original, translation, terms(course_root(), "bn"))
    # Sets, not lists: a translation may name a piece of code once more or once less.
    if set(code_spans(original)) != set(code_spans(translation)):
        missing = set(code_spans(original)) - set(code_spans(translation))
        extra = set(code_spans(translation)) - set(code_spans(original))
        found.append(f"code differs from the English (code is never translated): "
                     f"missing {sorted(missing)[:3]}, added {sorted(extra)[:3]}")
    if set(math_spans(original)) != set(math_spans(translation)):
        missing = set(math_spans(original)) - set(math_spans(translation))
        found.append(f"math differs from the English: missing {sorted(missing)[:3]}")
    if sorted(LINK_TARGET.findall(original)) != sorted(LINK_TARGET.findall(translation)):
        found.append("link targets differ from the English")
    if sorted(PLACEHOLDER.findall(original)) != sorted(PLACEHOLDER.findall(translation)):
        found.append("{placeholders} differ from the English")
    if BENGALI.search(prose(translation)) is None and len(WORD.findall(prose(original))) >= 2:
        found.append("no Bengali: not translated")
    english = ENGLISH_RUN.findall(NAMES.sub(" ", prose(translation)))
    if english:
        found.append(f"English prose left: {english[:2]}")
    return found


def check_catalogue(notebook: Path, path: Path) -> list[str]:
    """Every problem of ``path`` as a translation of ``notebook``, one line each."""
    if not path.exists():
        return [f"{path}: missing (python -m instructor.authoring.translations update)"]
    catalogue = polib.pofile(str(path))
    current = {e.context: e.text for e in entries_of(notebook)}
    found = []
    seen = set()
    for entry in catalogue:
        if entry.obsolete:
            continue
        seen.add(entry.msgctxt)
        where = f"{path.name} {entry.msgctxt}"
        if entry.msgctxt not in current:
            found.append(f"{where}: no such cell or quiz text in {notebook.name}")
        elif current[entry.msgctxt] != entry.msgid:
            found.append(f"{where}: stale, the English changed since it was translated "
                         "(run update, then revise the entry)")
        elif "fuzzy" in entry.flags:
            found.append(f"{where}: fuzzy, the English changed; revise the translation and "
                         "remove the fuzzy flag")
        elif not entry.msgstr.strip():
            found.append(f"{where}: not translated")
        elif entry.msgctxt.startswith(CAPTION) and "\n" in entry.msgstr.strip():
            found.append(f"{where}: a caption is one line (JupyterLab shows only the first)")
        else:
            found.extend(f"{where}: {p}" for p in problems_of(entry.msgid, entry.msgstr))
    found.extend(f"{path.name} {c}: no entry (run update)" for c in current if c not in seen)
    return found


HEADER = re.compile(r"\A<!-- translation of (\S+), sha256 ([0-9a-f]{12}) -->\n")


def translated_files(root: Path, language: str) -> list[Path]:
    """Whole files translated beside the catalogues (the lab's README)."""
    return sorted((root / "translations" / language).glob("*/*.md"))


def check_file(root: Path, translated: Path) -> list[str]:
    """A translated file names its English original and the hash of the text it translates."""
    text = translated.read_text(encoding="utf-8")
    header = HEADER.match(text)
    if header is None:
        return [(f"{translated.name}: the first line must be `<!-- translation of PATH, sha256 "
                "HASH -->` (the first 12 hex digits of the English file's sha256)")]
    english_path = root / header.group(1)
    if not english_path.is_file():
        return [f"{translated.name}: {header.group(1)} does not exist"]
    english = english_path.read_bytes()
    if hashlib.sha256(english).hexdigest()[:12] != header.group(2):
        return [(f"{translated.name}: stale, {header.group(1)} changed since it was translated "
                "(revise the translation, then update the hash in its first line)")]
    return [f"{translated.name}: {p}" for p in problems_of(english.decode("utf-8"), text[header.end():])]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2 or argv[0] not in {"update", "check"} or argv[1] not in LANGUAGES:
        print(__doc__)
        return 2
    command, language, only = argv[0], argv[1], argv[2:]
    root = course_root()
    status = 0
    for notebook, path in catalogues(root, language):
        if only and not any(o in notebook.as_posix() for o in only):
            continue
        if command == "update":
            counts = update_catalogue(notebook, path, language)
            print(f"{path.relative_to(root)}: {counts['new']} new, {counts['changed']} changed, "
                  f"{counts['obsolete']} obsolete")
        else:
            problems = check_catalogue(notebook, path)
            print(f"{path.relative_to(root)}: {len(problems) or 'no'} problems")
            for problem in problems:
                print(f"  {problem}")
            status |= bool(problems)
    for translated in translated_files(root, language) if command == "check" else []:
        if only and not any(o in translated.as_posix() for o in only):
            continue
        problems = check_file(root, translated)
        print(f"{translated.relative_to(root)}: {len(problems) or 'no'} problems")
        for problem in problems:
            print(f"  {problem}")
        status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main())
