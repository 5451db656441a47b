"""Editions of the course in other languages, built from the English source and a catalogue.

The Bengali edition (``bn/``) is generated, never edited by hand:

1. each English source notebook gets its markdown cells replaced by their translations from
   ``translations/bn/<assignment>/<notebook>.po`` (instructor/authoring/translations.py) and the notebook
   metadata ``course.language = "bn"``; every code cell, test and nbgrader field stays the
   English one, byte for byte, so both editions share grade ids and one gradebook, except the
   first line of a collapsed cell (a quiz, a test), the comment JupyterLab shows as the cell's
   caption, which is the edition's (``caption:`` entries; autograding puts the English back,
   then the edition's, as it does for locked markdown: instructor/grading/preprocessors.py);
2. nbgrader generates the student versions from those Bengali sources, in a scratch course, as
   it does for the English ones; they are written to ``bn/<assignment>/``. A translated file
   beside a notebook (``translations/bn/lab/README.md``) replaces the English one.

The texts that code shows (quizzes today) are looked up at run time by coursekit, from
``coursekit/locale/<language>.json``, which this build also writes from the catalogues.

    python -m instructor.authoring.editions bn           # rebuild bn/ and coursekit/locale/bn.json
    python -m instructor.authoring.editions bn --check   # only say whether they are up to date
"""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import polib

#: What a scratch nbgrader course needs to generate student versions as the real one does.
from ..grading import grade
from . import layout, translations

COURSE_FILES = ("nbgrader_config.py",)
COURSE_DIRS = ("instructor",)
#: The catalogue entry of nbgrader's "YOUR ANSWER HERE" (coursekit.language.answer_stub).
ANSWER_STUB = "ui:nbgrader/answer-stub"
#: The course's own language: its edition is generated from the sources as they are.
ENGLISH = "en"


def edition_dir(root: Path, language: str) -> Path:
    return root / language


def locale_path(root: Path, language: str) -> Path:
    return root / "coursekit" / "locale" / f"{language}.json"


def translated_source(root: Path, notebook: Path, language: str) -> nbformat.NotebookNode:
    """The source notebook ``notebook`` with its markdown in ``language``. A cell without a
    current translation keeps its English text (the suite's completeness test names it)."""
    nb = nbformat.read(str(notebook), as_version=4)
    texts = translations.load(translations.catalogue_path(root, notebook, language))
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = texts.get(f"{translations.MARKDOWN}{cell.id}", cell.source)
        elif translations.caption(cell) and translations.caption_context(translations.caption(cell)) in texts:
            cell.source = translations.with_caption(
                cell.source, texts[translations.caption_context(translations.caption(cell))])
    nb.metadata.setdefault("course", {})["language"] = language
    return nb


def runtime_texts(root: Path, language: str) -> dict[str, dict[str, str]]:
    """What coursekit shows at run time: ``texts`` (context -> translation: quizzes, coursekit's
    own words) and ``messages`` (English template -> translation: the test cells' messages)."""
    texts, messages = {}, {}
    for origin, catalogue in translations.catalogues(root, language):
        if not catalogue.exists() or origin == root / translations.INSTRUCTOR_MODULE:
            continue  # (the instructor's tools read their own catalogue)
        for entry in polib.pofile(str(catalogue)):
            if entry.obsolete or not entry.translated() or entry.msgctxt.startswith(
                    (translations.MARKDOWN, translations.CAPTION)):
                continue  # markdown and captions are built into the notebooks themselves
            if entry.msgctxt.startswith(translations.MESSAGE):
                messages[entry.msgid] = entry.msgstr
            else:
                texts[entry.msgctxt] = entry.msgstr
    return {"texts": dict(sorted(texts.items())), "messages": dict(sorted(messages.items()))}


def _write_sources(root: Path, scratch: Path, language: str, only: list[str] | None = None) -> list[str]:
    assignments = []
    for folder in sorted((root / "source").iterdir()):
        if not folder.is_dir() or not any(folder.glob("*.ipynb")) or (only and folder.name not in only):
            continue
        assignments.append(folder.name)
        target = scratch / "source" / folder.name
        target.mkdir(parents=True)
        for item in folder.iterdir():
            if item.suffix == ".ipynb" and language == ENGLISH:
                shutil.copyfile(item, target / item.name)
            elif item.suffix == ".ipynb":
                nbformat.write(translated_source(root, item, language), str(target / item.name))
            elif item.is_file():
                translated = root / "translations" / language / folder.name / item.name
                shutil.copyfile(translated if translated.exists() else item, target / item.name)
    return assignments


