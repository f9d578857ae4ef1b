"""Benchmark: the fast data path (core/fastdump.py) against ``dumpdata``, side by side.

Builds a SQLite database of the model zoo app (tests/model_zoo) holding
``--rows`` items (UUID keys, a foreign key by natural key, three tags and two
colors each: many-to-many, auto and ordered, one self link), a quarter as many
rows of every field type and as many generic notes. Then, in one run and
alternating, it dumps the same models ``--runs`` times with ``dumpdata``
(``call_command`` to a file, the current path) and with the fast path, checks
that both files are byte-identical, and prints the medians, the ratio and the
queries each ran, with and without natural keys, for indent 2 and none.

It also times the JSON encoders the fast path could use on the same object
stream (orjson, msgspec when installed, the standard library).

Run: ``python benchmarks/fast_path.py`` (``--rows 20000 --runs 3``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = [
    "model_zoo.Tag",
    "model_zoo.Color",
    "model_zoo.Category",
    "model_zoo.Everything",
    "model_zoo.Item",
    "model_zoo.Note",
]


def setup(database: Path) -> None:
    """Django with the zoo settings on ``database``, tables created."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "model_zoo.settings"
    os.environ["ZOO_SQLITE"] = str(database)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def generate(rows: int) -> None:
    """The benchmark's rows, inserted in bulk."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from model_zoo.models import Category, Color, Everything, Item, Note, Tag

    with transaction.atomic():
        tags = Tag.objects.bulk_create(Tag(name=f"tag {index}") for index in range(50))
        colors = Color.objects.bulk_create(Color(name=f"color {index}") for index in range(12))
        categories = Category.objects.bulk_create(
            Category(slug=f"category-{index}") for index in range(30)
        )
        items = Item.objects.bulk_create(
            Item(
                id=uuid.UUID(int=index + 1),
                name=f"Item n°{index} ✓",
                category=categories[index % 30],
            )
            for index in range(rows)
        )
        links = [
            Item.tags.through(item_id=item.pk, tag_id=tags[(index * 7 + k) % 50].pk)
            for index, item in enumerate(items)
            for k in range(3)
        ]
        Item.tags.through.objects.bulk_create(links)
        Item.colors.through.objects.bulk_create(
            Item.colors.through(item_id=item.pk, color_id=colors[(index + k) % 12].pk)
            for index, item in enumerate(items)
            for k in range(2)
        )
        Item.related.through.objects.bulk_create(
            Item.related.through(from_item_id=item.pk, to_item_id=items[index - 1].pk)
            for index, item in enumerate(items)
        )
        start = datetime(2024, 1, 1, tzinfo=UTC)
        Everything.objects.bulk_create(
            Everything(
                created=start + timedelta(seconds=index, microseconds=index),
                big=index * 10**9,
                char=f"row {index} — Chloé",
                text="some text\n" * (index % 5),
                ratio=index / 3,
                amount=Decimal(index) / 100,
                moment=start + timedelta(minutes=index),
                span=timedelta(seconds=index),
                token=uuid.UUID(int=index),
                payload={"index": index, "list": [1, 2, 3], "nested": {"ok": True}},
                document=f"docs/{index}.pdf",
                category=categories[index % 30],
            )
            for index in range(rows // 4)
        )
        item_type = ContentType.objects.get_for_model(Item)
        Note.objects.bulk_create(
            Note(content_type=item_type, object_id=str(item.pk), body=f"note {index}")
            for index, item in enumerate(items[: rows // 4])
        )


class QueryCounter:
    """Counts the queries run on the default connection while installed."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def with_queries(function) -> tuple[float, int]:
    """``(seconds, queries)`` of one call."""
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        function()
        return time.perf_counter() - started, counter.count


def compare(out: Path, natural: bool, indent, runs: int) -> dict:
    """Alternate ``dumpdata`` and the fast path ``runs`` times; medians, ratio, queries."""
    from django.core.management import call_command

    from diskette_tui.core import fastdump

    expected, found = out / "dumpdata.json", out / "fast.json"

    def django_dump():
        with open(expected, "w", encoding="utf-8") as stream:
            options = {"indent": indent} if indent else {}
            call_command(
                "dumpdata",
                *LABELS,
                use_natural_foreign_keys=natural,
                stdout=stream,
                verbosity=0,
                **options,
            )

    def fast_dump():
        models = fastdump.dumpdata_models(LABELS, natural_foreign=natural)
        dumps = [fastdump.ModelDump(model._meta.label, natural) for model in models]
        return fastdump.write_dump(found, dumps, "json", indent=indent)

    django_times, fast_times = [], []
    for _ in range(runs):
        seconds, django_queries = with_queries(django_dump)
        django_times.append(seconds)
        seconds, fast_queries = with_queries(fast_dump)
        fast_times.append(seconds)
    if expected.read_bytes() != found.read_bytes():
        raise SystemExit(f"the fast path's output differs from dumpdata's ({natural=}, {indent=})")
    django_median, fast_median = statistics.median(django_times), statistics.median(fast_times)
    return {
        "case": f"natural keys {'on' if natural else 'off'}, indent {indent or 'none'}",
        "dumpdata": django_median,
        "fast": fast_median,
        "ratio": fast_median / django_median,
        "queries": (django_queries, fast_queries),
        "bytes": found.stat().st_size,
    }


def encoders(runs: int) -> list[tuple[str, float]]:
    """Seconds (best of ``runs``) to encode the items' objects, indent 2, per encoder."""
    import json

    import orjson
    from model_zoo.models import Item

    from diskette_tui.core import fastdump

    resolver = fastdump._NaturalKeys("default")
    dump = fastdump.ModelDump("model_zoo.Item")
    objects = [
        o for chunk in fastdump._fast_objects(Item, dump, resolver, "default") for o in chunk
    ]
    candidates = {
        "orjson (OPT_INDENT_2)": lambda: [
            orjson.dumps(o, option=orjson.OPT_INDENT_2) for o in objects
        ],
        "json (stdlib, indent=2)": lambda: [
            json.dumps(o, indent=2, ensure_ascii=False, separators=(",", ": ")) for o in objects
        ],
    }
    try:
        import msgspec

        encoder = msgspec.json.Encoder()
        candidates["msgspec (encode + format)"] = lambda: [
            msgspec.json.format(encoder.encode(o), indent=2) for o in objects
        ]
    except ImportError:
        pass
    found = []
    for name, encode in candidates.items():
        best = min(with_queries(encode)[0] for _ in range(runs))
        found.append((name, best))
    return found


def main() -> None:
    """Build the dataset, run the comparison, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="items (default 20,000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each path (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="diskette-fast-") as folder:
        out = Path(folder)
        setup(out / "bench.sqlite3")
        generate(args.rows)
        print(f"{args.rows:,} items; {args.runs} alternating runs each; medians")
        print(f"{'case':<34}{'dumpdata':>10}{'fast':>9}{'ratio':>8}  queries (dumpdata / fast)")
        for natural in (False, True):
            for indent in (2, None):
                row = compare(out, natural, indent, args.runs)
                print(
                    f"{row['case']:<34}{row['dumpdata']:>9.2f}s{row['fast']:>8.2f}s"
                    f"{row['ratio']:>8.3f}  {row['queries'][0]:,} / {row['queries'][1]:,}"
                )
        print(f"\nencoders on the {args.rows:,} item objects (indent 2, best of {args.runs})")
        for name, seconds in encoders(args.runs):
            print(f"{name:<34}{seconds:>9.3f}s")


if __name__ == "__main__":
    main()
