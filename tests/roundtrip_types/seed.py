"""Deterministic rows for the round-trip types app (Django set up, database migrated)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

# Microseconds: the dump keeps every digit (Django's own JSON serializer keeps three).
ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
AMOUNTS = ["0.0001", "-12345678.1234", "99999999.9999", "0", "3.1000", "-0.5000"]
PAYLOADS = [
    {"nested": {"list": [1, 2.5, None, True], "empty": {}}, "text": "Chloé ✓ 日本"},
    [1, "two", {"three": [3]}],
    {"big": 2**53 + 1, "float": 0.1, "null": None},
    "just a string",
    None,
    {"quote": 'he said "hi"', "newline": "a\nb", "backslash": "C:\\path"},
]


def seed_types() -> int:
    """Insert the labels and samples; return the number of samples."""
    from .models import Label, Sample

    labels = [Label.objects.create(name=f"label-{index}") for index in range(5)]
    for index in range(24):
        sample = Sample.objects.create(
            id=uuid.UUID(int=(index + 1) * 0x1234567890ABCDEF1234567),
            token=None if index % 5 == 0 else uuid.uuid5(uuid.NAMESPACE_DNS, f"s{index}.example"),
            amount=Decimal(AMOUNTS[index % len(AMOUNTS)]),
            payload=PAYLOADS[index % len(PAYLOADS)],
            happened=datetime(
                2024, 3, 31, 1, 59, 59, 123456 + 1001 * index, tzinfo=ZONES[index % 3]
            )
            + timedelta(hours=index),
            day=date(2024, 2, 29) + timedelta(days=index),
            ratio=index / 7,
            big=-(2**62) + index,
            text="line one\nline two ✓" * (index % 3),
        )
        sample.labels.set(labels[: index % 4])
    return Sample.objects.count()