#: nbgrader's own API, in one process for every assignment (each `nbgrader` command costs ~5 s
#: of start-up), with the course's configuration read as the command would read it.
_GENERATE = """
import json, sys
from nbgrader.apps import NbGrader, NbGraderAPI
app = NbGrader()
app.config_file_paths.append(".")
app.load_config_file()
api = NbGraderAPI(config=app.config)
failures = {}
for assignment in sys.argv[1:]:
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        failures[assignment] = result.get("error", "") + result.get("log", "")
print(json.dumps(failures))
"""


def _generate(scratch: Path, assignments: list[str], language: str) -> None:
    completed = subprocess.run([sys.executable, "-c", _GENERATE, *assignments], cwd=scratch,
                               env=grade.nbgrader_env(), capture_output=True, text=True, check=False)
    try:
        failures = json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        failures = {"(all)": completed.stdout + completed.stderr}
    if completed.returncode != 0 or failures:
        details = "\n".join(f"{a}: {text[-1500:]}" for a, text in failures.items()) or completed.stderr[-2000:]
        raise grade.GradingError(f"nbgrader could not generate the {language} student versions:\n{details}")


def build_edition(root: Path, language: str, into: Path | None = None,
                  assignments: list[str] | None = None) -> Path:
    """Generate the student versions of ``language`` (``en``: the course's own) into ``into``
    (default: ``<root>/<language>``), of every assignment or only of ``assignments``."""
    into = into or edition_dir(root, language)
    with tempfile.TemporaryDirectory(prefix=f"edition-{language}-") as tmp:
        scratch = Path(tmp) / "course"
        scratch.mkdir()
        for name in COURSE_FILES:
            shutil.copyfile(root / name, scratch / name)
        stub = translations.load(root / "translations" / language / "coursekit.po").get(ANSWER_STUB)
        if stub:  # a written answer's cell asks in the edition's language
            with open(scratch / "nbgrader_config.py", "a", encoding="utf-8") as config:
                config.write(f"\nc.ClearSolutions.text_stub = {stub!r}\n")
        for name in COURSE_DIRS:
            shutil.copytree(root / name, scratch / name, ignore=shutil.ignore_patterns("__pycache__"))
        assignments = _write_sources(root, scratch, language, assignments)
        _generate(scratch, assignments, language)
        if into.exists():
            shutil.rmtree(into)
        into.mkdir(parents=True)
        for assignment in assignments:
            folder = layout.student_folder(assignment)
            shutil.copytree(scratch / folder, into / folder)
    return into


def locale_text(root: Path, language: str) -> str:
    return json.dumps(runtime_texts(root, language), ensure_ascii=False, indent=1) + "\n"


def differences(root: Path, language: str) -> list[str]:
    """Files of the committed edition that a fresh build would change (empty: up to date)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = build_edition(root, language, into=Path(tmp) / language)
        committed = edition_dir(root, language)
        found = []
        for path in sorted(fresh.rglob("*")):
            if path.is_file():
                relative = path.relative_to(fresh)
                mine = committed / relative
                if not mine.exists() or not filecmp.cmp(path, mine, shallow=False):
                    found.append(f"{language}/{relative.as_posix()}")
        for path in sorted(committed.rglob("*")) if committed.exists() else []:
            if path.is_file() and not (fresh / path.relative_to(committed)).exists():
                found.append(f"{language}/{path.relative_to(committed).as_posix()} (not generated)")
        path = locale_path(root, language)
        if not path.exists() or path.read_text(encoding="utf-8") != locale_text(root, language):
            found.append(path.relative_to(root).as_posix())
        return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in translations.LANGUAGES:
        print(__doc__)
        return 2
    language, root = argv[0], translations.course_root()
    if "--check" in argv:
        stale = differences(root, language)
        for item in stale:
            print(f"stale: {item}")
        print(f"{len(stale)} stale file(s)" if stale else f"{language}/ is up to date")
        return 1 if stale else 0
    build_edition(root, language)
    path = locale_path(root, language)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(locale_text(root, language), encoding="utf-8")
    print(f"{language}/ and {locale_path(root, language).relative_to(root)} rebuilt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
