"""Deterministic rows for the model zoo (Django set up, tables created)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

PARIS_SUMMER = timezone(timedelta(hours=2))
FLOATS = [0.1, 1e-05, 123456789.125, -2.5e-7, 1e16, 3.0, 1e22, -0.0]
PAYLOADS = [
    {"nested": {"list": [1, 2.5, None, True], "empty": {}, "zero": []}, "text": "Chloé ✓ 日本"},
    [1, "two", {"three": [3]}],
    {"big": 2**70, "small": 1e-9, "float": 0.1},
    "just a string",
    None,
    {"quote": 'he said "hi"', "newline": "a\nb", "tab\t": "\u2028\x7f\x00"},
    7,
    [],
]


def seed_zoo() -> None:
    """Insert every kind of row the zoo models hold."""
    from django.contrib.contenttypes.models import ContentType

    from .models import (
        Assembly,
        Box,
        Category,
        Color,
        Custom,
        Everything,
        Item,
        Note,
        Part,
        Person,
        Place,
        Restaurant,
        Shelf,
        Step,
        Tag,
        Visit,
    )

    # Created out of name order, so that id order, name order and link order differ.
    tags = [Tag.objects.create(name=name) for name in ["zeta", "alpha", "mu", "épée", "beta"]]
    colors = [Color.objects.create(name=name) for name in ["red", "blue", "green", "amber"]]
    root = Category.objects.create(slug="root")
    child = Category.objects.create(slug="child", parent=root)
    leaf = Category.objects.create(slug="leaf", parent=child)
    categories = [root, child, leaf]
    for index in range(12):
        _everything(Everything, index, categories)
    parts = [Part.objects.create(code=code) for code in ["P-2", "P-1", "P-10"]]
    items = []
    for index in range(9):
        item = Item.objects.create(
            id=uuid.UUID(int=(9 - index) * 0x1111_2222_3333_4444_5555),
            name=f"item {index} — ünïcode",
            category=categories[index % 3],
        )
        # Linked in an order that is neither id nor name order.
        for tag in reversed(tags[: index % 5]):
            item.tags.add(tag)
        for color in colors[index % 4 :]:
            item.colors.add(color)
        items.append(item)
    for index, item in enumerate(items):
        item.related.add(*items[index + 1 : index + 3])
        if index % 2:
            Assembly.objects.create(item=item, part=parts[index % 3], quantity=index)
    for index, item in enumerate(items[:3]):
        for step in range(3 - index):
            Step.objects.create(item=item, text=f"step {step}")
    item_type = ContentType.objects.get_for_model(Item)
    for index, item in enumerate(items[:4]):
        Note.objects.create(content_type=item_type, object_id=str(item.pk), body=f"note {index}")
    places = [Place.objects.create(name=f"place {index}") for index in range(3)]
    for index in range(3):
        restaurant = Restaurant.objects.create(name=f"restaurant {index}", serves_pizza=index == 1)
        restaurant.regulars.add(*tags[index:])
    people = [
        Person.objects.create(name=f"person {index}", home=places[index % 3]) for index in range(5)
    ]
    for index, person in enumerate(people):
        person.friends.add(*people[:index])
        Visit.objects.create(
            person=person,
            place=None if index == 2 else places[(index + 1) % 3],
            when=datetime(2024, 10, 27, 1, 30, 0, 999999, tzinfo=UTC) + timedelta(minutes=index),
        )
    shelves = [Shelf.objects.create(hidden=index == 1) for index in range(3)]
    Box.objects.create().shelves.add(*shelves)
    Custom.objects.create(word="quiet")
    Custom.objects.create(word="hush")


def _everything(model, index: int, categories) -> None:
    """One row of every field type; every third row is mostly nulls and blanks."""
    if index % 3 == 2:
        row = model.objects.create(created=datetime(2020, 1, 1, tzinfo=UTC), small=-index)
        model.objects.filter(pk=row.pk).update(document=None)  # a file field's NULL
        return
    model.objects.create(
        created=datetime(2024, 3, 31, 1, 59, 59, 123456 + index, tzinfo=PARIS_SUMMER),
        note='Chloé ✓ 日本 "quoted" \\ back\nslash\ttab',
        big=-(2**62) + index,
        small=-32768 + index,
        positive=2**31 - 1,
        positive_big=2**63 - 1,
        positive_small=32767,
        integer=index - 5,
        flag=bool(index % 2),
        maybe=None if index % 4 == 0 else bool(index % 2),
        char="x" * index + "\u2028 sep",
        text="line one\nline two ✓" * index,
        slug=f"slug-{index}",
        email=f"user{index}@example.com",
        url=f"https://example.com/{index}?q=é",
        ip="2001:db8::1" if index % 2 else "192.0.2.1",
        path=f"/tmp/file{index}.txt",
        ratio=FLOATS[index % len(FLOATS)],
        amount=Decimal("-12345678.1234") if index % 2 else Decimal("0.5000"),
        day=date(2024, 2, 29) + timedelta(days=index),
        moment=datetime(2024, 12, 31, 23, 59, 59, 999 * index, tzinfo=UTC),
        clock=time(23, 59, 59, 123456) if index % 2 else time(0, 0),
        span=timedelta(days=index, seconds=3661, microseconds=7) if index else timedelta(0),
        token=uuid.uuid5(uuid.NAMESPACE_DNS, f"{index}.example"),
        blob=bytes(range(index * 20 % 256)) if index else b"",
        payload=PAYLOADS[index % len(PAYLOADS)],
        document=f"docs/report {index}.pdf" if index % 2 else "",
        picture=f"pics/p{index}.png",
        category=categories[index % 3],
    )
