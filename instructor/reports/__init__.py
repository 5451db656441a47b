"""What comes out of grading for people: the class report, marking by hand, feedback."""
