"""Who is in the class, read from the LMS's own files or from a roster the instructor wrote.

``--roster`` (repeatable) takes any of these, recognised by their header:

- **Canvas's gradebook export** (*Grades → Export*): ``Student`` ("Last, First"), ``ID`` (the
  Canvas user id), ``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment
  named ``Name (assignment id)``; the ``Points Possible`` row and rows without a user id (Canvas
  adds some, e.g. posting policies) are skipped. The student id is the SIS login (its user part
  if it is an e-mail address), else the SIS user id, else ``canvas-<ID>``. Its assignment
  columns name the grade export's columns (``instructor/lms/formats.py``).
- **Moodle's grading worksheet** (*Assignment → Download grading worksheet*): ``Identifier``
  ("Participant 7001": the participant id in the download's folder names), ``Full name``,
  ``Email address``, ``Last modified (submission)`` (the hand-in time Moodle recorded, read in
  ``--timezone``)... The student id is the e-mail's user part, else ``moodle-<participant>``.
  Export fills in this very worksheet (``instructor/lms/formats.py``).
- **Moodle's participants export** (*Participants → Download table data*): ``First name``,
  ``Last name`` or ``Surname``, ``Email address``; the student id is the e-mail's user part.
- **A roster of your own**: column ``id``; optionally ``canvas_id`` (Canvas user id),
  ``moodle_id`` (Moodle participant id), ``email``, ``first_name``, ``last_name``, ``aliases``
  (separated by ``;``), ``section``, ``sis_user_id``, ``sis_login_id``.

Each LMS's ids are kept apart: a Canvas user id is only ever compared with Canvas ids, a Moodle
participant id with Moodle's. Several files are merged by student id or e-mail address (e.g. a
Canvas export and your own roster with aliases).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass, field

SAFE_ID = re.compile(r"^[A-Za-z0-9_.@+-]+$")
CANVAS, MOODLE = "canvas", "moodle"
LMS_NAMES = {CANVAS: "Canvas user", MOODLE: "Moodle participant"}
MOODLE_TIME = "Last modified (submission)"
# Moodle writes times with userdate(): "Friday, 20 November 2026, 11:59 PM" (English language pack).
MOODLE_TIME_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%d %B %Y, %I:%M %p")


class CollectError(Exception):
    """Bad input to collect or export (a missing source, an unreadable map or roster)."""


def normalise(text: str) -> str:
    """Case, accents' encoding and punctuation do not count: 'Jane  Smith' -> 'jane_smith',
    'Müller, Jörg' -> 'müller_jörg'. Letters of any script (and their marks) are kept."""
    text = unicodedata.normalize("NFC", text).casefold()
    kept = "".join(c if c == "@" or unicodedata.category(c)[0] in "LMN" else "_" for c in text)
    return re.sub(r"_+", "_", kept).strip("_")


def compact(text: str) -> str:
    """Only the letters and digits, as Canvas writes a name in file names ('müllerjörg')."""
    return normalise(text).replace("_", "")


def safe_id(text: str) -> str:
    """``text`` made into a student id a folder can be named after ('' if nothing is left)."""
    return re.sub(r"[^A-Za-z0-9_.@+-]+", "_", text.strip()).strip("_.")


@dataclass
class Student:
    id: str
    keys: set[str] = field(default_factory=set)  # names, e-mail, aliases: never an LMS id
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    canvas_id: str = ""
    moodle_id: str = ""
    section: str = ""
    sis_login_id: str = ""
    sis_user_id: str = ""

    def lms_id(self, lms: str) -> str:
        return {CANVAS: self.canvas_id, MOODLE: self.moodle_id}.get(lms, "")

    def add_keys(self, *aliases: str) -> None:
        first, last, email = self.first_name, self.last_name, self.email
        texts = {self.id, email, email.split("@")[0] if email else "", *aliases}
        if first or last:
            texts |= {f"{first} {last}", f"{last} {first}"}
        self.keys |= {normalise(t) for t in texts if t and normalise(t)}
        if first or last:  # as Canvas writes names in its file names: "smithjane"
            self.keys |= {compact(f"{last}{first}"), compact(f"{first}{last}")}


@dataclass
class Worksheet:
    """Moodle's grading worksheet as downloaded: export writes it back with grades filled in."""

    path: str
    header: list[str]
    rows: list[dict[str, str]]


