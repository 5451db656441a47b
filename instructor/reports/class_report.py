"""``python -m instructor report ASSIGNMENT --html``: the class at a glance, in one HTML file.

- a histogram of the scores (total, and autograded only);
- every graded cell in notebook order: mean score, and failure rate (the share of graded
  students without full points on it), with a chart;
- the hardest tests (highest failure rate first);
- near-identical submissions, grouped. The measure: the code of each student's answer cells
  (the cells they write in), normalised by Python's tokenizer (comments, blank lines, layout
  and the names of local variables do not count; string and number literals do), cut into
  overlapping runs of 5 tokens ("shingles"); two submissions are near-identical when the
  Jaccard similarity of their shingle sets is at least ``THRESHOLD``. Answers left as handed
  out do not count, so blank submissions are not similar to each other; they are listed apart.

The plots are PNG images made with matplotlib and embedded as base64, so the file is
self-contained (no scripts, no external files). It names students: it is written to
``autograded/`` (git-ignored) by default.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import keyword
import statistics
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..authoring import layout
from ..grading.grade import Course, GradingError, open_gradebook

THRESHOLD = 0.9
SHINGLE = 5
HARDEST = 5


@dataclass
class Cell:
    grade_id: str
    notebook: str
    points: float
    manual: bool
    scores: dict[str, float | None] = field(default_factory=dict)

    def graded_scores(self) -> list[float]:
        return [s for s in self.scores.values() if s is not None]

    @property
    def mean(self) -> float | None:
        values = self.graded_scores()
        return sum(values) / len(values) if values else None

    @property
    def failure_rate(self) -> float | None:
        values = self.graded_scores()
        return sum(v < self.points for v in values) / len(values) if values else None


@dataclass
class ClassData:
    assignment: str
    students: list[str]
    totals: dict[str, float]
    autograded: dict[str, float]
    max_total: float
    max_auto: float
    cells: list[Cell]
    names: dict[str, str]


def gather(course: Course, assignment: str) -> ClassData:
    from nbgrader.api import MissingEntry

    notebooks = course.notebooks(assignment)
    with open_gradebook(course) as gradebook:
        try:
            record = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(f"no assignment {assignment!r} in the gradebook: generate and autograde it first") from None
        cells = []
        for name in notebooks:
            source = nbformat.read(course.path("source", assignment, f"{name}.ipynb"), as_version=4)
            notebook = next(nb for nb in record.notebooks if nb.name == name)
            answers = {c.name for c in notebook.solution_cells}
            points = {c.name: c.max_score for c in notebook.grade_cells}
            for cell in source.cells:  # notebook order
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id in points and points[grade_id] > 0:
                    cells.append(Cell(grade_id, name, points[grade_id], grade_id in answers))
        by_id = {(c.notebook, c.grade_id): c for c in cells}
        students, totals, auto, names = [], {}, {}, {}
        for submission in record.submissions:
            student = submission.student_id
            if not course.path("autograded", student, assignment).is_dir():
                continue
            students.append(student)
            names[student] = " ".join(p for p in (submission.student.first_name,
                                                   submission.student.last_name) if p)
            totals[student] = submission.score
            auto[student] = 0.0
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    cell = by_id.get((notebook.name, g.name))
                    if cell is None:
                        continue
                    unmarked = cell.manual and g.auto_score is None and g.manual_score is None
                    cell.scores[student] = None if unmarked else g.score
                    if not cell.manual:
                        auto[student] += g.score
    if not students:
        raise GradingError(f"no autograded submission of {assignment} yet: run autograde first")
    return ClassData(assignment, sorted(students), totals, auto,
                     sum(c.points for c in cells), sum(c.points for c in cells if not c.manual),
                     cells, names)


# ---------------------------------------------------------------------------------------------
# Similarity of the answer cells
# ---------------------------------------------------------------------------------------------
def normalised_tokens(code: str) -> list[str]:
    """Python tokens without comments and layout; names other than keywords and attributes
    become 'N' so renamed variables do not hide a copy. Unparseable code falls back to words."""
    tokens: list[str] = []
    previous = ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER):
                continue
            text = token.string
            if token.type == tokenize.NAME and not keyword.iskeyword(text) and previous != ".":
                text = "N"
            tokens.append(text)
            previous = token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = code.split()
    return tokens


def shingles(tokens: list[str], size: int = SHINGLE) -> set[tuple[str, ...]]:
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i:i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def answer_code(course: Course, assignment: str, student: str, handed_out: dict[str, str]) -> str:
    """The student's code answer cells, minus those left as handed out."""
    parts = []
    for notebook in course.notebooks(assignment):
        path = course.path("submitted", student, assignment, f"{notebook}.ipynb")
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001, S112 (an unreadable notebook has no code to compare)
            continue
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("solution"):
                key = f"{notebook}/{meta.get('grade_id')}"
                if cell.source.strip() != handed_out.get(key, "").strip():
                    parts.append(cell.source)
    return "\n".join(parts)


def _handed_out(course: Course, assignment: str) -> dict[str, str]:
    """The answer cells of the student version, as generated into the release directory."""
    cells = {}
    for notebook in course.notebooks(assignment):
        path = course.root / layout.student_folder(assignment) / f"{notebook}.ipynb"
        if not path.is_file():
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("solution"):
                cells[f"{notebook}/{meta.get('grade_id')}"] = cell.source
    return cells


@dataclass
class Similarity:
    groups: list[list[str]]  # near-identical submissions, biggest group first
    pairs: dict[tuple[str, str], float]  # the similarity of each pair within a group
    blank: list[str]  # nothing written in any code answer cell


