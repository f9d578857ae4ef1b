"""Dumps keep datetimes and times whole: Django's JSON serializers cut them to milliseconds."""

from __future__ import annotations

import datetime
import json

from diskette_tui.core.formats import precise_formats

MOMENT = datetime.datetime(2024, 3, 31, 1, 59, 59, 123456, tzinfo=datetime.UTC)


def serialize(fmt: str, objects) -> str:
    from django.core import serializers

    return serializers.serialize(fmt, objects)


def test_json_and_jsonl_keep_microseconds_and_load_them_back(demo_project):
    from django.core import serializers

    from diskette_tui.demo.catalog.models import Product

    product = Product.objects.order_by("pk").first()
    product.created = MOMENT
    for fmt in ("json", "jsonl"):
        with precise_formats():
            text = serialize(fmt, [product])
        assert '"created": "2024-03-31T01:59:59.123456Z"' in text
        (loaded,) = serializers.deserialize(fmt, text)
        assert loaded.object.created == MOMENT
        # Outside a dump, Django's own serializer is back (and cuts to milliseconds).
        assert '"created": "2024-03-31T01:59:59.123Z"' in serialize(fmt, [product])


def test_times_offsets_and_other_values_are_written_as_django_writes_them(demo_project):
    from django.core.serializers.json import DjangoJSONEncoder

    from diskette_tui.core.formats.encoder import PreciseJSONEncoder

    precise, django = PreciseJSONEncoder(), DjangoJSONEncoder()
    assert precise.default(datetime.time(1, 2, 3, 456789)) == "01:02:03.456789"
    offset = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    assert precise.default(MOMENT.astimezone(offset)) == "2024-03-31T07:29:59.123456+05:30"
    assert precise.default(MOMENT.replace(microsecond=0)) == "2024-03-31T01:59:59Z"
    for value in (datetime.date(2024, 2, 29), datetime.timedelta(days=1, microseconds=7)):
        assert precise.default(value) == django.default(value)
    assert json.loads(json.dumps({"t": MOMENT}, cls=PreciseJSONEncoder))["t"].endswith(".123456Z")
