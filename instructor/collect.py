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
  ``last_name``, ``aliases`` separated by ``;``, and for the grade export ``section``,
  ``sis_user_id``, ``sis_login_id``): a key matches a student when it equals
  (ignoring case, spaces and punctuation) the id, the LMS id, the e-mail or its user part,
  "first last", "last first" or an alias. Exactly one student must match. Roster students
  are added to the gradebook, so the ones without a submission are exported with 0 points.
- otherwise the first key itself, made safe for a folder name.

Everything that could not be mapped is reported, never guessed: unmapped and ambiguous
files, non-notebook files, roster students with no submission. Two files for one student's
notebook: the newer one (by the time it has in the download) is taken, with a note; files
less than a second apart are a conflict, resolved with ``--map`` (a key may be a path inside
the download, ``Jane Smith_333_assignsubmission_file_/mnist_lab (1).ipynb``).

What each copied submission keeps, next to the notebook in ``submitted/<student>/<assignment>/``:

- ``timestamp.txt``: when it was handed in, in UTC. nbgrader reads this file (its own
  mechanism) to compute lateness against the due date and extensions in the gradebook
  (``instructor/deadlines.py``). The time is the one the file has in the download (a zip
  entry's modification time, read in ``--timezone``, the LMS server's zone; a folder's file
  modification time), or the one given for it in ``--times times.csv`` (columns
  ``key,submitted_at``: a file name, path or student id and an ISO 8601 time).
- ``lms.json``: where it came from: the file's path in the download and, for Canvas and Moodle,
  the LMS's ids in its name (Canvas user id and attachment id, Moodle participant id), which
  the LMS grade-import and feedback-upload formats need (``instructor/lms.py``), and Canvas's
  ``LATE`` flag.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
SAFE_ID = re.compile(r"^[A-Za-z0-9_.@+-]+$")

MOODLE = re.compile(r"^(?P<name>.+?)_(?P<lms_id>\d+)_assignsubmission_(?:file|onlinetext)_?(?P<rest>.*)$")
# Canvas names downloaded files <name>[_LATE]_<user id>_<attachment id>_<file name>; its bulk
# upload of feedback reads the user and attachment ids back from the same positions.
CANVAS = re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9.-]*)(?P<late>_LATE)?_(?P<user_id>\d+)_(?P<sub_id>\d+)_(?P<rest>.+)$")
# Files of one student closer together than this are not ordered: neither is "the newer one".
NEWER_BY = dt.timedelta(seconds=1)
TIMESTAMP_FILE, LMS_FILE = "timestamp.txt", "lms.json"
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
    lms_id: str = ""
    section: str = ""
    sis_login_id: str = ""
    sis_user_id: str = ""


@dataclass
class LmsInfo:
    """Where a submission came from, as its name in the LMS download says."""

    lms: str = ""  # "canvas", "moodle" or "" (any other layout)
    source: str = ""  # the path in the download
    name: str = ""  # the student's name as the LMS wrote it
    canvas_user_id: str = ""
    canvas_attachment_id: str = ""
    canvas_late: bool = False
    moodle_participant_id: str = ""
    prefix: str = ""  # the LMS's own prefix of this student's files (reused for feedback files)


def lms_info(name: str) -> LmsInfo:
    """The LMS ids in a downloaded file or folder name (no LMS: an empty LmsInfo)."""
    match = MOODLE.match(name)
    if match:
        return LmsInfo("moodle", name=match["name"], moodle_participant_id=match["lms_id"],
                       prefix=f"{match['name']}_{match['lms_id']}_assignsubmission_file")
    match = CANVAS.match(name)
    if match:
        return LmsInfo("canvas", name=match["name"], canvas_user_id=match["user_id"],
                       canvas_attachment_id=match["sub_id"], canvas_late=bool(match["late"]),
                       prefix=f"{match['name']}{match['late'] or ''}_{match['user_id']}_{match['sub_id']}")
    return LmsInfo()


