"""Build a benchmark instance: a Django project of ~100k objects and ~200 MB of media.

An instance is a folder holding ``bench_settings.py`` (our settings: the
``benchsite`` app of this folder, SQLite, the three ``DISKETTE_APPS``
definitions and the ``media`` storage), ``bench_settings_diskette.py`` (the
same with diskette 0.6.0's app installed), ``db.sqlite3`` and ``media/``.
Rows are written with ``bulk_create`` from one seeded random generator, so an
instance of a given size is the same every time. Media mix incompressible
"photos" (60 % of the bytes) with text "documents" (40 %).

Run: ``python benchmarks/generate.py DEST [--scale 0.01]`` (the runner calls
it when its instance is missing or of another size).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
#: Written last: the instance is complete, with these sizes.
READY_MARKER = ".bench-ready.json"
SETTINGS_MODULE = "bench_settings"
DISKETTE_SETTINGS_MODULE = "bench_settings_diskette"

_SETTINGS = """\
\"\"\"Settings of a benchmark instance (written by benchmarks/generate.py).\"\"\"

import os
from pathlib import Path

os.environ["BENCH_INSTANCE"] = str(Path(__file__).resolve().parent)
from benchsite.settings import *  # noqa: E402,F403
"""

_DISKETTE_SETTINGS = """\
\"\"\"The benchmark instance's settings with diskette 0.6.0's app installed.\"\"\"

from diskette.settings import *  # noqa: F403
from bench_settings import *  # noqa: F403

INSTALLED_APPS = INSTALLED_APPS + ["diskette"]  # noqa: F405
"""

#: Objects at scale 1 (100,700 in all), per model.
BASE_ROWS = {
    "category": 200,
    "tag": 500,
    "product": 20_000,
    "customer": 10_000,
    "order": 20_000,
    "orderline": 40_000,
    "comment": 10_000,
}
#: Media bytes at scale 1.
BASE_MEDIA = 200 * 1024 * 1024

_WORDS = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud "
    "exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure "
    "in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint "
    "occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est "
    "laborum café naïve über garçon smörgåsbord"
).split()


@dataclass(frozen=True)
class Sizes:
    """How big an instance is: objects per model and media bytes."""

    rows: dict
    media_bytes: int

    @classmethod
    def at(cls, scale: float, media_scale: float | None = None) -> Sizes:
        """The sizes at ``scale`` (1: ~100k objects, ~200 MB); media may scale apart."""
        media_scale = scale if media_scale is None else media_scale
        rows = {name: max(2, round(count * scale)) for name, count in BASE_ROWS.items()}
        return cls(rows, int(BASE_MEDIA * media_scale))

    @property
    def objects(self) -> int:
        """Objects ``dumpdata`` writes for the three definitions."""
        return sum(self.rows.values())


def write_settings(instance: Path) -> None:
    """Write the instance's two settings modules."""
    instance.mkdir(parents=True, exist_ok=True)
    (instance / f"{SETTINGS_MODULE}.py").write_text(_SETTINGS)
    (instance / f"{DISKETTE_SETTINGS_MODULE}.py").write_text(_DISKETTE_SETTINGS)


