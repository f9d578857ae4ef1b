"""The benchmark project's Django app: related models of a small shop (issue 12)."""
