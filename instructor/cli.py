"""``python -m instructor``: collect, autograde, feedback, export and report, with nbgrader underneath.

Exit codes: 0 all went well; 1 bad input (the message says what to fix); 3 the work was done,
but some students need the instructor's attention (listed in the output and the report).
"""

from __future__ import annotations

import argparse
import sys

from .authoring import build as build_module
from .authoring import student_copy
from .grading import grade
from .lms import formats as lms
from .lms.formats import collect as collect_module
from .lms.formats import deadlines
from .reports import marking

ATTENTION = 3


def _course(args: argparse.Namespace) -> grade.Course:
    return grade.Course.load(args.course)


def cmd_collect(args: argparse.Namespace) -> int:
    course = _course(args)
    roster = collect_module.read_rosters(args.roster) if args.roster else None
    mapping = collect_module.read_map(args.map) if args.map else None
    zone = collect_module.timezone(args.timezone)
    times = collect_module.read_times(args.times, zone) if args.times else None
    canvas = collect_module.read_canvas_submissions(args.canvas_submissions) if args.canvas_submissions else None
    result = collect_module.collect(args.source, args.assignment, course.root, roster=roster,
                                    mapping=mapping, force=args.force, dry_run=args.dry_run,
                                    zone=args.timezone, times=times, canvas_submissions=canvas)
    for line in result.lines():
        print(line)
    if args.report:
        result.write_csv(args.report)
    if roster and not args.dry_run:
        collect_module.add_roster_to_gradebook(course.root, roster)
    copied = len(result.copied)
    print(f"\n{copied} submission(s) copied{' (dry run: nothing written)' if args.dry_run else ''}, "
          f"{len(result.unchanged)} unchanged, {len(result.unmapped)} unmapped, "
          f"{len(result.conflicts)} conflict(s), {len(result.missing)} missing.")
    if not result.ok:
        print("Map the files listed as UNMAPPED or CONFLICT with --map map.csv (lines 'file name,"
              "student_id') and run collect again.")
    attention = result.skipped_existing or result.missing or result.untimed
    return 0 if result.ok and not attention else ATTENTION


def _print_reports(reports: list[grade.StudentReport], course: grade.Course, assignment: str) -> int:
    for report in sorted(reports, key=lambda r: r.student):
        print(report.summary())
    problems = [r for r in reports if r.status != grade.GRADED]
    failed = [r for r in problems if r.status in (grade.FAILED, grade.STOPPED)]
    flagged = [r for r in reports if r.sandbox]
    graded = [r for r in reports if r.status == grade.GRADED and r.seconds is not None]
    print(f"\n{len(reports) - len(problems)} graded, {len(failed)} failed (stopped early or not "
          f"graded), {len(problems) - len(failed)} invalid or missing "
          f"({', '.join(f'{r.student}: {r.status}' for r in problems) or 'none'}); "
          f"{len(flagged)} with sandbox events.")
    if graded:
        print(f"Time per submission: {sum(r.seconds for r in graded) / len(graded):.1f} s on average, "
              f"{max(r.seconds for r in graded):.1f} s at most.")
    print(f"Report: {course.path('autograded', f'report-{assignment}.csv')}")
    return ATTENTION if problems else 0


def cmd_autograde(args: argparse.Namespace) -> int:
    course = _course(args)
    if args.no_sandbox:
        print("WARNING: --no-sandbox: student code will run with YOUR rights. It can read and change "
              "the course folder, the gradebook, other students' work, your files and your "
              "environment variables, and reach the network. Only for notebooks you trust.",
              file=sys.stderr)
    reports = grade.autograde(course, args.assignment, force=args.force, timeout=args.timeout,
                              cpu_limit=args.cpu_limit, students=args.student or None,
                              sandboxed=not args.no_sandbox, memory_mb=args.memory_mb,
                              jobs=args.jobs, scheduler=args.scheduler,
                              echo=lambda line: print(line, flush=True))
    return _print_reports(reports, course, args.assignment)


def cmd_report(args: argparse.Namespace) -> int:
    course = _course(args)
    reports = grade.preflight(course, args.assignment)
    grade.read_scores(course, args.assignment, reports)
    for report in reports.values():
        # "graded" only from the gradebook, never from files lying in autograded/.
        if report.status == grade.NOT_RUN and report.score is not None:
            report.status = grade.GRADED
    grade._read_integrity(course, args.assignment, reports)
    grade.mark_stopped(reports)
    grade.write_report(course, args.assignment, list(reports.values()))
    return _print_reports(list(reports.values()), course, args.assignment)


def _warn_incomplete(missing: list[marking.Unmarked]) -> None:
    if missing:
        print(f"Not graded yet ({len(missing)} written answer(s), --allow-incomplete): "
              + ", ".join(str(u) for u in missing))


