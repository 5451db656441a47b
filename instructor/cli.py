"""``python -m instructor``: collect, autograde, feedback, export and report, with nbgrader underneath.

Exit codes: 0 all went well; 1 bad input (the message says what to fix); 3 the work was done,
but some students need the instructor's attention (listed in the output and the report).
"""

from __future__ import annotations

import argparse
import sys

from . import collect as collect_module
from . import grade, student_copy

ATTENTION = 3


def _course(args: argparse.Namespace) -> grade.Course:
    return grade.Course.load(args.course)


def cmd_collect(args: argparse.Namespace) -> int:
    course = _course(args)
    roster = collect_module.read_roster(args.roster) if args.roster else None
    mapping = collect_module.read_map(args.map) if args.map else None
    result = collect_module.collect(args.source, args.assignment, course.root, roster=roster,
                                    mapping=mapping, force=args.force, dry_run=args.dry_run)
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
    return 0 if result.ok and not result.skipped_existing and not result.missing else ATTENTION


def _print_reports(reports: list[grade.StudentReport], course: grade.Course, assignment: str) -> int:
    for report in sorted(reports, key=lambda r: r.student):
        print(report.summary())
    problems = [r for r in reports if r.status != grade.GRADED]
    flagged = [r for r in reports if r.tampering or r.sandbox]
    graded = [r for r in reports if r.status == grade.GRADED and r.seconds is not None]
    print(f"\n{len(reports) - len(problems)} graded, {len(problems)} not graded "
          f"({', '.join(f'{r.student}: {r.status}' for r in problems) or 'none'}); "
          f"{len(flagged)} with suspicious code or sandbox events.")
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
    grade._read_scores(course, args.assignment, reports)
    for report in reports.values():
        # "graded" only from the gradebook, never from files lying in autograded/.
        if report.status == grade.NOT_RUN and report.score is not None:
            report.status = grade.GRADED
    grade._read_integrity(course, args.assignment, reports)
    grade.write_report(course, args.assignment, list(reports.values()))
    return _print_reports(list(reports.values()), course, args.assignment)


def cmd_feedback(args: argparse.Namespace) -> int:
    course = _course(args)
    code, archive = grade.feedback(course, args.assignment, force=True)
    files = sorted(course.path("feedback").glob(f"*/{args.assignment}/*.html"))
    print(f"{len(files)} feedback file(s) in {course.path('feedback')}/<student>/{args.assignment}/")
    if archive:
        print(f"All of them in one zip for the LMS: {archive}")
    if code != 0:
        print(f"nbgrader generate_feedback reported problems (exit code {code}); see "
              f"{course.path('autograded', f'feedback-{args.assignment}.log')}")
        return ATTENTION
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    course = _course(args)
    _, path = grade.export(course, args.to, args.assignment)
    print(f"Grades exported to {path}")
    return 0


def cmd_student_copy(args: argparse.Namespace) -> int:
    course = _course(args)
    notebooks = student_copy.make_student_copy(course.root, args.destination, args.lessons or [],
                                               args.lab)
    print(f"Student copy in {args.destination}: {len(notebooks)} notebook(s), coursekit/ and a README; "
          "no solutions/, source/, tests/ or instructor/.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m instructor",
        description="Autograde the course with nbgrader, without an exchange server. Run from the "
                    "course folder (the one with nbgrader_config.py). See docs/instructor-lab.md.")
    parser.add_argument("--course", default=".", help="the course folder (default: here)")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("collect", help="put downloaded submissions into submitted/<student>/<assignment>/")
    p.add_argument("assignment", help="the assignment, e.g. lab")
    p.add_argument("source", help="the folder or .zip downloaded from the LMS")
    p.add_argument("--roster", help="CSV with column id (and optionally lms_id, email, first_name, "
                                    "last_name, aliases) to map LMS names to student ids")
    p.add_argument("--map", help="CSV 'key,student_id' overriding the mapping of single files or folders")
    p.add_argument("--force", action="store_true", help="replace submissions already in place")
    p.add_argument("--dry-run", action="store_true", help="show what would be copied, copy nothing")
    p.add_argument("--report", help="also write what happened to this CSV file")
    p.set_defaults(run=cmd_collect)

    p = commands.add_parser("autograde", help="check and autograde every submission (one nbgrader run)")
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

    p = commands.add_parser("report", help="show the last autograde's results again")
    p.add_argument("assignment")
    p.set_defaults(run=cmd_report)

    p = commands.add_parser("feedback", help="HTML feedback for every graded student, and a zip of it")
    p.add_argument("assignment")
    p.set_defaults(run=cmd_feedback)

    p = commands.add_parser("export", help="export the grades to CSV (nbgrader export)")
    p.add_argument("--to", default="grades.csv", help="CSV file to write (default: grades.csv)")
    p.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    p.set_defaults(run=cmd_export)

    p = commands.add_parser("student-copy",
                            help="a folder for students with only the released notebooks and coursekit/")
    p.add_argument("destination", help="a new folder to write the copy to")
    p.add_argument("--lessons", type=int, nargs="*", help="lesson numbers released so far, e.g. 1 2")
    p.add_argument("--lab", action="store_true", help="include the MNIST lab")
    p.set_defaults(run=cmd_student_copy)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (collect_module.CollectError, grade.GradingError, student_copy.StudentCopyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
