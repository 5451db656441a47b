"""Put downloaded submissions where nbgrader expects them: ``submitted/<student>/<assignment>/``.

Accepted sources (a folder, or a ``.zip`` of one):

1. **A folder per student**: ``<student>/mnist_lab.ipynb`` (the folder name is the student;
   nested folders such as ``<student>/lab/mnist_lab.ipynb`` are fine). Moodle's
   "download all submissions" folders ``Full Name_7001_assignsubmission_file_/`` belong to the
   Moodle participant ``7001``.
2. **Flat files named by student**, as LMS downloads arrive:

   ================================================== ====================================
   file name                                          whose it is
   ================================================== ====================================
   ``alice_mnist_lab.ipynb``, ``alice-mnist_lab``     ``alice``
   ``12345_bob_mnist_lab.ipynb``                      ``12345_bob``, then ``12345``, ``bob``
   ``mnist_lab_alice.ipynb``                          ``alice``
   ``smithjane_10025_678901_mnist_lab.ipynb``         Canvas user ``10025`` (name ``smithjane``)
   ``smithjane_LATE_10025_678902_mnist_lab-1.ipynb``  the same, handed in late
   ``müllerjörg_10031_…``, ``রহমানআনিসুর_10032_…``    Canvas writes names in any script
   ``anon_Qx7Zp_678903_…``, ``LATE_anon_…``           Canvas's anonymous grading: ``anon_Qx7Zp``
   ``Jane Smith_7003_assignsubmission_file_…``        Moodle participant ``7003``
   ================================================== ====================================

   The part after the student must be the assignment's notebook name (copies such as
   ``mnist_lab (1).ipynb`` or ``mnist_lab-2.ipynb`` are accepted); when an assignment has a
   single notebook, any notebook name is accepted and the file is renamed.

Whose a file is, in this order:

- ``--map map.csv`` (columns ``key,student_id``): ``key`` is a whole file or folder name, a path
  inside the download or a key from the table; an empty ``student_id`` ignores that file.
- **An LMS id decides** (``--roster``, see ``instructor/lms/roster.py``: Canvas's gradebook export,
  Moodle's grading worksheet or participants export, or your own CSV): the roster student with
  that Canvas user id or Moodle participant id. Only when no roster student has that id is the
  name in the file name tried, and only against students whose id for that LMS is unknown (a
  student with another Canvas id is someone else). Without a roster the student is
  ``canvas-<user id>`` or ``moodle-<participant id>``: two LMS users are never one folder.
  Canvas's anonymous submissions stay anonymous: ``anon_<anonymous id>``.
- **Otherwise a name** (files of no LMS): a key matches a roster student when it equals
  (ignoring case, spaces and punctuation) the id, the e-mail or its user part, "first last",
  "last first" or an alias; a key that fits two students is reported, never guessed. Without
  a roster, the first key itself, made safe for a folder name.

Everything that could not be mapped is reported, never guessed: unmapped and ambiguous
files, non-notebook files, roster students with no submission. A submission is never replaced
by a file of another LMS user (unless the map says so). Two files for one student's notebook:
the later one is taken, with a note (by hand-in time; Canvas files without one by Canvas's
attachment id, which grows with every upload); otherwise it is a conflict, resolved with ``--map``.

**Hand-in times come only from what the LMS recorded** (never from when a download was made):

- Canvas: ``--canvas-submissions`` (the assignment's submissions as Canvas's API gives them,
  JSON with ``user_id``, ``submitted_at`` and ``attachments``, or a CSV with ``user_id`` and
  ``submitted_at``). Canvas builds its "Download Submissions" zip with every entry carrying
  the moment the zip was made, so a Canvas file's zip time is never used; its ``LATE`` marker is
  kept and reported.
- Moodle: the grading worksheet given as ``--roster`` ("Last modified (submission)").
- Any download: ``--times times.csv`` (``key,submitted_at``: a file name, path or student id
  and an ISO 8601 time) wins over the above.
- A download of no LMS (your own folder or zip): the file's time in it, read in
  ``--timezone``; unless every file carries the same time (a zip built at once), when none is.

A submission without a recorded time gets no ``timestamp.txt``: nbgrader then applies no late
penalty. collect says so once, with how many submissions it concerns.

What each copied submission keeps, next to the notebook in ``submitted/<student>/<assignment>/``:

- ``timestamp.txt``: when it was handed in, in UTC, as nbgrader reads it to compute lateness
  against the due date and extensions in the gradebook (``instructor/lms/deadlines.py``).
- ``lms.json``: where it came from: the file's path in the download, the LMS's ids in its name
  (Canvas user id, attachment id or anonymous id, Moodle participant id), which the LMS
  grade-import and feedback-upload formats need (``instructor/lms/formats.py``), Canvas's ``LATE``
  marker and where the hand-in time came from.
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

from .roster import (
    CANVAS,
    LMS_NAMES,
    MOODLE,
    SAFE_ID,
    CollectError,
    Roster,
    Student,
    compact,
    normalise,
    read_roster,
    read_rosters,
    safe_id,
)

__all__ = ["CollectError", "Roster", "Student", "collect", "normalise", "read_roster", "read_rosters"]

IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}

MOODLE_NAME = re.compile(r"^(?P<name>.+?)_(?P<lms_id>\d+)_assignsubmission_(?:file|onlinetext)_?(?P<rest>.*)$")
# Canvas (lib/content_zipper.rb) names a file [<sortable name>][_LATE]_<user id>_<attachment id>_<file
# name>, the name lower case with everything but word characters (of any script) removed; with
# anonymous grading [LATE_]anon_<anonymous id>_<attachment id>_<file name>. Its re-upload of
# feedback reads the user and attachment ids back from the same positions.
CANVAS_NAME = re.compile(r"^(?P<name>.+?)(?P<late>_LATE)?_(?P<user_id>\d+)_(?P<sub_id>\d+)_(?P<rest>.+)$")
CANVAS_ANONYMOUS = re.compile(r"^(?P<late>LATE_)?anon_(?P<anon>[A-Za-z0-9]+)_(?P<sub_id>\d+)_(?P<rest>.+)$")
# Files of one student closer together than this are not ordered: neither is "the newer one".
NEWER_BY = dt.timedelta(seconds=1)
# A download whose files all carry times this close was built at once: they are not hand-in times.
BUILT_AT_ONCE = dt.timedelta(seconds=2)
TIMESTAMP_FILE, LMS_FILE = "timestamp.txt", "lms.json"
COPY_SUFFIX = r"(?:\s*\(\d+\)|[-_ ]\d{1,2})?"


@dataclass
class LmsInfo:
    """Where a submission came from, as its name in the LMS download says."""

    lms: str = ""  # "canvas", "moodle" or "" (any other layout)
    source: str = ""  # the path in the download
    name: str = ""  # the student's name as the LMS wrote it
    canvas_user_id: str = ""
    canvas_attachment_id: str = ""
    canvas_anonymous_id: str = ""
    canvas_late: bool = False
    moodle_participant_id: str = ""
    prefix: str = ""  # the LMS's own prefix of this student's files (reused for feedback files)
    time_source: str = ""  # where the hand-in time came from ("" : there is none)

    @property
    def identity(self) -> tuple[str, str] | None:
        """(LMS, id) of the LMS user this file belongs to, if its name says."""
        if self.canvas_user_id:
            return CANVAS, self.canvas_user_id
        if self.moodle_participant_id:
            return MOODLE, self.moodle_participant_id
        return None


def lms_info(name: str) -> LmsInfo:
    """The LMS ids in a downloaded file or folder name (no LMS: an empty LmsInfo)."""
    match = MOODLE_NAME.match(name)
    if match:
        return LmsInfo(MOODLE, name=match["name"], moodle_participant_id=match["lms_id"],
                       prefix=f"{match['name']}_{match['lms_id']}_assignsubmission_file")
    match = CANVAS_ANONYMOUS.match(name)
    if match:
        return LmsInfo(CANVAS, canvas_anonymous_id=match["anon"], canvas_attachment_id=match["sub_id"],
                       canvas_late=bool(match["late"]),
                       prefix=f"{match['late'] or ''}anon_{match['anon']}_{match['sub_id']}")
    match = CANVAS_NAME.match(name)
    if match:
        return LmsInfo(CANVAS, name=match["name"], canvas_user_id=match["user_id"],
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

    return parse_utc(text).replace(tzinfo=dt.UTC)


def format_timestamp(moment: dt.datetime) -> str:
    """A UTC time the way nbgrader writes timestamp.txt."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


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
    untimed: list[str] = field(default_factory=list)  # students copied without a hand-in time
    untimed_why: list[str] = field(default_factory=list)  # why, said once each

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
            out.append(f"newest     {student}: took {taken}, the latest of their files; not "
                       f"{', '.join(older)}")
        for student, note in self.notes:
            out.append(f"NOTE       {student}: {note}")
        if self.untimed:
            out.append(f"NO TIME    {len(self.untimed)} submission(s) have no hand-in time the LMS "
                       f"recorded ({'; '.join(self.untimed_why)}), so no late penalty is applied to "
                       f"them: {', '.join(self.untimed)}. Give the times with --canvas-submissions, "
                       "Moodle's grading worksheet (--roster) or --times.")
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
            for student in self.untimed:
                writer.writerow(["no_time", "", student, "; ".join(self.untimed_why)])


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