class Roster(list):
    """The students (a list of Student), and what the LMS files said beyond them."""

    def __init__(self, students=(), canvas_columns: list[str] | None = None,
                 worksheet: Worksheet | None = None) -> None:
        super().__init__(students)
        self.canvas_columns = canvas_columns or []
        self.worksheet = worksheet

    def moodle_times(self, zone: dt.tzinfo) -> dict[str, dt.datetime]:
        """Participant id -> the hand-in time Moodle recorded in the worksheet."""
        times = {}
        for row in self.worksheet.rows if self.worksheet else []:
            moment = moodle_time(row.get(MOODLE_TIME, ""), zone)
            participant = _participant(row.get("Identifier", ""))
            if moment and participant:
                times[participant] = moment
        return times


def moodle_time(text: str, zone: dt.tzinfo) -> dt.datetime | None:
    """A time as Moodle writes it in a worksheet ('-': none), read in ``zone``."""
    text = text.strip()
    if not text or text == "-":
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        for form in MOODLE_TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(text, form)
                break
            except ValueError:
                continue
        else:
            raise CollectError(f"cannot read the Moodle time {text!r}: download the worksheet with "
                               "Moodle in English, or give the times with --times") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _participant(identifier: str) -> str:
    match = re.fullmatch(r"\s*\D*?(\d+)\s*", identifier)
    return match[1] if match else ""


def _rows(path: str | os.PathLike) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            return [h.strip() for h in reader.fieldnames or []], rows
    except OSError as error:
        raise CollectError(f"cannot read the roster {path}: {error}") from None


def _get(row: dict[str, str], *names: str) -> str:
    for name in names:
        for key, value in row.items():
            if key and key.strip().lower() == name.lower():
                return (value or "").strip()
    return ""


def _checked(path, number: int, student_id: str) -> str:
    if not SAFE_ID.match(student_id):
        raise CollectError(f"{path}, line {number}: student id {student_id!r} is empty or has "
                           "characters a folder name cannot have; use letters, digits, _ . @ + -")
    return student_id


def _from_canvas(path, header: list[str], rows: list[dict[str, str]]) -> Roster:
    students = []
    for number, row in enumerate(rows, start=2):
        canvas_id = _get(row, "ID")
        if not canvas_id.isdigit():  # "Points Possible" and Canvas's other non-student rows
            continue
        login, sis = _get(row, "SIS Login ID"), _get(row, "SIS User ID")
        student_id = (safe_id(login.split("@")[0]) if login else "") or safe_id(sis) or f"canvas-{canvas_id}"
        last, _, first = _get(row, "Student").partition(",")
        student = Student(_checked(path, number, student_id), first_name=first.strip(),
                          last_name=last.strip(), email=login if "@" in login else "",
                          canvas_id=canvas_id, section=_get(row, "Section"), sis_login_id=login,
                          sis_user_id=sis)
        student.add_keys(login)
        students.append(student)
    fixed = {"Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Integration ID", "Root Account"}
    columns = [h for h in header if h not in fixed and re.search(r"\(\d+\)$", h)]
    return Roster(students, canvas_columns=columns)


