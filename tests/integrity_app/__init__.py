"""A small app of awkward references for the dump checks (tests/test_dangling.py,
tests/test_natural_keys.py): a foreign key without a database constraint, a natural key
read from other rows, a natural key that is not unique, a field that cannot be written."""