def cmd_feedback(args: argparse.Namespace) -> int:
    course = _course(args)
    working = deadlines.still_working(course, args.assignment)
    if working and not args.allow_early:
        shown = [f"{student} (until {until:%Y-%m-%d %H:%M} UTC)" for student, until in working[-10:]]
        listing = ", ".join(shown) + (f" and {len(working) - 10} more" if len(working) > 10 else "")
        raise grade.GradingError(f"{len(working)} student(s) may still hand {args.assignment} in: {listing}. "
                                 "Feedback shows what the tests check: send it after the last deadline, "
                                 "or pass --allow-early to send it now anyway.")
    missing = marking.require_marked(course, [args.assignment], args.allow_incomplete, "feedback")
    for change in deadlines.refresh_penalties(course, args.assignment):
        print(change)
    code, archive = grade.feedback(course, args.assignment, force=True)
    files = sorted(course.path("feedback").glob(f"*/{args.assignment}/*.html"))
    print(f"{len(files)} feedback file(s) in {course.path('feedback')}/<student>/{args.assignment}/")
    if archive:
        print(f"All of them in one zip, named <student>_<notebook>.html: {archive}")
    archives, elsewhere = lms.feedback_zips(course, args.assignment)
    for bundle in archives:
        print(f"For the LMS's bulk upload of feedback files: {bundle}")
    if archives and elsewhere:
        print(f"Not from an LMS download, so in no LMS zip (upload by hand): {', '.join(elsewhere)}")
    _warn_incomplete(missing)
    if code != 0:
        print(f"nbgrader generate_feedback reported problems (exit code {code}); see "
              f"{course.path('autograded', f'feedback-{args.assignment}.log')}")
        return ATTENTION
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    course = _course(args)
    roster = collect_module.read_rosters(args.roster) if args.roster else None
    columns = {}
    for item in args.lms_column or []:
        name, _, column = item.partition("=")
        if not column:
            raise grade.GradingError(f"--lms-column {item!r}: write ASSIGNMENT=COLUMN, e.g. "
                                     "'lab=MNIST lab (123456)'")
        columns[name] = column
    missing = marking.unmarked(course, args.assignment) if args.allow_incomplete else []
    path, warnings = lms.export(course, args.to, args.format, args.assignment, roster, columns,
                                args.allow_incomplete, args.missing_as_zero)
    print(f"Grades exported to {path} ({args.format} format)")
    for warning in warnings:
        print(f"WARNING    {warning}")
    _warn_incomplete(missing)
    return ATTENTION if warnings or missing else 0


