"""A repository for students: the released notebooks and the toolkit, nothing else.

The course repository holds the answer key (``solutions/``), the instructor notebooks
(``source/``), the tests and the grading tools, and in lessons 2-5 recaps of earlier lessons'
answers. Students of a graded course get only what has been handed out so far, as a git
repository with one commit, ready to publish as a template (GitHub Classroom, GitLab...):

- ``lessons/lessonN/`` of the lessons asked for, and ``lab/`` with ``--lab`` (the course's layout),
  as nbgrader generates them from ``source/`` at the time of the copy (in a scratch course, with
  ``instructor/authoring/editions.py``), never copied from the working tree, where a tried-out notebook
  would carry its answers and outputs;
- ``coursekit/``, a ``pyproject.toml`` that packages only coursekit (no instructor or test
  extras), the students' ``requirements.txt`` and ``start.py``, which sets up and opens the
  course the same way on Windows, macOS and Linux;
- a README with the line students type on their system, and a ``.gitignore``.

A lesson's recap restates the answers of earlier lessons, so handing out both at once gives those
answers away. The copy is refused when a notebook restates answers of an earlier notebook of the
same handout (``--force`` makes it a warning): it defines, with a body, a function the earlier
notebook asks for, or shows one of its specific answer lines (``instructor/authoring/answers.py``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import answers, editions, layout

GITIGNORE = """\
.venv/
__pycache__/
*.pyc
*.egg-info/
.ipynb_checkpoints/
.DS_Store
"""

README = """\
# Build your own neural-network framework

{contents}

You need Python 3.11 or newer (python.org; on Windows, tick "Add python.exe to PATH"). In a
terminal in this folder, type the line for your system: it makes a virtual environment, installs
what the course needs (the first time takes a few minutes) and opens `{first}` in JupyterLab.

macOS and Linux:

```bash
python3 start.py
```

Windows (PowerShell or Command Prompt):

```bat
py start.py
```

Next time, the same line opens JupyterLab again. To stop JupyterLab, press Ctrl+C in the terminal.

- Each exercise cell says `YOUR CODE HERE`; the cell after it checks your answer at once. The
  grader runs more tests than you can see, on other shapes and seeds, so make your code general.
- Before you hand a notebook in, click **Validate** in the notebook's toolbar (nbgrader's button):
  it restarts the notebook, runs every cell and tells you which tests still fail.
- Stuck on a gradient? `coursekit.gradcheck(layer, x)` compares your `backward` with finite
  differences.
- Hand in each notebook under its own file name, as your instructor asks (push your work to this
  repository, or upload the `.ipynb` file).
"""


#: The same README for the Bengali edition (`--language bn`): the folders and commands are the
#: English ones, the notebooks in them are Bengali.
README_BN = """\
# নিজের নিউরাল নেটওয়ার্ক ফ্রেমওয়ার্ক নিজেই বানান

{contents}

দরকার Python 3.11 বা তার নতুন কোনো সংস্করণ (python.org; Windows-এ "Add python.exe to PATH" টিক দিন)।
এই ফোল্ডারে একটি টার্মিনাল খুলে আপনার সিস্টেমের লাইনটি লিখুন: এটি একটি ভার্চুয়াল এনভায়রনমেন্ট বানায়,
কোর্সের দরকারি প্যাকেজ ইনস্টল করে (প্রথমবার কয়েক মিনিট লাগে) আর JupyterLab-এ `{first}` খোলে।

macOS আর Linux:

```bash
python3 start.py
```

Windows (PowerShell বা Command Prompt):

```bat
py start.py
```

পরের বার একই লাইন JupyterLab আবার খুলে দেয়। JupyterLab বন্ধ করতে টার্মিনালে Ctrl+C চাপুন।

- প্রতিটি অনুশীলনী সেলে লেখা থাকে `YOUR CODE HERE`; ঠিক পরের সেলটি সঙ্গে সঙ্গে আপনার উত্তর যাচাই
  করে। গ্রেডার আরও কিছু টেস্ট চালায়, অন্য আকার আর অন্য সিডে, তাই কোড সাধারণভাবে লিখুন।
- জমা দেওয়ার আগে নোটবুকের টুলবারে **Validate** চাপুন: এটি নোটবুকটি নতুন করে চালিয়ে জানায় কোন টেস্ট
  এখনো ফেল করছে।
- কোনো গ্রেডিয়েন্টে আটকে গেলে `coursekit.gradcheck(layer, x)` আপনার `backward`-কে সসীম পার্থক্যের
  সঙ্গে মিলিয়ে দেখে।
- প্রতিটি নোটবুক তার নিজের ফাইল-নামেই জমা দিন, শিক্ষক যেভাবে বলেন (এই রিপোজিটরিতে push করে, অথবা
  `.ipynb` ফাইলটি আপলোড করে)।
- বাংলা অক্ষরের জায়গায় ফাঁকা বাক্স দেখলে একটি বাংলা ফন্ট ইনস্টল করুন (Debian বা Ubuntu-তে
  `sudo apt install fonts-noto-core`)।
