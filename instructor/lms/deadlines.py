"""Due dates, extensions and the late-penalty policy, in nbgrader's own terms.

- The due date of an assignment is nbgrader's ``Assignment.duedate`` in the gradebook (what
  ``nbgrader db assignment add lab --duedate=...`` sets); an extension is nbgrader's
  ``SubmittedAssignment.extension`` for that student (``Gradebook.grant_extension``).
- The submission time is nbgrader's ``timestamp.txt`` in ``submitted/<student>/<assignment>/``,
  written by ``collect``; ``nbgrader autograde`` reads it and stores how late each submission is.
- The penalty is nbgrader's late-submission plug-in mechanism: ``AssignLatePenalties`` (one of
  the autograde preprocessors) asks ``c.AssignLatePenalties.plugin_class`` for each late
  notebook's penalty. ``CourseLatePolicy`` below is this course's policy, configured in
  ``nbgrader_config.py``.

nbgrader computes the penalty while autograding, when written answers are not marked yet, so a
percentage would be taken of the autograded points only. ``refresh_penalties`` applies the same
plug-in again to the final scores; ``export`` and ``feedback`` call it first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from dataclasses import dataclass

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

from ..grading.grade import Course, GradingError, open_gradebook
from . import collect


class CourseLatePolicy(LateSubmissionPlugin):
    """A grace period, then a share of the notebook's score per started day, then nothing."""

    grace_minutes = Float(15, help="Minutes after the due date that still count as on time "
                                   "(uploads take time).").tag(config=True)
    percent_per_day = Float(10, help="Percent of the score taken per started day late.").tag(config=True)
    zero_after_days = Float(7, help="Later than this many days: the whole score is taken.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        return penalty(score, total_seconds_late, self.grace_minutes, self.percent_per_day,
                       self.zero_after_days)


def penalty(score: float, seconds_late: float, grace_minutes: float, percent_per_day: float,
            zero_after_days: float) -> float:
    """The points taken from ``score`` for a submission ``seconds_late`` after its due date."""
    if seconds_late <= grace_minutes * 60:
        return 0.0
    days = math.ceil(seconds_late / 86400)
    if seconds_late > zero_after_days * 86400:
        return float(score)
    return round(min(float(score), float(score) * percent_per_day / 100 * days), 6)


def policy(course: Course) -> LateSubmissionPlugin:
    """The course's configured plug-in (``c.AssignLatePenalties.plugin_class``), configured."""
    from traitlets.utils.importstring import import_item

    config = course.config
    name = config.get("AssignLatePenalties", {}).get("plugin_class", LateSubmissionPlugin)
    plugin_class = import_item(name) if isinstance(name, str) else name
    return plugin_class(config=config)


DURATION = re.compile(r"^\s*(?:(?P<days>\d+(?:\.\d+)?)d)?\s*(?:(?P<hours>\d+(?:\.\d+)?)h)?\s*"
                      r"(?:(?P<minutes>\d+(?:\.\d+)?)m)?\s*$")


def parse_duration(text: str) -> dt.timedelta:
    """'2d', '36h', '1d12h', '90m', '0' (no extension)."""
    match = DURATION.match(text)
    if text.strip() == "0":
        return dt.timedelta(0)
    if not match or not any(match.groupdict().values()):
        raise GradingError(f"{text!r} is not a duration: write e.g. 2d, 36h, 1d12h or 90m (0 removes it)")
    return dt.timedelta(days=float(match["days"] or 0), hours=float(match["hours"] or 0),
                        minutes=float(match["minutes"] or 0))


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    """nbgrader keeps times as naive UTC."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def set_due_date(course: Course, assignment: str, due: dt.datetime) -> None:
    course.notebooks(assignment)  # a clear error for an unknown assignment
    with open_gradebook(course) as gradebook:
        gradebook.update_or_create_assignment(assignment, duedate=_naive_utc(due))


def grant_extension(course: Course, assignment: str, student: str, extension: dt.timedelta) -> None:
    """nbgrader's extension for one student (replaces an earlier one; 0 removes it)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradingError(f"the gradebook has no assignment {assignment!r}: run "
                               f"`nbgrader generate_assignment {assignment}` first") from None
        try:
            gradebook.find_student(student)
        except MissingEntry:
            raise GradingError(f"no student {student!r} in the gradebook: collect with --roster "
                               "first, or check the id") from None
        # The extension lives on the student's submission record: create it if need be.
        gradebook.update_or_create_submission(assignment, student)
        minutes = extension.total_seconds() / 60
        gradebook.grant_extension(assignment, student, minutes=minutes)


