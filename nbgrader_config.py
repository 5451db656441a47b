"""nbgrader configuration: the repository root is the course directory.

Assignments: ``source/lessons/*.ipynb`` (the five lessons) and ``source/lab/`` (the MNIST lab).
``nbgrader generate_assignment`` writes the student versions to ``lessons/`` and ``lab/``
(release directory "."), which are committed for students to clone.
"""

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "nn-framework"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "."
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Students must not be able to skip a graded test by deleting or editing its cell:
# restore every locked cell (tests included) from the source version when autograding.
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.enforce_metadata = True

# One cell may run for at most this many seconds; an infinite loop costs only that cell.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120
c.ExecutePreprocessor.interrupt_on_timeout = True

# Outputs stay out of the student versions; no execution counts either.
c.ClearOutput.enabled = True
