"""JSON and JSON Lines serializers that keep every digit of a datetime or a time.

Django's ``DjangoJSONEncoder`` cuts datetimes and times to the millisecond
(``12:00:00.123456`` is written ``12:00:00.123``): a dump made with Django's
``json`` or ``jsonl`` serializer and loaded again does not give the same rows.
These serializers are Django's, with an encoder that writes the whole
``isoformat()`` (UTC still written ``Z``); Django's own deserializers read them
(``parse_datetime`` takes six digits), so diskette 0.6.0 and ``loaddata`` load
them as they are.

:func:`precise_formats` puts them in place of Django's for the time of a dump,
in this process only, and only where the project has not registered a
serializer of its own for the format (``SERIALIZATION_MODULES``).
"""

from __future__ import annotations

import contextlib

#: Format → module holding the precise ``Serializer`` (and Django's ``Deserializer``).
PRECISE_MODULES = {
    "json": "diskette_tui.core.formats.json",
    "jsonl": "diskette_tui.core.formats.jsonl",
}


@contextlib.contextmanager
def precise_formats():
    """Register the precise ``json`` and ``jsonl`` serializers, then put back what was there."""
    from django.core import serializers

    replaced = {}
    for fmt, module in PRECISE_MODULES.items():
        current = serializers.get_serializer(fmt).__module__
        if current == f"django.core.serializers.{fmt}":
            replaced[fmt] = current
            serializers.register_serializer(fmt, module)
    try:
        yield
    finally:
        for fmt, module in replaced.items():
            serializers.register_serializer(fmt, module)