def parse_time(text: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    """An ISO 8601 time; without an offset it is read in ``zone``."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-11-20T23:59:00+01:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_times(path: str | os.PathLike, zone: dt.tzinfo = dt.UTC) -> dict[str, dt.datetime]:
    """``key,submitted_at`` lines: the submission time of a file (name or path) or a student."""
    times = {}
    for key, text in read_pairs(path, ("key", "submitted_at")):
        try:
            times[key.lower()] = parse_time(text, zone)
        except ValueError as error:
            raise CollectError(f"{path}, key {key!r}: {error}") from None
    return times


def read_canvas_submissions(path: str | os.PathLike) -> dict[str, dt.datetime]:
    """Canvas's record of an assignment's submissions: ``attachment:<id>`` -> submitted_at for the
    files of each submission (an older attempt's file is not among them, so it gets no time), or
    ``user:<id>`` -> submitted_at where the record names no files. JSON as Canvas's API gives it
    (GET .../assignments/:id/submissions), or a CSV with columns ``user_id`` and ``submitted_at``."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CollectError(f"cannot read {path}: {error}") from None
    try:
        data = json.loads(text)
        records = data.get("submissions", []) if isinstance(data, dict) else data
    except ValueError:
        records = list(csv.DictReader(text.splitlines()))
        if records and not {"user_id", "submitted_at"} <= set(records[0]):
            raise CollectError(f"{path}: a CSV of Canvas submissions needs the columns user_id and "
                               "submitted_at") from None
    times = {}
    for record in records:
        if not isinstance(record, dict) or not record.get("submitted_at"):
            continue  # not handed in (Canvas keeps a record for everyone)
        try:
            moment = parse_time(str(record["submitted_at"]))
        except ValueError as error:
            raise CollectError(f"{path}, user {record.get('user_id')}: {error}") from None
        attachments = [a["id"] for a in record.get("attachments") or [] if isinstance(a, dict) and "id" in a]
        for attachment in attachments:
            times[f"attachment:{attachment}"] = moment
        if not attachments:  # a record that names no files: its time is the user's
            times[f"user:{record.get('user_id')}"] = moment
    return times


def timezone(name: str | None) -> dt.tzinfo:
    """The zone of times written without one (default: this computer's)."""
    if not name:
        return dt.datetime.now().astimezone().tzinfo
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CollectError(f"unknown time zone {name!r}: use a name such as Europe/Berlin or UTC") from None


def keys_from_name(stem: str, notebooks: list[str]) -> tuple[list[str], str | None]:
    """Student keys in a file or folder name (LMS id first), and the notebook it names if any."""
    match = MOODLE_NAME.match(stem)
    if match:
        return [match["lms_id"], match["name"]], _notebook_in(match["rest"], notebooks)
    match = CANVAS_ANONYMOUS.match(stem)
    if match:
        return [f"anon_{match['anon']}"], _notebook_in(match["rest"], notebooks)
    match = CANVAS_NAME.match(stem)
    if match:
        return [match["user_id"], match["name"]], _notebook_in(match["rest"], notebooks)
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


MAPPED = "map"


class Mapper:
    def __init__(self, roster: list[Student] | None, mapping: dict[str, str] | None):
        self.roster = roster or []
        self.mapping = mapping or {}

    def student_for(self, whole_name: str, keys: list[str], path: str = "",
                    info: LmsInfo | None = None) -> tuple[str | None, str]:
        """(student id or None, explanation); ``path`` is the file's path in the download."""
        info = info or LmsInfo()
        for key in ([path] if path else []) + [whole_name] + keys:
            for form in (key.lower(), normalise(key)):
                if form in self.mapping:
                    student = self.mapping[form]
                    return (student or None), ("ignored by the map" if not student else MAPPED)
        if info.canvas_anonymous_id:  # anonymous grading: nobody may know whose it is
            return f"anon_{info.canvas_anonymous_id}", "Canvas's anonymous id"
        if info.identity:
            return self._by_lms_id(*info.identity, info.name)
        if not keys:
            return None, ("no student name found in it; name files like <student>_<notebook>.ipynb, "
                          "or add the file name to a map file (--map)")
        if self.roster:
            for key in keys:
                found, why = self._by_name(key, self.roster)
                if found or why:
                    return found, why
            return None, (f"no roster student matches {', '.join(repr(k) for k in keys)}; add an alias "
                          "to the roster or a line to the map file (--map)")
        candidate = safe_id(keys[0])
        if not candidate:
            return None, "the student part of the name is empty"
        return candidate, "file name"

    def _by_lms_id(self, lms: str, lms_id: str, name: str) -> tuple[str | None, str]:
        who = f"{LMS_NAMES[lms]} {lms_id}" + (f" ({name})" if name else "")
        if not self.roster:
            return f"{lms}-{lms_id}", f"{LMS_NAMES[lms]} id"
        owners = [s.id for s in self.roster if s.lms_id(lms) == lms_id]
        if owners:
            return owners[0], f"roster ({LMS_NAMES[lms]} id {lms_id})"
        # Nobody has this id: the name may tell, but only among students whose id is unknown.
        unknown = [s for s in self.roster if not s.lms_id(lms)]
        found, why = self._by_name(name, unknown) if name else (None, "")
        if found:
            return found, f"roster ({why}; {who} has no id on the roster)"
        return None, (why or f"{who} is not on the roster, and no student without a {LMS_NAMES[lms]} "
                      f"id is called {name!r}") + \
            f"; add {lms}_id {lms_id} to the right roster line, or map it with --map"

    @staticmethod
    def _by_name(key: str, students: list[Student]) -> tuple[str | None, str]:
        forms = {normalise(key), compact(key)} - {""}
        matches = sorted({s.id for s in students if forms & s.keys})
        if len(matches) == 1:
            return matches[0], f"name {key!r}"
        if len(matches) > 1:
            return None, (f"'{key}' fits several roster students ({', '.join(matches)}); none was "
                          "guessed: map it with --map")
        return None, ""


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


@dataclass
class Times:
    """Where hand-in times come from (see the module's docstring)."""

    given: dict[str, dt.datetime] = field(default_factory=dict)  # --times: file, path or student
    canvas: dict[str, dt.datetime] = field(default_factory=dict)  # read_canvas_submissions
    moodle: dict[str, dt.datetime] = field(default_factory=dict)  # participant id -> time
    file_times_real: bool = True  # False: the download's files all carry one time

    def of(self, path: Path, relative: str, student: str, info: LmsInfo) -> tuple[dt.datetime | None, str]:
        """(hand-in time, where it came from), or (None, why there is none)."""
        for key in (relative, path.name, student):
            if key.lower() in self.given:
                return self.given[key.lower()], "times file"
        if info.lms == CANVAS:
            for key in (f"attachment:{info.canvas_attachment_id}", f"user:{info.canvas_user_id}"):
                if key in self.canvas:
                    return self.canvas[key], "Canvas submissions"
            return None, "Canvas's download has no hand-in times"
        if info.lms == MOODLE:
            if info.moodle_participant_id in self.moodle:
                return self.moodle[info.moodle_participant_id], "Moodle grading worksheet"
            return None, "Moodle's download has no hand-in times (its grading worksheet has)"
        if not self.file_times_real:
            return None, "every file of the download carries the same time"
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC), "file time"


def collect(source: str | os.PathLike, assignment: str, course: str | os.PathLike = ".",
            roster: list[Student] | None = None, mapping: dict[str, str] | None = None,
            force: bool = False, dry_run: bool = False, zone: str | None = None,
            times: dict[str, dt.datetime] | None = None,
            canvas_submissions: dict[str, dt.datetime] | None = None) -> Result:
    """Copy every submission in ``source`` (a folder or a zip) into ``course``/submitted.

    ``zone``: the time zone of times written without one (a zip's entries, Moodle's worksheet);
    ``times``: submission times by file name, path or student id (``read_times``);
    ``canvas_submissions``: Canvas's own record (``read_canvas_submissions``).
    """
    zone_info = timezone(zone)
    course = Path(course).resolve()
    source = Path(source)
    if not source.exists():
        raise CollectError(f"{source} does not exist: pass the folder or .zip you downloaded")
    notebooks = _notebook_names(course, assignment)
    moodle = roster.moodle_times(zone_info) if isinstance(roster, Roster) else {}
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
                # A zip entry's time, read in ``zone``, becomes the extracted file's time (it is
                # used only for downloads of no LMS, see Times).
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
        stamps = [p.stat().st_mtime for p in _find_files(root) if p.suffix.lower() == ".ipynb"]
        built_at_once = len(stamps) > 1 and max(stamps) - min(stamps) <= BUILT_AT_ONCE.total_seconds()
        when = Times(times or {}, canvas_submissions or {}, moodle, not built_at_once)
        return _collect_from(root, notebooks, assignment, course, Mapper(roster, mapping), roster,
                             force, dry_run, when)


def _is_student_folder(folder: Path, notebooks: list[str]) -> bool:
    """Does this folder hold one student's work, rather than everybody's files or folders?

    One student's folder holds exactly one notebook whose name names no student.
    """
    own = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".ipynb"]
    return len(own) == 1 and not keys_from_name(own[0].stem, notebooks)[0]