def instance_env(instance: Path, settings: str = SETTINGS_MODULE) -> dict:
    """Environment that runs Django (``django-admin``, ``diskette``) on ``instance``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(instance), str(BENCHMARKS)])
    env["DJANGO_SETTINGS_MODULE"] = settings
    return env


def is_ready(instance: Path, sizes: Sizes) -> bool:
    """Whether ``instance`` is complete and of ``sizes``."""
    marker = Path(instance) / READY_MARKER
    try:
        return json.loads(marker.read_text()) == asdict(sizes)
    except (OSError, ValueError):
        return False


def build(instance: Path, sizes: Sizes) -> None:
    """Create ``instance`` from scratch: settings, rows (subprocess), media, marker."""
    instance = Path(instance)
    if instance.exists():
        shutil.rmtree(instance)
    write_settings(instance)
    subprocess.run(
        [sys.executable, __file__, str(instance), "--rows-only", json.dumps(sizes.rows)],
        env=instance_env(instance),
        check=True,
    )
    write_media(instance / "media", sizes.media_bytes)
    (instance / READY_MARKER).write_text(json.dumps(asdict(sizes)))


# Rows -------------------------------------------------------------------------------


def fill_database(rows: dict, seed: int = 12) -> None:
    """Create the tables and write ``rows`` objects per model (Django is set up)."""
    from django.core.management import call_command

    from benchsite import models

    call_command("migrate", run_syncdb=True, verbosity=0)
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)

    def moment():
        return start + timedelta(seconds=rng.randrange(5 * 365 * 86400))

    categories = [models.Category(id=i + 1, name=f"Category {i}") for i in range(rows["category"])]
    for index, category in enumerate(categories[10:], 10):
        category.parent_id = categories[index % 10].id
    models.Category.objects.bulk_create(categories, batch_size=2000)
    tags = models.Tag.objects.bulk_create(
        [models.Tag(id=i + 1, name=f"tag-{i}") for i in range(rows["tag"])], batch_size=2000
    )
    products = [
        models.Product(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            sku=f"SKU{i:08d}",
            name=f"Product {i} {' '.join(rng.choices(_WORDS, k=3))}",
            description=" ".join(rng.choices(_WORDS, k=rng.randrange(10, 60))),
            price=Decimal(rng.randrange(100, 100_000)) / 100,
            attributes={
                "color": rng.choice(["red", "green", "blue", "black"]),
                "weight": round(rng.uniform(0.1, 20), 3),
                "sizes": rng.sample(["XS", "S", "M", "L", "XL"], k=rng.randrange(1, 5)),
            },
            created=moment(),
            available=rng.random() > 0.1,
            category_id=rng.randrange(len(categories)) + 1,
        )
        for i in range(rows["product"])
    ]
    models.Product.objects.bulk_create(products, batch_size=2000)
    through = models.Product.tags.through
    links = [
        through(product_id=product.id, tag_id=tag.id)
        for product in products
        for tag in rng.sample(tags, k=min(len(tags), rng.randrange(1, 6)))
    ]
    through.objects.bulk_create(links, batch_size=5000)
    _fill_sales(models, rows, rng, moment, products)


def _fill_sales(models, rows, rng, moment, products) -> None:
    """Customers, orders, their lines and the comments."""
    from django.contrib.contenttypes.models import ContentType

    customers = [
        models.Customer(
            id=i + 1,
            email=f"customer{i}@example.com",
            name=f"Customer {i}",
            joined=moment(),
            birth_date=date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
            if rng.random() > 0.2
            else None,
        )
        for i in range(rows["customer"])
    ]
    models.Customer.objects.bulk_create(customers, batch_size=2000)
    orders = [
        models.Order(
            id=i + 1,
            customer_id=rng.randrange(len(customers)) + 1,
            placed=moment(),
            status=rng.choice(["new", "paid", "shipped", "cancelled"]),
            total=Decimal(rng.randrange(100, 1_000_000)) / 100,
        )
        for i in range(rows["order"])
    ]
    models.Order.objects.bulk_create(orders, batch_size=2000)
    lines = [
        models.OrderLine(
            id=i + 1,
            order_id=rng.randrange(len(orders)) + 1,
            product_id=rng.choice(products).id,
            quantity=rng.randrange(1, 10),
            unit_price=Decimal(rng.randrange(100, 100_000)) / 100,
        )
        for i in range(rows["orderline"])
    ]
    models.OrderLine.objects.bulk_create(lines, batch_size=2000)
    product_type = ContentType.objects.get_for_model(models.Product)
    order_type = ContentType.objects.get_for_model(models.Order)
    comments = []
    for i in range(rows["comment"]):
        on_product = rng.random() < 0.7
        comments.append(
            models.Comment(
                id=i + 1,
                content_type=product_type if on_product else order_type,
                object_id=str(rng.choice(products).id if on_product else rng.choice(orders).id),
                text=" ".join(rng.choices(_WORDS, k=rng.randrange(5, 40))),
                rating=rng.randrange(1, 6) if rng.random() > 0.3 else None,
                created=moment(),
            )
        )
    models.Comment.objects.bulk_create(comments, batch_size=2000)


# Media ------------------------------------------------------------------------------


def write_media(folder: Path, total: int, seed: int = 7) -> None:
    """``total`` bytes of files: 60 % random "photos", 40 % text "documents"."""
    rng = random.Random(seed)
    photos, documents = folder / "photos", folder / "documents"
    _write_files(photos, int(total * 0.6), lambda size: rng.randbytes(size), rng, 400_000, ".jpg")
    words = [word.encode() for word in _WORDS]

    def text(size):
        content = b" ".join(rng.choices(words, k=size // 5 + 1))
        return content[:size]

    _write_files(documents, total - int(total * 0.6), text, rng, 60_000, ".txt")


def _write_files(folder: Path, total: int, content, rng, mean: int, suffix: str) -> None:
    """Files of ``content(size)`` bytes, sizes around ``mean``, 200 per subfolder."""
    written = index = 0
    while written < total:
        size = min(total - written, rng.randrange(mean // 4, mean * 7 // 4))
        sub = folder / f"{index // 200:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"file{index:06d}{suffix}").write_bytes(content(size))
        written += size
        index += 1


def write_many_files(folder: Path, count: int) -> None:
    """``count`` tiny files, 1,000 per subfolder (the big storage of the scan benchmark)."""
    for index in range(count):
        sub = folder / f"d{index // 1000:03d}"
        if index % 1000 == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"f{index:06d}.txt").write_bytes(b"x" * (index % 64))


def main() -> None:
    """Build an instance (or, with ``--rows-only``, fill its database: Django runs here)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--scale", type=float, default=1.0, help="1: ~100k objects, ~200 MB")
    parser.add_argument("--media-scale", type=float, default=None, help="default: --scale")
    parser.add_argument("--rows-only", metavar="JSON", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.rows_only:
        import django

        django.setup()
        fill_database(json.loads(options.rows_only))
        return
    sizes = Sizes.at(options.scale, options.media_scale)
    build(options.instance.resolve(), sizes)
    print(f"{options.instance}: {sizes.objects:,} objects, {sizes.media_bytes / 1e6:.0f} MB media")


if __name__ == "__main__":
    main()
