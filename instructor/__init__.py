"""Instructor tools for autograding the course with nbgrader, without an exchange server.

``python -m instructor --help`` lists the commands (check, deadline, collect, autograde, report,
feedback, export, student-copy); ``docs/instructor-lab.md`` walks through a whole round. One
autograde run is ``instructor.grading.grade.autograde`` (its picture: ``docs/grading-path.md``); the
nbgrader preprocessors that defend the grading are in ``instructor.grading.preprocessors``; due dates
and the late policy in ``instructor.lms.deadlines``; the LMS formats in ``instructor.lms.formats``;
unmarked answers in ``instructor.reports.marking``; the pre-release check in ``instructor.authoring.check``; the
class overview in ``instructor.reports.class_report``.
"""
