"""nbgrader configuration: the repository root is the course directory.

One nbgrader assignment per lesson and one for the lab: ``source/lesson1/`` ... ``source/lesson5/``
and ``source/lab/``. ``nbgrader generate_assignment lesson2`` writes lesson 2's student version to
``lessons/lesson2/``, and the lab's to ``lab/`` (instructor/authoring/layout.py); the student versions are
committed for self-learners to clone. Every nbgrader command (release, autograde, export...)
works per lesson.
"""

import os
import sys

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

# The instructor tools (instructor/, next to this file) provide preprocessors nbgrader loads by
# name below; nbgrader's own process must be able to import them. Student kernels do not get
# this path (the answer key, solutions/, sits here too).
_COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
if _COURSE_ROOT not in sys.path:
    sys.path.insert(0, _COURSE_ROOT)

c.CourseDirectory.course_id = "nn-framework"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "."
# ... with the lessons' student versions one level down, in lessons/lessonN/ (nbgrader has one
# release folder for all assignments; instructor/authoring/layout.py explains the one hook it needs).
from instructor.authoring.layout import use_course_layout

use_course_layout()
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Students must not be able to skip a graded test by deleting or editing its cell:
# restore every locked cell (tests included) from the source version when autograding.
c.OverwriteCells.add_missing_cells = True

# Grading untrusted notebooks (instructor/grading/preprocessors.py explains each step): RepairCells puts
# back deleted locked cells and resets forged cell metadata, KeepEditionText gives a Bengali
# notebook's restored locked text back in Bengali (from translations/), and SandboxedExecute runs
# student code in a bubblewrap sandbox while the test cells run outside it, in a judge that never
# executes student code. `python -m instructor autograde` drives these same lists in one process
# (instructor/grading/recording.py): the notebooks run on workers, each result is recorded as it arrives.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "instructor.grading.preprocessors.RepairCells",
    "nbgrader.preprocessors.OverwriteCells",
    "instructor.grading.preprocessors.KeepEditionText",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "instructor.grading.preprocessors.SandboxedExecute",
    "nbconvert.preprocessors.sanitize.SanitizeHTML",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# The sandbox's limits (every field of instructor/grading/sandbox.py's Limits; what is not set here keeps
# its default there). One cell (or one request of a test) may use at most 60 s of CPU time (a busy
# grading machine does not use this up for honest code) and 120 s of wall-clock time; an infinite
# loop costs only its cell. A notebook that defeats these timers is killed (the rest of its tests
# score 0). The whole notebook gets 30 minutes, 4 GiB of address space per process and 64
# processes. Override for one run: `python -m instructor autograde lab --cpu-limit 20 --timeout 300`.
c.SandboxLimits.cell_cpu_seconds = 60
c.SandboxLimits.cell_wall_seconds = 120
c.SandboxLimits.wall_seconds = 1800
c.SandboxLimits.memory_mb = 4096
c.SandboxLimits.total_memory_mb = 4096
c.SandboxLimits.processes = 64
# The judge (outside the sandbox, one process per notebook) treats what it receives as hostile:
# at most 2 GiB more address space while it grades; a test cell, as a whole, gets the cell's wall clock.
c.SandboxLimits.judge_memory_mb = 2048

# Student HTML and JavaScript (markdown, outputs) is sanitised before an instructor opens the
# autograded notebook in formgrader or a student opens the feedback.
c.SanitizeHTML.enabled = True

# Feedback shows each failing test's error message, never the hidden tests' source (nbgrader
# #917); a student cell that merely contains the markers must not stop the feedback.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ClearHiddenTests.enforce_metadata = False

# Students get each quiz packed (instructor/authoring/quiz_cells.py): expanding the collapsed quiz cell
# does not show the answers and their feedback. nbgrader's own list, with PackQuizzes before
# the checksums, so the gradebook keeps the cell students have.
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "instructor.authoring.quiz_cells.PackQuizzes",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Outputs stay out of the student versions; no execution counts either.
c.ClearOutput.enabled = True

# Late submissions (instructor/lms/deadlines.py): nbgrader's own late-penalty plug-in mechanism with
# the course's policy. Due dates and extensions live in the gradebook (`python -m instructor
# deadline lab --due ...`), submission times in submitted/<student>/<assignment>/timestamp.txt.
# Policy: 15 minutes of grace, then 10% of the notebook's score per started day, nothing after 7 days.
c.AssignLatePenalties.plugin_class = "instructor.lms.deadlines.CourseLatePolicy"
c.CourseLatePolicy.grace_minutes = 15
c.CourseLatePolicy.percent_per_day = 10
c.CourseLatePolicy.zero_after_days = 7

# Rubrics for graders: "BEGIN MARK SCHEME" regions in the locked question cells are removed from
# the student version and shown in formgrader (scripts/rubrics_to_mark_scheme.py explains why
# they are not in nbgrader's "task" cells, which alone it expects them in).
c.ClearMarkScheme.enforce_metadata = False
