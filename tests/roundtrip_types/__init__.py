"""A test-only Django app whose rows are hard to carry between databases.

UUID primary keys and UUID values, decimals at the edge of their precision,
JSON with nested values, unicode and nulls, datetimes given in several time
zones, and a many-to-many set. The PostgreSQL round-trip tests add it to the
demo's ``INSTALLED_APPS``; the demo's drain definition collects it.
"""