def similarity(course: Course, assignment: str, students: list[str],
               threshold: float = THRESHOLD) -> Similarity:
    handed_out = _handed_out(course, assignment)
    sets = {}
    blank = []
    for student in students:
        tokens = normalised_tokens(answer_code(course, assignment, student, handed_out))
        if tokens:
            sets[student] = shingles(tokens)
        else:
            blank.append(student)
    parent = {s: s for s in sets}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    pairs = {}
    names = sorted(sets)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            value = jaccard(sets[a], sets[b])
            if value >= threshold:
                pairs[(a, b)] = value
                parent[root(a)] = root(b)
    grouped: dict[str, list[str]] = {}
    for s in names:
        grouped.setdefault(root(s), []).append(s)
    groups = sorted((sorted(g) for g in grouped.values() if len(g) > 1), key=lambda g: (-len(g), g))
    return Similarity(groups, pairs, sorted(blank))


# ---------------------------------------------------------------------------------------------
# The HTML file
# ---------------------------------------------------------------------------------------------
def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _histogram(data: ClassData) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    for ax, values, top, title in ((axes[0], data.totals, data.max_total, "total score"),
                                   (axes[1], data.autograded, data.max_auto, "autograded score")):
        bins = [x - 0.5 for x in range(int(top) + 2)]
        ax.hist(list(values.values()), bins=bins, color="#4c72b0", edgecolor="white")
        ax.set_xlim(-0.5, top + 0.5)
        ax.set_xlabel(f"{title} (of {top:g})")
        ax.set_ylabel("students")
        ax.yaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(f"{data.assignment}: {len(data.students)} graded submissions")
    return _png(figure)


def _questions(data: ClassData) -> str:
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(10, 0.32 * len(data.cells) + 1))
    labels = [c.grade_id for c in data.cells][::-1]
    rates = [(c.failure_rate or 0.0) * 100 for c in data.cells][::-1]
    colours = ["#dd8452" if c.manual else "#4c72b0" for c in data.cells][::-1]
    ax.barh(labels, rates, color=colours)
    ax.set_xlim(0, 100)
    ax.set_xlabel("failure rate: % of graded students without full points (orange: graded by hand)")
    return _png(figure)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def render(data: ClassData, similar: Similarity) -> str:
    e = html.escape
    mean = sum(data.totals.values()) / len(data.totals)
    median = statistics.median(data.totals.values())
    questions = _table(
        ["#", "cell", "notebook", "kind", "points", "mean", "failure rate", "graded"],
        [[str(i), f"<code>{e(c.grade_id)}</code>", e(c.notebook), "by hand" if c.manual else "test",
          f"{c.points:g}", "-" if c.mean is None else f"{c.mean:.2f}", _percent(c.failure_rate),
          f"{len(c.graded_scores())}/{len(data.students)}"]
         for i, c in enumerate(data.cells, start=1)])
    tests = [c for c in data.cells if not c.manual and c.failure_rate is not None]
    hardest = sorted(tests, key=lambda c: (-(c.failure_rate or 0), c.mean or 0))[:HARDEST]
    hardest_table = _table(["test cell", "failure rate", "mean", "points"],
                           [[f"<code>{e(c.grade_id)}</code>", _percent(c.failure_rate),
                             f"{c.mean:.2f}", f"{c.points:g}"] for c in hardest])
    if similar.groups:
        rows = []
        for number, group in enumerate(similar.groups, start=1):
            values = [v for (a, b), v in similar.pairs.items() if a in group and b in group]
            who = ", ".join(f"{e(s)}" + (f" ({e(data.names[s])})" if data.names.get(s) else "") for s in group)
            rows.append([str(number), str(len(group)), who, f"{min(values):.2f}–{max(values):.2f}"])
        groups = _table(["group", "size", "students", "similarity (Jaccard)"], rows)
    else:
        groups = "<p>No near-identical submissions.</p>"
    blank = (f"<p>Blank (no code answer written, so not compared): {e(', '.join(similar.blank))}.</p>"
             if similar.blank else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(data.assignment)}: class report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }}
th {{ background: #f0f0f0; }} img {{ max-width: 100%; }} .note {{ color: #555; font-size: 0.9em; }}
</style></head><body>
<h1>{e(data.assignment)}: class report</h1>
<p>{len(data.students)} graded submissions; total score mean {mean:.1f}, median {median:g} of
{data.max_total:g} ({data.max_auto:g} autograded). Made {dt.datetime.now():%Y-%m-%d %H:%M}.</p>
<h2>Scores</h2>
<img alt="histogram of the scores" src="{_histogram(data)}">
<h2>Questions and tests, in notebook order</h2>
<img alt="failure rate per graded cell" src="{_questions(data)}">
{questions}
<p class="note">Failure rate: the share of graded students without full points on that cell.
Written answers not marked yet are left out of their cell's figures.</p>
<h2>Hardest tests</h2>
{hardest_table}
<h2>Near-identical submissions</h2>
<p class="note">Measure: the code of the answer cells, normalised (Python tokens without comments
or layout, local names replaced), as sets of {SHINGLE}-token shingles; a pair is near-identical at
a Jaccard similarity of {THRESHOLD:g} or more, and groups join such pairs. Answer cells left as
handed out are ignored. Similar code is a reason to look, not proof of copying.</p>
{groups}
{blank}
</body></html>
"""


def write(course: Course, assignment: str, to: str | Path | None = None) -> Path:
    data = gather(course, assignment)
    similar = similarity(course, assignment, data.students)
    path = Path(to) if to else course.path("autograded", f"class-report-{assignment}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(data, similar), encoding="utf-8")
    return path