def _latest(dated: list[tuple[dt.datetime | None, Path, str, LmsInfo]]) -> tuple[int, str] | None:
    """Which of one student's files is the latest (index, how it was told), or None: a conflict."""
    moments = [d[0] for d in dated]
    if all(moments):
        order = sorted(range(len(dated)), key=lambda i: moments[i], reverse=True)
        if moments[order[0]] - moments[order[1]] >= NEWER_BY:
            return order[0], "hand-in time"
    attachments = [d[3].canvas_attachment_id for d in dated]
    if all(a.isdigit() for a in attachments) and len(set(attachments)) == len(attachments):
        return max(range(len(dated)), key=lambda i: int(attachments[i])), "Canvas's attachment id"
    return None


def _collect_from(root: Path, notebooks: list[str], assignment: str, course: Path, mapper: Mapper,
                  roster: list[Student] | None, force: bool, dry_run: bool, when: Times) -> Result:
    result = Result()
    planned: dict[tuple[str, str], list[tuple[Path, str, LmsInfo, str]]] = {}

    def plan(path: Path, whole: str, keys: list[str], notebook: str | None, info: LmsInfo) -> None:
        relative = path.relative_to(root).as_posix()
        student, how = mapper.student_for(whole, keys, relative, info)
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
        planned.setdefault((student, notebook), []).append((path, relative, info, how))

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
        moodle = MOODLE_NAME.match(folder)
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

    for (student, notebook), files in sorted(planned.items()):
        people = {info.identity for _, _, info, how in files if info.identity and how != MAPPED}
        if len(people) > 1:  # two LMS users matched one student by name: never one submission
            who = ", ".join(f"{LMS_NAMES[lms]} {i}" for lms, i in sorted(people))
            for _, relative, _, _ in files:
                result.unmapped.append((relative, (f"files of different LMS users ({who}) fit {student}; "
                                                  "none was guessed: map them with --map")))
            continue
        dated = [(*when.of(p, r, student, i), p, r, i) for p, r, i, _ in files]
        if len(dated) > 1:
            choice = _latest([(m, p, r, i) for m, _, p, r, i in dated])
            if choice is None:
                result.conflicts.append((student, sorted(relative for _, _, _, relative, _ in dated)))
                continue
            index, how = choice
            dated.insert(0, dated.pop(index))
            result.newest.append((student, f"{dated[0][3]} ({_when(dated[0][0])}, by {how})",
                                  [f"{r} ({_when(m)})" for m, _, _, r, _ in dated[1:]]))
        moment, time_note, path, relative, info = dated[0]
        folder = course / "submitted" / student / assignment
        destination = folder / f"{notebook}.ipynb"
        mapped = any(how == MAPPED for _, r, _, how in files if r == relative)
        held = read_lms_info(folder).identity
        if held and info.identity and held != info.identity and not mapped:
            result.unmapped.append((relative, (f"{student}'s submission in place is {LMS_NAMES[held[0]]} "
                                              f"{held[1]}'s, this file is {LMS_NAMES[info.identity[0]]} "
                                              f"{info.identity[1]}'s: it replaces no other student's work "
                                              "(fix the roster, or map it with --map)")))
            continue
        if destination.exists():
            if destination.read_bytes() == path.read_bytes():
                result.unchanged.append((relative, student))
                if moment and moment != read_timestamp(folder) and not dry_run:
                    # The same file, and now the time the LMS recorded for it (e.g. Canvas's export
                    # given this time): nbgrader must see it.
                    info.time_source = time_note
                    _record(folder, moment, info)
                    result.notes.append((student, f"hand-in time {_when(moment)} ({time_note})"))
                continue
            if not force:
                result.skipped_existing.append((relative, student))
                continue
        info.time_source = time_note if moment else ""
        if moment is None:
            result.untimed.append(student)
            if time_note not in result.untimed_why:
                result.untimed_why.append(time_note)
        if info.canvas_late:
            result.notes.append((student, f"Canvas marks {relative} late ("
                                          + (f"handed in {_when(moment)}" if moment else
                                             "no hand-in time: no penalty applied") + ")"))
        if not dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            _record(folder, moment, info)
        result.copied.append((relative, student, destination.relative_to(course).as_posix()))

    anonymous = [s for s, _ in planned if s.startswith("anon_")]
    if anonymous and len(anonymous) == len(planned):  # nobody on the roster can be told missing
        result.notes.append(("-", ("Canvas's anonymous grading: submissions are kept under their "
                                  "anonymous ids (anon_...), matched with no roster student")))
    elif roster:
        found = {student for student, _ in planned}
        submitted = course / "submitted"
        for entry in roster:
            if entry.id not in found and not (submitted / entry.id / assignment).is_dir():
                result.missing.append(entry.id)
    return result