def cmd_deadline(args: argparse.Namespace) -> int:
    course = _course(args)
    zone = collect_module.timezone(args.timezone)
    if args.due:
        try:
            due = collect_module.parse_time(args.due, zone)
        except ValueError as error:
            raise grade.GradingError(f"--due: {error}") from None
        deadlines.set_due_date(course, args.assignment, due)
        print(f"{args.assignment} is due {due:%Y-%m-%d %H:%M %Z}")
    extensions = list(args.extend or [])
    if args.extensions:
        extensions += [f"{k}={v}" for k, v in collect_module.read_pairs(args.extensions,
                                                                       ("student_id", "extension"))]
    for item in extensions:
        student, _, duration = item.partition("=")
        deadlines.grant_extension(course, args.assignment, student.strip(), deadlines.parse_duration(duration))
        print(f"extension for {student.strip()}: {duration.strip()}")
    rows = deadlines.lateness(course, args.assignment)
    for row in rows:
        print(row.line())
    late = [r for r in rows if r.late]
    print(f"\n{len(late)} late submission(s) of {len([r for r in rows if r.submitted])}. Penalties are "
          "applied when autograding (nbgrader's AssignLatePenalties with the course's plug-in, "
          "nbgrader_config.py) and again on the final scores by export and feedback.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .authoring import check

    course = _course(args)
    result = check.check(course, args.assignment, keep=args.keep)
    for line in result.lines():
        print(line)
    return 0 if result.ok else ATTENTION


def cmd_class_report(args: argparse.Namespace) -> int:
    from .reports import class_report

    course = _course(args)
    path = class_report.write(course, args.assignment, args.to)
    print(f"Class report: {path}")
    return 0


def cmd_student_copy(args: argparse.Namespace) -> int:
    course = _course(args)
    copy = student_copy.make_student_copy(course.root, args.destination, args.lessons or [],
                                          args.lab, force=args.force, source=course.source,
                                          language=args.language)
    for warning in copy.warnings:
        print(f"warning (--force): {warning}", file=sys.stderr)
    print(f"Student repository in {copy.destination}: {len(copy.notebooks)} notebook(s) generated "
          "by nbgrader from source/, coursekit/, a README and one commit; no solutions/, source/, "
          "tests/ or instructor/.\n"
          "Publish it as a template repository (e.g. for GitHub Classroom): create an empty "
          "repository, then `git remote add origin URL && git push -u origin main` in that folder.")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    course = _course(args)
    changed = build_module.build(course.root, check=args.check)
    for notebook, cells in changed.items():
        print(f"{notebook}: {'stale' if args.check else 'rebuilt'}: {', '.join(cells)}")
    if args.check:
        if changed:
            print("The source notebooks differ from solutions/: run `python -m instructor build`.")
            return ATTENTION
        print("Every generated cell of source/ matches solutions/.")
        return 0
    assignments = sorted(p.name for p in course.path("source").iterdir()
                         if p.is_dir() and any(p.glob("*.ipynb")))
    for assignment in assignments if not args.no_release else []:
        code, output = grade.run_nbgrader(course, ["generate_assignment", assignment, "--force"])
        if code != 0:
            raise grade.GradingError(f"nbgrader generate_assignment {assignment} failed:\n{output[-2000:]}")
    print(f"{len(changed)} source notebook(s) rebuilt from solutions/"
          + ("" if args.no_release else f"; student versions of {', '.join(assignments)} regenerated."))
    return 0


STUDENT_COPY_OUTPUT = """\
Write a git repository for students (one commit, ready to publish as a template, e.g. for GitHub
Classroom) to a new folder DESTINATION. It holds:

  lessons/lessonN/   each lesson of --lessons: its notebook, as nbgrader generates it from
                     source/lessonN/ now (answers replaced by YOUR CODE HERE, hidden tests and
                     outputs removed); never the notebooks of your working tree
  lab/               with --lab: the lab notebook, generated the same way, and lab/README.md
  coursekit/         the student toolkit the notebooks import (no answers)
  start.py, requirements.txt, pyproject.toml
                     what sets up and opens the course (the students' packages only: no grader,
                     Dask or test tools)
  README.md, .gitignore
                     the students' README with the one line to type on each system

--language bn hands out the Bengali edition under the same folder and file names (notebooks
generated from the Bengali catalogues in translations/bn/, a Bengali README and
.coursekit-language); the default is English. Never included: solutions/, source/, graders/,
tests/, instructor/, nbgrader_config.py, the gradebook. Lessons whose recaps restate each other's
answers are refused together unless --force.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m instructor",
        description="Autograde the course with nbgrader, without an exchange server. Run from the "
                    "course folder (the one with nbgrader_config.py). See docs/instructor-lab.md.")
    parser.add_argument("--course", default=".", help="the course folder (default: here)")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("build", help="rebuild the answer and recap cells of source/ from "
                                          "solutions/, then the student versions")
    p.add_argument("--check", action="store_true", help="only report cells that differ from solutions/")
    p.add_argument("--no-release", action="store_true",
                   help="do not regenerate the student versions (nbgrader generate_assignment)")
    p.set_defaults(run=cmd_build)

    p = commands.add_parser("collect", help="put downloaded submissions into submitted/<student>/<assignment>/")
    p.add_argument("assignment", help="the assignment, e.g. lab")
    p.add_argument("source", help="the folder or .zip downloaded from the LMS")
    p.add_argument("--roster", action="append",
                   help="who is in the class: Canvas's gradebook export, Moodle's grading worksheet or "
                        "participants export, or a CSV with column id (and optionally canvas_id, "
                        "moodle_id, email, first_name, last_name, aliases); repeatable")
    p.add_argument("--map", help="CSV 'key,student_id' overriding the mapping of single files or folders")
    p.add_argument("--force", action="store_true", help="replace submissions already in place")
    p.add_argument("--dry-run", action="store_true", help="show what would be copied, copy nothing")
    p.add_argument("--report", help="also write what happened to this CSV file")
    p.add_argument("--timezone", help="time zone of times written without one (Moodle's worksheet, a "
                                      "zip of no LMS; e.g. Europe/Berlin; default: this computer's)")
    p.add_argument("--times", help="CSV 'key,submitted_at' giving hand-in times (ISO 8601) by file "
                                   "name, path or student id")
    p.add_argument("--canvas-submissions",
                   help="Canvas's record of the assignment's submissions (its API's JSON, or a CSV "
                        "with user_id and submitted_at): the hand-in times Canvas's download lacks")
    p.set_defaults(run=cmd_collect)

    p = commands.add_parser("autograde", help="check and autograde every submission (recorded with nbgrader's API)")
    p.add_argument("assignment")
    p.add_argument("--force", action="store_true",
                   help="regrade every submission (default: only new and changed ones)")
    p.add_argument("--timeout", type=int,
                   help="wall-clock seconds per cell (default: nbgrader_config.py, 120)")
    p.add_argument("--cpu-limit", type=float,
                   help="CPU seconds per cell (default: nbgrader_config.py, 60)")
    p.add_argument("--jobs", type=int,
                   help="notebooks run at once, each in its own sandbox (default: all cores)")
    p.add_argument("--scheduler",
                   help="run the notebooks on this Dask cluster, e.g. tcp://HOST:8786 (see docs)")
    p.add_argument("--memory-mb", type=int,
                   help="address space of each sandboxed process in MiB (default: nbgrader_config.py, 4096)")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="UNSAFE: run student code without the bubblewrap sandbox (trusted notebooks only)")
    p.set_defaults(run=cmd_autograde)

    p = commands.add_parser("report", help="show the last autograde's results again; --html: the "
                                           "class overview (scores, questions, hardest tests, similarity)")
    p.add_argument("assignment")
    p.add_argument("--html", action="store_true",
                   help="write one self-contained HTML overview of the class instead")
    p.add_argument("--to", help="the HTML file (default: autograded/class-report-ASSIGNMENT.html)")
    p.set_defaults(run=lambda a: cmd_class_report(a) if a.html else cmd_report(a))

    p = commands.add_parser("feedback", help="HTML feedback for every graded student, zipped for the LMS")
    p.add_argument("assignment")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="even while written answers are unmarked (they read 'not graded yet')")
    p.add_argument("--allow-early", action="store_true",
                   help="even before the last extension has run out")
    p.set_defaults(run=cmd_feedback)

    p = commands.add_parser("export", help="export the grades: plain CSV, or the import format of "
                                           "Canvas or Moodle")
    p.add_argument("--to", default="grades.csv", help="CSV file to write (default: grades.csv)")
    p.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    p.add_argument("--format", default="plain", choices=lms.FORMATS,
                   help="plain (nbgrader's columns and more), canvas (gradebook import), moodle "
                        "(assignment grading worksheet) or moodle-gradebook (gradebook CSV import)")
    p.add_argument("--roster", action="append",
                   help="the roster (repeatable): Canvas's gradebook export gives its ids, sections and "
                        "assignment columns; Moodle's grading worksheet is filled in as Moodle gave it")
    p.add_argument("--lms-column", action="append",
                   help="ASSIGNMENT=COLUMN: the LMS's column for an assignment, e.g. "
                        "'lab=MNIST lab (123456)' as in Canvas's own export (repeatable)")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="even while written answers are unmarked (those students get no grade, never 0)")
    p.add_argument("--missing-as-zero", action="store_true",
                   help="a student who handed nothing in gets 0 (default: no grade)")
    p.set_defaults(run=cmd_export)

    p = commands.add_parser("deadline", help="set a due date and extensions (nbgrader's); list lateness")
    p.add_argument("assignment")
    p.add_argument("--due", help="the due date, ISO 8601: '2026-11-20 23:59' (in --timezone) or with an offset")
    p.add_argument("--timezone", help="zone of --due without an offset (default: this computer's)")
    p.add_argument("--extend", action="append", metavar="STUDENT=DURATION",
                   help="an extension, e.g. jsmith=2d or jsmith=36h (0 removes it; repeatable)")
    p.add_argument("--extensions", help="CSV 'student_id,extension' with many of them")
    p.set_defaults(run=cmd_deadline)

    p = commands.add_parser("check", help="before release: in a scratch copy, the answer key must get "
                                          "full marks and the blank notebook zero")
    p.add_argument("assignment")
    p.add_argument("--keep", action="store_true", help="keep the scratch copy and say where it is")
    p.set_defaults(run=cmd_check)

    p = commands.add_parser("student-copy",
                            help="a git repository for students with only the handed-out notebooks "
                                 "and coursekit/, ready to publish as a template",
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            description=STUDENT_COPY_OUTPUT)
    p.add_argument("destination", help="a new folder to write the copy to")
    p.add_argument("--lessons", type=int, nargs="*", help="lesson numbers handed out now, e.g. 1 2")
    p.add_argument("--lab", action="store_true", help="include the MNIST lab")
    p.add_argument("--language", choices=["en", "bn"], default="en",
                   help="the edition to hand out: en (default) or bn, the Bengali one (bn/)")
    p.add_argument("--force", action="store_true",
                   help="copy even when a lesson's recap gives away answers of another lesson of "
                        "the same handout (a warning instead of a refusal)")
    p.set_defaults(run=cmd_student_copy)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (build_module.BuildError, collect_module.CollectError, grade.GradingError,
            student_copy.StudentCopyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