"""


class StudentCopyError(ValueError):
    """The copy cannot be made as asked; the message says why and what to do."""


@dataclass
class Reveal:
    """A notebook of the handout that restates answers of an earlier notebook of the same handout."""

    answers_of: str  # assignment whose answers are given away, e.g. "lesson1"
    shown_in: str  # "lessons/lesson2/02_gradient_descent.ipynb"
    cells: list[str]  # "cell 5 (recap-lesson-1)"
    functions: list[str]  # answer functions it defines, e.g. "softmax"
    lines: list[str]  # answer lines it shows

    def describe(self) -> str:
        what = []
        if self.functions:
            what.append("defines " + ", ".join(self.functions))
        if self.lines:
            what.append(f"shows {len(self.lines)} answer line(s) such as {self.lines[0]!r}")
        return (f"{self.shown_in} ({', '.join(self.cells)}) restates answers of {self.answers_of}: "
                + "; ".join(what))


@dataclass
class StudentCopy:
    destination: Path
    notebooks: list[Path]
    warnings: list[str] = field(default_factory=list)
    commit: str = ""


# --------------------------------------------------------------------------------------------
# Recaps that give answers away


def _answers(source_notebooks: list[Path], markers: answers.Markers) -> tuple[set[str], set[str]]:
    """(answer functions, answer lines) of an assignment's source notebooks."""
    functions: set[str] = set()
    lines: set[str] = set()
    for path in source_notebooks:
        nb = nbformat.read(str(path), as_version=4)
        functions |= {qualname for _, _, qualname in answers.answer_functions(nb, markers)}
        lines |= answers.secret_lines(nb, markers)["solution"]
    return functions, lines


def _restated(student_notebook: Path, functions: set[str], lines: set[str]
              ) -> tuple[list[str], list[str], list[str]]:
    """(cells, functions, lines) of ``functions`` and ``lines`` the notebook shows outside its
    test cells (a stand-in inside a test cell is a test double, not a recap)."""
    nb = nbformat.read(str(student_notebook), as_version=4)
    cells, found_functions, found_lines = [], [], []
    for index, label, tree in answers.code_cell_trees(nb):
        cell = nb.cells[index]
        if answers.is_test_cell(cell):
            continue
        here = []
        if not isinstance(tree, SyntaxError):
            here += [qualname for node, qualname in answers.function_definitions(tree)
                     if qualname in functions and not answers.is_stub(node)]
        shown = [line.strip() for line in cell.source.split("\n") if line.strip() in lines]
        if here or shown:
            cells.append(label)
            found_functions += here
            found_lines += shown
    return cells, sorted(set(found_functions)), list(dict.fromkeys(found_lines))


def recap_reveals(course_root: Path, assignments: list[str], source: str = "source",
                  released: Path | None = None) -> list[Reveal]:
    """Notebooks of ``assignments`` (in the order students meet them; their student versions in
    ``released``, default the course's own) that restate answers of an earlier assignment of the
    same list."""
    course_root = Path(course_root)
    released = Path(released) if released is not None else course_root
    markers = answers.Markers.of_course(course_root)
    reveals = []
    for position, earlier in enumerate(assignments):
        functions, lines = _answers(sorted((course_root / source / earlier).glob("*.ipynb")), markers)
        for later in assignments[position + 1:]:
            folder = layout.student_folder(later)
            for notebook in sorted((released / folder).glob("*.ipynb")):
                cells, found_functions, found_lines = _restated(notebook, functions, lines)
                if cells:
                    reveals.append(Reveal(earlier, f"{folder}/{notebook.name}", cells,
                                          found_functions, found_lines))
    return reveals


# --------------------------------------------------------------------------------------------
# What installs the toolkit


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"
    raise StudentCopyError(f"pyproject.toml holds a value this tool cannot copy: {value!r}")


def student_pyproject(pyproject: str) -> str:
    """The course's packaging of coursekit alone: build system, project, setuptools' package list
    (no test configuration: the copy has no tests)."""
    data = tomllib.loads(pyproject)
    # The course also packages graders/ (instructor side); the copy packages coursekit alone,
    # whatever form the course's package list takes.
    setuptools = {key: value for key, value in data.get("tool", {}).get("setuptools", {}).items()
                  if key != "packages"}
    setuptools = {"packages": ["coursekit"], **setuptools}
    # The instructors' and test extras install grading tools: not the students' business.
    project = {key: value for key, value in data["project"].items() if key != "optional-dependencies"}
    tables = [("build-system", data["build-system"]), ("project", project)]
    tables += [(f"tool.setuptools{'.' + key if key else ''}", table) for key, table in
               [("", {k: v for k, v in setuptools.items() if not isinstance(v, dict)})]
               + [(k, v) for k, v in setuptools.items() if isinstance(v, dict)]]
    out = ["# The student toolkit, coursekit: installed by requirements.txt (-e .)."]
    for name, table in tables:
        out.append(f"\n[{name}]")
        out += [f"{key} = {_toml(value)}" for key, value in table.items()]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# The copy


