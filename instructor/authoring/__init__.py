"""Authoring: build the student versions and the Bengali edition, check and hand out."""
