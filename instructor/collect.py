"""Put downloaded submissions where nbgrader expects them: ``submitted/<student>/<assignment>/``.

Accepted sources (a folder, or a ``.zip`` of one):

1. **A folder per student**: ``<student>/mnist_lab.ipynb`` (the folder name is the student;
   nested folders such as ``<student>/lab/mnist_lab.ipynb`` are fine). Moodle's
   "download all submissions" folders ``Full Name_12345_assignsubmission_file_/`` count as
   the student ``12345`` or ``Full Name``.
2. **Flat files named by student**, as LMS downloads arrive:

   ============================================== ====================================
   file name                                      student key(s) tried
   ============================================== ====================================
   ``alice_mnist_lab.ipynb``, ``alice-mnist_lab`` ``alice``
   ``12345_bob_mnist_lab.ipynb``                  ``12345_bob``, then ``12345``, ``bob``
   ``mnist_lab_alice.ipynb``                      ``alice``
   ``smithjane_12345_678901_mnist_lab.ipynb``     Canvas: ``smithjane``, ``12345``
   ``smithjane_LATE_12345_678901_mnist_lab-1..``  Canvas, late / resubmitted
   ``Jane Smith_12345_assignsubmission_file_...`` Moodle: ``12345``, ``Jane Smith``
   ============================================== ====================================

   The part after the student must be the assignment's notebook name (copies such as
   ``mnist_lab (1).ipynb`` or ``mnist_lab-2.ipynb`` are accepted); when an assignment has a
   single notebook, any notebook name is accepted and the file is renamed.

Mapping a key to a student id, in this order:

- ``--map map.csv`` (columns ``key,student_id``): ``key`` is a whole file or folder name, or
  a key from the table; an empty ``student_id`` ignores that file on purpose.
- ``--roster roster.csv`` (column ``id``; optional ``lms_id``, ``email``, ``first_name``,
  ``last_name``, ``aliases`` separated by ``;``): a key matches a student when it equals
  (ignoring case, spaces and punctuation) the id, the LMS id, the e-mail or its user part,
  "first last", "last first" or an alias. Exactly one student must match. Roster students
  are added to the gradebook, so the ones without a submission are exported with 0 points.
- otherwise the first key itself, made safe for a folder name.

Everything that could not be mapped is reported, never guessed: unmapped and ambiguous
files, two files for one student, non-notebook files, roster students with no submission.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
SAFE_ID = re.compile(r"^[A-Za-z0-9_.@+-]+$")

MOODLE = re.compile(r"^(?P<name>.+?)_(?P<lms_id>\d+)_assignsubmission_(?:file|onlinetext)_?(?P<rest>.*)$")
CANVAS = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9.-]*)(?:_LATE)?_(?P<user_id>\d+)_(?P<sub_id>\d+)_(?P<rest>.+)$")
COPY_SUFFIX = r"(?:\s*\(\d+\)|[-_ ]\d{1,2})?"


class CollectError(Exception):
    """Bad input to collect (a missing source, an unreadable map or roster)."""


@dataclass
class Student:
    id: str
    keys: set[str] = field(default_factory=set)
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass
class Result:
    copied: list[tuple[str, str, str]] = field(default_factory=list)  # (source, student, destination)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    skipped_existing: list[tuple[str, str]] = field(default_factory=list)
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (source, why)
    conflicts: list[tuple[str, list[str]]] = field(default_factory=list)  # (student, sources)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # roster students without a submission

    @property
    def ok(self) -> bool:
        return not (self.unmapped or self.conflicts)

    def lines(self) -> list[str]:
        out = []
        for source, student, destination in self.copied:
            out.append(f"copied     {source} -> {student} ({destination})")
        for source, student in self.unchanged:
            out.append(f"unchanged  {source} -> {student} (already in place)")
        for source, student in self.skipped_existing:
            out.append(f"SKIPPED    {source} -> {student}: a different submission is already in "
                       "place; use --force to replace it")
        for source, why in self.unmapped:
            out.append(f"UNMAPPED   {source}: {why}")
        for student, sources in self.conflicts:
            out.append(f"CONFLICT   {student}: several files ({', '.join(sources)}); none was "
                       "copied. Keep one, or map the others with --map")
        for source, why in self.ignored:
            out.append(f"ignored    {source}: {why}")
        for student in self.missing:
            out.append(f"MISSING    {student}: on the roster, no submission found")
        return out

    def write_csv(self, path: str | os.PathLike) -> None:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["status", "source", "student_id", "detail"])
            for source, student, destination in self.copied:
                writer.writerow(["copied", source, student, destination])
            for source, student in self.unchanged:
                writer.writerow(["unchanged", source, student, ""])
            for source, student in self.skipped_existing:
                writer.writerow(["skipped_existing", source, student, "use --force"])
            for source, why in self.unmapped:
                writer.writerow(["unmapped", source, "", why])
            for student, sources in self.conflicts:
                writer.writerow(["conflict", ";".join(sources), student, ""])
            for source, why in self.ignored:
                writer.writerow(["ignored", source, "", why])
            for student in self.missing:
                writer.writerow(["missing", "", student, "no submission"])


def normalise(text: str) -> str:
    """Lower case, runs of spaces and punctuation as one underscore: 'Jane  Smith' -> 'jane_smith'."""
    return re.sub(r"[^a-z0-9@]+", "_", text.strip().lower()).strip("_")


def read_roster(path: str | os.PathLike) -> list[Student]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise CollectError(f"cannot read the roster {path}: {error}") from None
    if not rows or "id" not in rows[0]:
        raise CollectError(f"the roster {path} needs a header with an 'id' column (and optionally "
                           "lms_id, email, first_name, last_name, aliases)")
    students = []
    for number, row in enumerate(rows, start=2):
        student_id = (row.get("id") or "").strip()
        if not SAFE_ID.match(student_id):
            raise CollectError(f"{path}, line {number}: student id {student_id!r} is empty or has "
                               "characters a folder name cannot have; use letters, digits, _ . @ + -")
        first, last = (row.get("first_name") or "").strip(), (row.get("last_name") or "").strip()
        email = (row.get("email") or "").strip()
        keys = {student_id, row.get("lms_id") or "", email, email.split("@")[0] if email else ""}
        if first or last:
            keys |= {f"{first} {last}", f"{last} {first}", f"{last}{first}", f"{first}{last}"}
        keys |= set((row.get("aliases") or "").split(";"))
        students.append(Student(student_id, {normalise(k) for k in keys if k and normalise(k)},
                                first, last, email))
    ids = [s.id for s in students]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CollectError(f"the roster {path} lists these ids twice: {', '.join(duplicates)}")
    return students


def read_map(path: str | os.PathLike) -> dict[str, str]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise CollectError(f"cannot read the map {path}: {error}") from None
    mapping = {}
    for number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        if number == 1 and [c.strip().lower() for c in row[:2]] == ["key", "student_id"]:
            continue
        if len(row) < 2:
            raise CollectError(f"{path}, line {number}: expected 'key,student_id', got {row!r}")
        key, student_id = row[0].strip(), row[1].strip()
        if student_id and not SAFE_ID.match(student_id):
            raise CollectError(f"{path}, line {number}: student id {student_id!r} has characters a "
                               "folder name cannot have")
        mapping[key.lower()] = student_id
        mapping[normalise(key)] = student_id
    return mapping


def keys_from_name(stem: str, notebooks: list[str]) -> tuple[list[str], str | None]:
    """Student keys in a file or folder name (best first), and the notebook it names if any."""
    match = MOODLE.match(stem)
    if match:
        rest = match["rest"]
        return [match["lms_id"], match["name"]], _notebook_in(rest, notebooks)
    match = CANVAS.match(stem)
    if match:
        return [match["name"], match["user_id"]], _notebook_in(match["rest"], notebooks)
    for notebook in sorted(notebooks, key=len, reverse=True):
        # <student><sep><notebook>[copy suffix]
        match = re.match(rf"^(?P<student>.+?)[\s_-]+{re.escape(notebook)}{COPY_SUFFIX}$", stem,
                         re.IGNORECASE)
        if match:
            return _split_keys(match["student"]), notebook
        # <notebook><sep><student>
        match = re.match(rf"^{re.escape(notebook)}[\s_-]+(?P<student>.+)$", stem, re.IGNORECASE)
        if match and not re.fullmatch(r"\(?\d{1,2}\)?", match["student"]):
            return _split_keys(match["student"]), notebook
    return [], _notebook_in(stem, notebooks)


def _split_keys(prefix: str) -> list[str]:
    parts = [p for p in re.split(r"[_\s]+", prefix.strip()) if p]
    keys = [prefix.strip()]
    if len(parts) > 1:
        keys += parts
    return keys


def _notebook_in(name: str, notebooks: list[str]) -> str | None:
    stem = name[:-6] if name.lower().endswith(".ipynb") else name
    for notebook in sorted(notebooks, key=len, reverse=True):
        if re.fullmatch(rf"{re.escape(notebook)}{COPY_SUFFIX}", stem, re.IGNORECASE):
            return notebook
    return None


class Mapper:
    def __init__(self, roster: list[Student] | None, mapping: dict[str, str] | None):
        self.roster = roster or []
        self.mapping = mapping or {}

    def student_for(self, whole_name: str, keys: list[str]) -> tuple[str | None, str]:
        """(student id or None, explanation)."""
        for key in [whole_name] + keys:
            for form in (key.lower(), normalise(key)):
                if form in self.mapping:
                    student = self.mapping[form]
                    return (student or None), ("ignored by the map" if not student else "map")
        if not keys:
            return None, ("no student name found in it; name files like <student>_<notebook>.ipynb, "
                          "or add the file name to a map file (--map)")
        if self.roster:
            for key in keys:
                matches = {s.id for s in self.roster if normalise(key) in s.keys}
                if len(matches) == 1:
                    return matches.pop(), f"roster ({key})"
                if len(matches) > 1:
                    return None, (f"'{key}' matches several roster students ({', '.join(sorted(matches))});"
                                  " map it with --map")
            return None, (f"no roster student matches {', '.join(repr(k) for k in keys)}; add an alias "
                          "to the roster or a line to the map file (--map)")
        candidate = re.sub(r"[^A-Za-z0-9_.@+-]+", "_", keys[0].strip()).strip("_.")
        if not candidate:
            return None, "the student part of the name is empty"
        return candidate, "file name"


def _notebook_names(course: Path, assignment: str) -> list[str]:
    folder = course / "source" / assignment
    names = sorted(p.stem for p in folder.glob("*.ipynb"))
    if not names:
        raise CollectError(f"no notebooks in {folder}: is '{assignment}' the assignment's name, and "
                           f"is {course} the course folder (the one with nbgrader_config.py)?")
    return names


def _find_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if any(part in IGNORED_DIRS for part in path.relative_to(root).parts):
            continue
        if path.is_file():
            files.append(path)
    return files


def collect(source: str | os.PathLike, assignment: str, course: str | os.PathLike = ".",
            roster: list[Student] | None = None, mapping: dict[str, str] | None = None,
            force: bool = False, dry_run: bool = False) -> Result:
    """Copy every submission in ``source`` (a folder or a zip) into ``course``/submitted."""
    course = Path(course).resolve()
    source = Path(source)
    if not source.exists():
        raise CollectError(f"{source} does not exist: pass the folder or .zip you downloaded")
    notebooks = _notebook_names(course, assignment)
    with tempfile.TemporaryDirectory(prefix="collect-") as scratch:
        if source.is_file():
            if not zipfile.is_zipfile(source):
                raise CollectError(f"{source} is neither a folder nor a .zip file")
            with zipfile.ZipFile(source) as archive:
                for member in archive.infolist():
                    target = Path(scratch, member.filename).resolve()
                    if not str(target).startswith(str(Path(scratch).resolve()) + os.sep):
                        raise CollectError(f"{source} contains an unsafe path: {member.filename}")
                archive.extractall(scratch)
            root = Path(scratch)
        else:
            root = source
        # A download that holds one folder with everything in it: start inside that folder.
        entries = [p for p in root.iterdir() if p.name not in IGNORED_DIRS | IGNORED_NAMES]
        if len(entries) == 1 and entries[0].is_dir() and not _is_student_folder(entries[0], notebooks):
            root = entries[0]
        return _collect_from(root, notebooks, assignment, course, Mapper(roster, mapping), roster,
                             force, dry_run)


def _is_student_folder(folder: Path, notebooks: list[str]) -> bool:
    """Does this folder hold one student's work, rather than everybody's files or folders?

    One student's folder holds exactly one notebook whose name names no student.
    """
    own = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".ipynb"]
    return len(own) == 1 and not keys_from_name(own[0].stem, notebooks)[0]


def _collect_from(root: Path, notebooks: list[str], assignment: str, course: Path, mapper: Mapper,
                  roster: list[Student] | None, force: bool, dry_run: bool) -> Result:
    result = Result()
    planned: dict[tuple[str, str], list[tuple[Path, str]]] = {}

    def plan(path: Path, whole: str, keys: list[str], notebook: str | None) -> None:
        relative = path.relative_to(root).as_posix()
        student, how = mapper.student_for(whole, keys)
        if student is None:
            (result.ignored if how == "ignored by the map" else result.unmapped).append((relative, how))
            return
        if notebook is None:
            if len(notebooks) != 1:
                result.unmapped.append((relative, "not one of this assignment's notebooks ("
                                        + ", ".join(n + ".ipynb" for n in notebooks) + ")"))
                return
            notebook = notebooks[0]
        planned.setdefault((student, notebook), []).append((path, relative))

    folders: dict[str, list[Path]] = {}
    for path in _find_files(root):
        relative = path.relative_to(root)
        if path.name in IGNORED_NAMES:
            continue
        if path.suffix.lower() != ".ipynb":
            result.ignored.append((relative.as_posix(), "not a notebook"))
        elif len(relative.parts) == 1:  # flat: the file name names the student
            keys, notebook = keys_from_name(path.stem, notebooks)
            plan(path, path.name, keys, notebook)
        else:  # a folder per student
            folders.setdefault(relative.parts[0], []).append(path)

    for folder, paths in sorted(folders.items()):
        moodle = MOODLE.match(folder)
        keys = [moodle["lms_id"], moodle["name"]] if moodle else [folder]
        named = [(p, _notebook_in(p.stem, notebooks)) for p in paths]
        matching = [(p, n) for p, n in named if n is not None]
        if matching:
            for path, notebook in matching:
                plan(path, folder, keys, notebook)
            for path, notebook in named:
                if notebook is None:
                    why = "an extra notebook next to the assignment's notebook"
                    result.ignored.append((path.relative_to(root).as_posix(), why))
        elif len(paths) == 1:
            plan(paths[0], folder, keys, None)
        else:
            names = ", ".join(p.name for p in paths)
            expected = " or ".join(n + ".ipynb" for n in notebooks)
            why = f"the folder has several notebooks ({names}) and none is named {expected}; rename the one to grade"
            result.unmapped.append((folder, why))

    for (student, notebook), files in sorted(planned.items()):
        if len(files) > 1:
            result.conflicts.append((student, [relative for _, relative in files]))
            continue
        path, relative = files[0]
        destination = course / "submitted" / student / assignment / f"{notebook}.ipynb"
        if destination.exists():
            if destination.read_bytes() == path.read_bytes():
                result.unchanged.append((relative, student))
                continue
            if not force:
                result.skipped_existing.append((relative, student))
                continue
        if not dry_run:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        result.copied.append((relative, student, destination.relative_to(course).as_posix()))

    if roster:
        found = {student for student, _ in planned}
        submitted = course / "submitted"
        for entry in roster:
            if entry.id not in found and not (submitted / entry.id / assignment).is_dir():
                result.missing.append(entry.id)
    return result


def add_roster_to_gradebook(course: str | os.PathLike, roster: list[Student]) -> None:
    """Create every roster student in the gradebook, so export lists the ones who submitted nothing."""
    from .grade import Course, _gradebook  # local import: nbgrader is only needed here

    with _gradebook(Course.load(course)) as gradebook:
        for entry in roster:
            gradebook.update_or_create_student(entry.id, first_name=entry.first_name or None,
                                               last_name=entry.last_name or None,
                                               email=entry.email or None)
