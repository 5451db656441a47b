"""The LMS side: read what Canvas or Moodle hands out, map people, deadlines and extensions."""
