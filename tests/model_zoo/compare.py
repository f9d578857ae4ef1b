"""Run in a subprocess (Django set up with ``model_zoo.settings``): build, compare, load.

``python -m model_zoo.compare build [seed]``: create the tables (and seed them).
``python -m model_zoo.compare compare OUTDIR [LABEL...]``: dump every scenario with
``dumpdata`` and with the fast path into OUTDIR; print a JSON list of results.
``python -m model_zoo.compare load FILE``: ``loaddata`` FILE.
``python -m model_zoo.compare rows [LABEL...]``: every row, as JSON (pk order).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import django

#: (natural_foreign, natural_primary, indent, format, use_base_manager) of each compared dump.
SCENARIOS = [
    (foreign, primary, indent, fmt, False)
    for foreign, primary in [(False, False), (True, False), (True, True), (False, True)]
    for indent, fmt in [(None, "json"), (2, "json"), (4, "json"), (None, "jsonl")]
] + [(False, False, 2, "json", True), (True, True, None, "jsonl", True)]


def build(seed: bool) -> None:
    """Create the tables; seed the zoo when asked."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if seed:
        from model_zoo.seed import seed_zoo

        seed_zoo()


def compare(outdir: Path, labels: list[str]) -> list[dict]:
    """Dump each scenario both ways; the facts a test asserts on."""
    from django.core.management import call_command

    from diskette_tui.core import fastdump

    results = []
    for index, (foreign, primary, indent, fmt, base) in enumerate(SCENARIOS):
        expected, found = outdir / f"{index}-dumpdata.{fmt}", outdir / f"{index}-fast.{fmt}"
        options = {"indent": indent} if indent else {}
        with open(expected, "w", encoding="utf-8") as stream:
            call_command(
                "dumpdata",
                *labels,
                format=fmt,
                use_natural_foreign_keys=foreign,
                use_natural_primary_keys=primary,
                use_base_manager=base,
                stdout=stream,
                verbosity=0,
                **options,
            )
        models = fastdump.dumpdata_models(labels, natural_foreign=foreign)
        dumps = [fastdump.ModelDump(m._meta.label, foreign, primary, base) for m in models]
        result = fastdump.write_dump(found, dumps, fmt, indent=indent)
        results.append(
            {
                "scenario": [foreign, primary, indent, fmt, base],
                "expected": str(expected),
                "found": str(found),
                "objects": result.objects,
                "fast_models": list(result.fast_models),
                "django_models": [label for label, _ in result.django_models],
            }
        )
    return results


def rows(labels: list[str]) -> dict:
    """Every row of ``labels`` as Django's python serializer gives it, in pk order."""
    from django.apps import apps
    from django.core import serializers

    found = {}
    for label in labels:
        model = apps.get_model(label)
        objects = model._base_manager.order_by("pk")
        found[label] = json.loads(
            serializers.serialize("json", objects, use_natural_foreign_keys=True)
        )
    return found


def main(argv: list[str]) -> None:
    """Dispatch the action named by ``argv[0]``."""
    django.setup()
    action, rest = argv[0], argv[1:]
    if action == "build":
        build(seed=rest[:1] == ["seed"])
    elif action == "compare":
        print(json.dumps(compare(Path(rest[0]), rest[1:])))
    elif action == "compare-precise":
        from diskette_tui.core.formats import precise_formats

        with precise_formats():  # diskette's serializers: whole datetimes and times
            print(json.dumps(compare(Path(rest[0]), rest[1:])))
    elif action == "load":
        from django.core.management import call_command

        call_command("loaddata", rest[0], verbosity=0)
    elif action == "rows":
        print(json.dumps(rows(rest)))
    else:
        raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    main(sys.argv[1:])