def _from_moodle(path, header: list[str], rows: list[dict[str, str]]) -> Roster:
    worksheet = "Identifier" in header
    students = []
    for number, row in enumerate(rows, start=2):
        email = _get(row, "Email address")
        participant = _participant(_get(row, "Identifier")) if worksheet else ""
        if worksheet:
            first, _, last = _get(row, "Full name").rpartition(" ")
            if not first:
                first, last = last, ""
        else:
            first, last = _get(row, "First name"), _get(row, "Last name", "Surname")
        student_id = safe_id(email.split("@")[0]) if email else (f"moodle-{participant}" if participant else "")
        if not student_id:
            raise CollectError(f"{path}, line {number}: no e-mail address and no participant id: "
                               "cannot tell who this is")
        student = Student(_checked(path, number, student_id), first_name=first, last_name=last,
                          email=email, moodle_id=participant, sis_user_id=_get(row, "ID number"))
        student.add_keys(_get(row, "Full name"))
        students.append(student)
    return Roster(students, worksheet=Worksheet(str(path), header, rows) if worksheet else None)


def _from_own(path, rows: list[dict[str, str]]) -> Roster:
    students = []
    for number, row in enumerate(rows, start=2):
        student = Student(_checked(path, number, _get(row, "id")), first_name=_get(row, "first_name"),
                          last_name=_get(row, "last_name"), email=_get(row, "email"),
                          canvas_id=_get(row, "canvas_id"), moodle_id=_get(row, "moodle_id"),
                          section=_get(row, "section"), sis_login_id=_get(row, "sis_login_id"),
                          sis_user_id=_get(row, "sis_user_id"))
        student.add_keys(*_get(row, "aliases").split(";"))
        students.append(student)
    return Roster(students)


def read_roster(path: str | os.PathLike) -> Roster:
    """One roster file, in any of the forms above."""
    header, rows = _rows(path)
    lowered = {h.lower() for h in header}
    if "lms_id" in lowered:
        raise CollectError(f"the roster {path} has an 'lms_id' column, which does not say which LMS the "
                           "id is from: rename it 'canvas_id' (a Canvas user id) or 'moodle_id' (a Moodle "
                           "participant id)")
    if {"student", "id", "section"} <= lowered:
        roster = _from_canvas(path, header, rows)
    elif "identifier" in lowered and "full name" in lowered or \
            {"first name", "email address"} <= lowered:
        roster = _from_moodle(path, header, rows)
    elif "id" in lowered:
        roster = _from_own(path, rows)
    else:
        raise CollectError(f"the roster {path} is not a roster: give Canvas's gradebook export, Moodle's "
                           "grading worksheet or participants export, or a CSV with an 'id' column "
                           "(and optionally canvas_id, moodle_id, email, first_name, last_name, aliases)")
    _no_twice(path, [s.id for s in roster], "ids")
    return roster


def _no_twice(path, values: list[str], what: str) -> None:
    twice = sorted({v for v in values if v and values.count(v) > 1})
    if twice:
        raise CollectError(f"the roster {path} lists these {what} twice: {', '.join(twice)}")


def read_rosters(paths: list[str | os.PathLike]) -> Roster:
    """Several roster files as one: a student in two files (same id or e-mail) is one student."""
    merged = Roster()
    for path in paths:
        roster = read_roster(path)
        merged.canvas_columns += [c for c in roster.canvas_columns if c not in merged.canvas_columns]
        merged.worksheet = roster.worksheet or merged.worksheet
        for student in roster:
            same = next((s for s in merged if s.id == student.id or
                         (student.email and s.email.lower() == student.email.lower())), None)
            if same is None:
                merged.append(student)
                continue
            for name in ("first_name", "last_name", "email", "canvas_id", "moodle_id", "section",
                         "sis_login_id", "sis_user_id"):
                mine, theirs = getattr(same, name), getattr(student, name)
                if mine and theirs and mine != theirs and name.endswith("_id"):
                    raise CollectError(f"{path}: {student.id} has {name} {theirs}, another roster "
                                       f"says {mine}")
                setattr(same, name, mine or theirs)
            same.keys |= student.keys
    for lms in (CANVAS, MOODLE):
        _no_twice(", ".join(map(str, paths)), [s.lms_id(lms) for s in merged], f"{LMS_NAMES[lms]} ids")
    return merged
