"""The JSON encoder of the precise serializers: Django's, with whole datetimes and times."""

from __future__ import annotations

import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.timezone import is_aware


class PreciseJSONEncoder(DjangoJSONEncoder):
    """``DjangoJSONEncoder`` without its cut to milliseconds.

    Everything else is Django's: UTC written ``Z``, aware times refused,
    dates, durations, decimals, UUIDs and lazy strings as Django writes them.
    """

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            if is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            return o.isoformat()
        return super().default(o)