def read_lms_info(folder: Path) -> LmsInfo:
    """The LmsInfo collect stored with a submission (empty if there is none)."""
    try:
        data = json.loads((folder / LMS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return LmsInfo()
    known = set(LmsInfo.__dataclass_fields__)
    return LmsInfo(**{k: v for k, v in data.items() if k in known})


def read_timestamp(folder: Path) -> dt.datetime | None:
    """The submission time collect stored (nbgrader's timestamp.txt), as an aware UTC datetime."""
    try:
        text = (folder / TIMESTAMP_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    from nbgrader.utils import parse_utc  # nbgrader's own reading of timestamp.txt

    return parse_utc(text).replace(tzinfo=dt.timezone.utc)


def format_timestamp(moment: dt.datetime) -> str:
    """A UTC time the way nbgrader writes timestamp.txt."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


@dataclass
class Result:
    copied: list[tuple[str, str, str]] = field(default_factory=list)  # (source, student, destination)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    skipped_existing: list[tuple[str, str]] = field(default_factory=list)
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (source, why)
    conflicts: list[tuple[str, list[str]]] = field(default_factory=list)  # (student, sources)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # roster students without a submission
    newest: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (student, taken, older)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (student, note)

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
        for student, taken, older in self.newest:
            out.append(f"newest     {student}: took {taken}, the newest of their files; not "
                       f"{', '.join(older)}")
        for student, note in self.notes:
            out.append(f"NOTE       {student}: {note}")
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
            for student, taken, older in self.newest:
                writer.writerow(["newest", taken, student, "older: " + ";".join(older)])
            for student, note in self.notes:
                writer.writerow(["note", "", student, note])


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
                                first, last, email, (row.get("lms_id") or "").strip(),
                                (row.get("section") or "").strip(),
                                (row.get("sis_login_id") or "").strip(),
                                (row.get("sis_user_id") or "").strip()))
    ids = [s.id for s in students]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CollectError(f"the roster {path} lists these ids twice: {', '.join(duplicates)}")
    return students


def read_map(path: str | os.PathLike) -> dict[str, str]:
    mapping = {}
    for key, student_id in read_pairs(path, ("key", "student_id")):
        if student_id and not SAFE_ID.match(student_id):
            raise CollectError(f"{path}: student id {student_id!r} (for {key!r}) has characters a "
                               "folder name cannot have")
        mapping[key.lower()] = student_id
        mapping[normalise(key)] = student_id
    return mapping


def read_pairs(path: str | os.PathLike, header: tuple[str, str]) -> list[tuple[str, str]]:
    """Two-column CSV lines (an optional header ``header``; blank and # lines skipped)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise CollectError(f"cannot read {path}: {error}") from None
    pairs = []
    for number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        if number == 1 and tuple(c.strip().lower() for c in row[:2]) == header:
            continue
        if len(row) < 2:
            raise CollectError(f"{path}, line {number}: expected '{','.join(header)}', got {row!r}")
        pairs.append((row[0].strip(), row[1].strip()))
    return pairs


def parse_time(text: str, zone: dt.tzinfo = dt.timezone.utc) -> dt.datetime:
    """An ISO 8601 time; without an offset it is read in ``zone``."""
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-11-20T23:59:00+01:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_times(path: str | os.PathLike, zone: dt.tzinfo = dt.timezone.utc) -> dict[str, dt.datetime]:
    """``key,submitted_at`` lines: the submission time of a file (name or path) or a student."""
    times = {}
    for key, text in read_pairs(path, ("key", "submitted_at")):
        try:
            times[key.lower()] = parse_time(text, zone)
        except ValueError as error:
            raise CollectError(f"{path}, key {key!r}: {error}") from None
    return times


def timezone(name: str | None) -> dt.tzinfo:
    """The zone a download's zip entry times are in (default: this computer's)."""
    if not name:
        return dt.datetime.now().astimezone().tzinfo
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CollectError(f"unknown time zone {name!r}: use a name such as Europe/Berlin or UTC") from None


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

    def student_for(self, whole_name: str, keys: list[str], path: str = "") -> tuple[str | None, str]:
        """(student id or None, explanation); ``path`` is the file's path in the download."""
        for key in ([path] if path else []) + [whole_name] + keys:
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
            force: bool = False, dry_run: bool = False, zone: str | None = None,
            times: dict[str, dt.datetime] | None = None) -> Result:
    """Copy every submission in ``source`` (a folder or a zip) into ``course``/submitted.

    ``zone``: the time zone of the zip entries' times (the LMS server's; default this
    computer's); ``times``: submission times by file name, path or student id (``read_times``).
    """
    zone_info = timezone(zone)
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
                # A zip entry's time is the submission's time as the download has it: keep it
                # as the extracted file's modification time, read in the LMS server's zone.
                for member in archive.infolist():
                    if not member.is_dir():
                        moment = dt.datetime(*member.date_time, tzinfo=zone_info).timestamp()
                        os.utime(Path(scratch, member.filename), (moment, moment))
            root = Path(scratch)
        else:
            root = source
        # A download that holds one folder with everything in it: start inside that folder.
        entries = [p for p in root.iterdir() if p.name not in IGNORED_DIRS | IGNORED_NAMES]
        if len(entries) == 1 and entries[0].is_dir() and not _is_student_folder(entries[0], notebooks):
            root = entries[0]
        return _collect_from(root, notebooks, assignment, course, Mapper(roster, mapping), roster,
                             force, dry_run, times or {})


def _is_student_folder(folder: Path, notebooks: list[str]) -> bool:
    """Does this folder hold one student's work, rather than everybody's files or folders?

    One student's folder holds exactly one notebook whose name names no student.
    """
    own = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".ipynb"]
    return len(own) == 1 and not keys_from_name(own[0].stem, notebooks)[0]


def _collect_from(root: Path, notebooks: list[str], assignment: str, course: Path, mapper: Mapper,
                  roster: list[Student] | None, force: bool, dry_run: bool,
                  times: dict[str, dt.datetime]) -> Result:
    result = Result()
    planned: dict[tuple[str, str], list[tuple[Path, str, LmsInfo]]] = {}

    def plan(path: Path, whole: str, keys: list[str], notebook: str | None, info: LmsInfo) -> None:
        relative = path.relative_to(root).as_posix()
        student, how = mapper.student_for(whole, keys, relative)
        if student is None:
            (result.ignored if how == "ignored by the map" else result.unmapped).append((relative, how))
            return
        if notebook is None:
            if len(notebooks) != 1:
                result.unmapped.append((relative, "not one of this assignment's notebooks ("
                                        + ", ".join(n + ".ipynb" for n in notebooks) + ")"))
                return
            notebook = notebooks[0]
        info.source = relative
        planned.setdefault((student, notebook), []).append((path, relative, info))

    folders: dict[str, list[Path]] = {}
    for path in _find_files(root):
        relative = path.relative_to(root)
        if path.name in IGNORED_NAMES:
            continue
        if path.suffix.lower() != ".ipynb":
            result.ignored.append((relative.as_posix(), "not a notebook"))
        elif len(relative.parts) == 1:  # flat: the file name names the student
            keys, notebook = keys_from_name(path.stem, notebooks)
            plan(path, path.name, keys, notebook, lms_info(path.stem))
        else:  # a folder per student
            folders.setdefault(relative.parts[0], []).append(path)

    for folder, paths in sorted(folders.items()):
        moodle = MOODLE.match(folder)
        keys = [moodle["lms_id"], moodle["name"]] if moodle else [folder]
        named = [(p, _notebook_in(p.stem, notebooks)) for p in paths]
        matching = [(p, n) for p, n in named if n is not None]
        if matching:
            for path, notebook in matching:
                plan(path, folder, keys, notebook, lms_info(folder))
            for path, notebook in named:
                if notebook is None:
                    why = "an extra notebook next to the assignment's notebook"
                    result.ignored.append((path.relative_to(root).as_posix(), why))
        elif len(paths) == 1:
            plan(paths[0], folder, keys, None, lms_info(folder))
        else:
            names = ", ".join(p.name for p in paths)
            expected = " or ".join(n + ".ipynb" for n in notebooks)
            why = f"the folder has several notebooks ({names}) and none is named {expected}; rename the one to grade"
            result.unmapped.append((folder, why))

    def submitted_at(path: Path, relative: str, student: str) -> dt.datetime:
        for key in (relative, path.name, student):
            if key.lower() in times:
                return times[key.lower()]
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)

    for (student, notebook), files in sorted(planned.items()):
        dated = sorted(((submitted_at(p, r, student), p, r, i) for p, r, i in files),
                       key=lambda item: item[0], reverse=True)
        if len(dated) > 1:
            if dated[0][0] - dated[1][0] < NEWER_BY:
                result.conflicts.append((student, sorted(relative for _, relative, _ in files)))
                continue
            result.newest.append((student, f"{dated[0][2]} ({dated[0][0]:%Y-%m-%d %H:%M:%S %Z})",
                                  [f"{r} ({t:%Y-%m-%d %H:%M:%S %Z})" for t, _, r, _ in dated[1:]]))
        moment, path, relative, info = dated[0]
        folder = course / "submitted" / student / assignment
        destination = folder / f"{notebook}.ipynb"
        if destination.exists():
            if destination.read_bytes() == path.read_bytes():
                result.unchanged.append((relative, student))
                continue
            if not force:
                result.skipped_existing.append((relative, student))
                continue
        if info.canvas_late:
            result.notes.append((student, f"Canvas marks {relative} late (handed in "
                                          f"{moment:%Y-%m-%d %H:%M:%S %Z})"))
        if not dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            # nbgrader's own record of the submission time, read by autograde for lateness.
            (folder / TIMESTAMP_FILE).write_text(format_timestamp(moment) + "\n", encoding="utf-8")
            (folder / LMS_FILE).write_text(json.dumps(asdict(info), indent=1) + "\n", encoding="utf-8")
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
                                               email=entry.email or None,
                                               lms_user_id=entry.lms_id or None)