@dataclass
class Lateness:
    student: str
    submitted: dt.datetime | None
    due: dt.datetime | None
    extension: dt.timedelta | None
    seconds_late: float
    penalty: float | None  # points taken (None: not graded yet)
    score: float | None
    grace: dt.timedelta = dt.timedelta(0)
    handed_in: bool = True
    canvas_late: bool | None = None  # Canvas's LATE marker in the file's name (None: not from Canvas)

    @property
    def late(self) -> bool:
        """Late beyond the grace period (within it, a hand-in is on time: the policy takes nothing)."""
        return self.seconds_late > self.grace.total_seconds()

    def line(self) -> str:
        when = "-" if self.submitted is None else f"{self.submitted:%Y-%m-%d %H:%M} UTC"
        due = "-" if self.due is None else f"{self.due:%Y-%m-%d %H:%M} UTC"
        extra = f" (extension {_human(self.extension)})" if self.extension else ""
        if not self.handed_in:
            late = "nothing handed in"
        elif self.submitted is None:
            late = "no hand-in time recorded: no late penalty"
        elif self.late:
            late = f"late by {_human(dt.timedelta(seconds=self.seconds_late))}"
        elif self.seconds_late:
            late = (f"on time (within the {_human(self.grace)} grace period, "
                    f"{_human(dt.timedelta(seconds=self.seconds_late))} after the due time)")
        else:
            late = "on time"
        taken = "" if self.penalty is None else f", penalty {self.penalty:g} of {self.score:g} points"
        if self.canvas_late is not None and self.submitted is not None and self.canvas_late != self.late:
            # Canvas knows its own due date and overrides, not this course's grace and extensions.
            taken += "; Canvas marked it late" if self.canvas_late else "; Canvas did not mark it late"
        return f"{self.student:<24} submitted {when:<22} due {due}{extra}: {late}{taken}"


def _human(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    return " ".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n) or "0m"


@contextlib.contextmanager
def assignment_record(course: Course, assignment: str):
    """The open gradebook and the assignment's record in it (None when it has no such
    assignment), for the functions below that read or change one assignment."""
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gradebook:
        try:
            record = gradebook.find_assignment(assignment)
        except MissingEntry:
            record = None
        yield gradebook, record


def grace_period(course: Course) -> dt.timedelta:
    """The configured policy's grace period (none for a policy without one)."""
    return dt.timedelta(minutes=float(getattr(policy(course), "grace_minutes", 0) or 0))


def lateness(course: Course, assignment: str) -> list[Lateness]:
    """Every submission's time against its due date (with extension), from the gradebook and the
    timestamp files collect wrote (the latter count for submissions not autograded yet)."""
    grace = grace_period(course)
    rows = []
    with assignment_record(course, assignment) as (_gradebook, record):
        if record is None:
            raise GradingError(f"the gradebook has no assignment {assignment!r}")
        due = record.duedate.replace(tzinfo=dt.UTC) if record.duedate else None
        submissions = {s.student_id: s for s in record.submissions}
        students = sorted(set(submissions) | {p.parent.name for p in
                                              course.path("submitted").glob(f"*/{assignment}")})
        for student in students:
            submission = submissions.get(student)
            stamp = collect.read_timestamp(course.path("submitted", student, assignment))
            extension = submission.extension if submission is not None else None
            personal_due = due + extension if due and extension else due
            seconds = max(0.0, (stamp - personal_due).total_seconds()) if stamp and personal_due else 0.0
            taken = score = None
            if submission is not None and submission.notebooks and submission.timestamp is not None:
                taken = sum(nb.late_submission_penalty or 0.0 for nb in submission.notebooks)
                score = submission.score
            folder = course.path("submitted", student, assignment)
            info = collect.read_lms_info(folder)
            rows.append(Lateness(student, stamp, personal_due, extension, seconds, taken, score, grace,
                                 folder.is_dir(), info.canvas_late if info.lms == collect.CANVAS else None))
    return rows


def still_working(course: Course, assignment: str, now: dt.datetime | None = None) -> list[tuple[str, dt.datetime]]:
    """(student, their deadline) for every gradebook student whose deadline (the due date plus
    their extension) is still ahead: feedback now would show answers to people still working."""
    now = now or dt.datetime.now(dt.UTC)
    working = []
    with assignment_record(course, assignment) as (gradebook, record):
        if record is None or record.duedate is None:
            return working
        due = record.duedate.replace(tzinfo=dt.UTC)
        extensions = {s.student_id: s.extension for s in record.submissions if s.extension}
        for student in gradebook.students:
            deadline = due + extensions.get(student.id, dt.timedelta(0))
            if deadline > now:
                working.append((student.id, deadline))
    return sorted(working, key=lambda item: (item[1], item[0]))


def refresh_penalties(course: Course, assignment: str) -> list[str]:
    """Apply the course's late policy to each late notebook's current score (manual grades
    included), as nbgrader's AssignLatePenalties does at autograde time. Returns what changed."""
    plugin = policy(course)
    changes = []
    with assignment_record(course, assignment) as (gradebook, record):
        if record is None:
            return changes
        for submission in record.submissions:
            late = submission.total_seconds_late
            for notebook in submission.notebooks:
                new = None
                if late > 0:
                    new = plugin.late_submission_penalty(submission.student_id, notebook.score, late)
                    new = None if new is None else min(max(float(new), 0.0), float(notebook.score))
                if (notebook.late_submission_penalty or 0.0) != (new or 0.0):
                    changes.append(f"{submission.student_id}/{notebook.name}: late penalty "
                                   f"{notebook.late_submission_penalty or 0:g} -> {new or 0:g}")
                notebook.late_submission_penalty = new
        gradebook.db.commit()
    return changes