def _record(folder: Path, moment: dt.datetime | None, info: LmsInfo) -> None:
    """nbgrader's record of the hand-in time (read by autograde for lateness; none where the LMS
    recorded none: an older one would be another file's) and where the submission came from."""
    if moment:
        (folder / TIMESTAMP_FILE).write_text(format_timestamp(moment) + "\n", encoding="utf-8")
    else:
        (folder / TIMESTAMP_FILE).unlink(missing_ok=True)
    (folder / LMS_FILE).write_text(json.dumps(asdict(info), indent=1, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


def _when(moment: dt.datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S %Z}" if moment else "no hand-in time"


def add_roster_to_gradebook(course: str | os.PathLike, roster: list[Student]) -> None:
    """Create every roster student in the gradebook, so export lists the ones who submitted nothing.
    nbgrader's one ``lms_user_id`` holds the Canvas user id only (a Moodle id is not Canvas's)."""
    from ..grading.grade import Course, open_gradebook  # local import: nbgrader is only needed here

    with open_gradebook(Course.load(course)) as gradebook:
        for entry in roster:
            gradebook.update_or_create_student(entry.id, first_name=entry.first_name or None,
                                               last_name=entry.last_name or None,
                                               email=entry.email or None,
                                               lms_user_id=entry.canvas_id or None)