def _git(destination: Path, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=destination, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise StudentCopyError("git is not installed; it is needed to make the copy a repository.") from None
    if result.returncode != 0:
        raise StudentCopyError(f"git {' '.join(args)} failed in {destination}: {result.stderr.strip()}")
    return result.stdout.strip()


def _commit(destination: Path, message: str) -> str:
    _git(destination, "init", "--quiet", "--initial-branch=main")
    _git(destination, "add", "--all")
    identity = [] if _git_config("user.email") else [
        "-c", "user.name=Course staff", "-c", "user.email=course-staff@example.invalid"]
    _git(destination, *identity, "-c", "commit.gpgsign=false", "commit", "--quiet",
         "--no-verify", "-m", message)
    return _git(destination, "rev-parse", "HEAD")


def _git_config(key: str) -> str:
    try:
        result = subprocess.run(["git", "config", "--get", key], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return ""
    return result.stdout.strip()


def make_student_copy(course_root: Path, destination: Path, lessons: list[int],
                      include_lab: bool, *, force: bool = False, source: str = "source",
                      language: str = "en") -> StudentCopy:
    """Write the student repository to ``destination`` (a new folder), with the student versions
    nbgrader generates from ``source/`` now. ``language="bn"`` hands out the Bengali edition
    (generated as ``bn/`` is) under the same folder and notebook names, so submissions of both
    editions are graded alike."""
    course_root, destination = Path(course_root).resolve(), Path(destination).resolve()
    if destination.exists() and any(destination.iterdir()):
        raise StudentCopyError(f"{destination} already exists and is not empty; choose a new folder "
                               "(nothing is overwritten).")
    if destination == course_root or course_root in destination.parents:
        raise StudentCopyError(f"{destination} is inside the course folder; write the copy elsewhere.")
    available = {int(folder.name[len("lesson"):]) for folder in (course_root / source).iterdir()
                 if folder.is_dir() and layout.is_lesson(folder.name)}
    unknown = sorted(set(lessons) - available)
    if unknown:
        raise StudentCopyError(f"no lesson {unknown} in {course_root / source} (folders lesson1/, "
                               f"lesson2/ ...); available: {sorted(available)}.")
    if not lessons and not include_lab:
        raise StudentCopyError("nothing to copy: name lessons (e.g. --lessons 1 2) and/or --lab.")
    assignments = [f"lesson{number}" for number in sorted(set(lessons))]
    assignments += ["lab"] if include_lab else []
    folders = [layout.student_folder(assignment) for assignment in assignments]
    with tempfile.TemporaryDirectory(prefix="student-copy-") as scratch:
        released = editions.build_edition(course_root, language, Path(scratch) / language, assignments)
        return _write_copy(course_root, destination, released, assignments, folders, lessons,
                           include_lab, force=force, source=source, language=language)


def _write_copy(course_root: Path, destination: Path, released: Path, assignments: list[str],
                folders: list[str], lessons: list[int], include_lab: bool, *, force: bool,
                source: str, language: str) -> StudentCopy:
    reveals = recap_reveals(course_root, assignments, source, released)
    if reveals and not force:
        given_away = sorted({r.answers_of for r in reveals})
        raise StudentCopyError(
            "handing out " + " and ".join(assignments) + " together gives answers away:\n  "
            + "\n  ".join(r.describe() for r in reveals)
            + f"\nHand out {', '.join(given_away)} first, and the rest once its deadline has "
            "passed (each handout its own student-copy), or pass --force to do it anyway.")

    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(course_root / "coursekit", destination / "coursekit",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
    for name in ("requirements.txt", "start.py"):  # the students' own: they install and open the course
        shutil.copyfile(course_root / name, destination / name)
    (destination / "pyproject.toml").write_text(
        student_pyproject((course_root / "pyproject.toml").read_text(encoding="utf-8")))
    notebooks = []
    for folder in folders:
        copied = shutil.copytree(released / folder, destination / folder)
        notebooks += sorted(Path(copied).glob("*.ipynb"))
    parts = [f"lesson{'s' if len(lessons) > 1 else ''} {', '.join(map(str, sorted(set(lessons))))}"] \
        if lessons else []
    if include_lab:
        parts.append("the MNIST lab (see lab/README.md)")
    first = notebooks[0].relative_to(destination).as_posix()
    if language == "en":
        contents = "This repository holds " + " and ".join(parts) + " of the course."
        readme = README.format(first=first, contents=contents)
    else:
        held = ([f"পাঠ {', '.join(map(str, sorted(set(lessons))))}"] if lessons else []) \
            + (["MNIST ল্যাব (দেখুন lab/README.md)"] if include_lab else [])
        readme = README_BN.format(first=first, contents=f"এই রিপোজিটরিতে কোর্সের {' আর '.join(held)} আছে।")
    (destination / "README.md").write_text(readme, encoding="utf-8")
    if language != "en":  # the kernels learn the edition from it (coursekit/language.py)
        (destination / ".coursekit-language").write_text(f"{language}\n", encoding="utf-8")
    (destination / ".gitignore").write_text(GITIGNORE)
    commit = _commit(destination, f"Course handout: {' and '.join(parts)}")
    return StudentCopy(destination, notebooks, [r.describe() for r in reveals], commit)
