"""The fast data path writes exactly what ``dumpdata`` writes.

The model zoo (tests/model_zoo: every built-in field type, nulls and blanks,
unicode, time zones, proxy/MTI/abstract inheritance, self references,
many-to-many auto/ordered/self/through, a generic relation, natural keys) is
built in a subprocess (Django is set up once per process, with the demo), then
dumped by ``dumpdata`` and by the fast path in every scenario (natural keys
or not, indent none/2/4, json and jsonl): the files are compared byte for
byte and object for object, and ``loaddata`` reads the fast dump back into a
fresh database to equal rows. The demo's own definitions are compared in
process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from diskette_tui.core import fastdump, serializers

TESTS = Path(__file__).resolve().parent
SOURCE_ROOT = TESTS.parent
ZOO = "model_zoo"
#: Models the fast path must hand to Django's serializer, and why.
DJANGO_WRITTEN = {"model_zoo.Box", "model_zoo.Custom"}


def zoo_python(folder: Path, *argv: str, database: dict | None = None) -> str:
    """Run ``python ARGV`` on the zoo database of ``folder`` (its settings); its stdout."""
    env = dict(os.environ)
    env.pop(fastdump.FAST_PATH_ENV, None)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), str(SOURCE_ROOT)])
    env["DJANGO_SETTINGS_MODULE"] = "model_zoo.settings"
    env["ZOO_SQLITE"] = str(folder / "zoo.sqlite3")
    if database is not None:
        env["ZOO_DATABASE"] = json.dumps(database)
    result = subprocess.run(
        [sys.executable, *argv], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def zoo(folder: Path, *args: str, database: dict | None = None) -> str:
    """Run ``python -m model_zoo.compare ARGS`` on the zoo of ``folder``; its stdout."""
    return zoo_python(folder, "-m", "model_zoo.compare", *args, database=database)


def parsed(path: Path, fmt: str) -> list:
    """The objects of a dump file."""
    text = Path(path).read_text(encoding="utf-8")
    if fmt == "jsonl":
        return [json.loads(line) for line in text.split("\n") if line.strip()]
    return json.loads(text)


def compared(folder: Path, database: dict | None = None) -> list[dict]:
    """Build and seed a zoo in ``folder``, dump every scenario both ways; the results."""
    zoo(folder, "build", "seed", database=database)
    out = folder / "out"
    out.mkdir()
    return json.loads(zoo(folder, "compare", str(out), ZOO, database=database))


@pytest.fixture(scope="module")
def sqlite_zoo(tmp_path_factory) -> tuple[Path, list[dict]]:
    """The SQLite zoo and its comparison results."""
    folder = tmp_path_factory.mktemp("zoo")
    return folder, compared(folder)


def test_every_scenario_is_byte_for_byte_dumpdata(sqlite_zoo):
    _folder, results = sqlite_zoo
    assert len(results) == len(set(tuple(result["scenario"]) for result in results)) == 18
    for result in results:
        expected = Path(result["expected"]).read_bytes()
        assert len(expected) > 1000, f"{result['scenario']}: dumpdata wrote almost nothing"
        assert Path(result["found"]).read_bytes() == expected, result["scenario"]


def test_every_scenario_is_object_for_object_dumpdata_and_counted(sqlite_zoo):
    _folder, results = sqlite_zoo
    for result in results:
        fmt = result["scenario"][3]
        expected = parsed(result["expected"], fmt)
        found = parsed(result["found"], fmt)
        assert found == expected, result["scenario"]
        assert result["objects"] == len(expected)


def test_the_zoo_holds_what_the_comparison_must_cover(sqlite_zoo):
    _folder, results = sqlite_zoo
    plain = next(r for r in results if r["scenario"] == [False, False, 2, "json", False])
    natural = next(r for r in results if r["scenario"] == [True, True, 2, "json", False])
    objects = parsed(plain["expected"], "json")
    models = {item["model"] for item in objects}
    assert "model_zoo.itemproxy" not in models  # proxies are not serialized
    assert {"model_zoo.restaurant", "model_zoo.place", "model_zoo.note"} <= models
    everything = [item["fields"] for item in objects if item["model"] == "model_zoo.everything"]
    assert any(row["ratio"] == 1e-05 for row in everything)  # orjson alone writes 0.00001
    assert any(isinstance(row["payload"], dict) and "big" in row["payload"] for row in everything)
    assert any(row["moment"] is None for row in everything)
    items = [item for item in objects if item["model"] == "model_zoo.item"]
    assert "parts" not in items[0]["fields"]  # a custom through: dumpdata leaves it out
    assert any(len(item["fields"]["tags"]) > 2 for item in items)
    natural_items = [
        i for i in parsed(natural["expected"], "json") if i["model"] == "model_zoo.item"
    ]
    assert any(
        item["fields"]["tags"] and item["fields"]["tags"][0] == ["zeta"] for item in natural_items
    )
    persons = [i for i in parsed(natural["expected"], "json") if i["model"] == "model_zoo.person"]
    assert "pk" not in persons[0] and persons[0]["fields"]["home"] == ["place 0"]


def test_only_models_it_cannot_prove_identical_go_through_django(sqlite_zoo):
    _folder, results = sqlite_zoo
    for result in results:
        assert set(result["django_models"]) == DJANGO_WRITTEN, result["scenario"]
        assert "model_zoo.Everything" in result["fast_models"]
        assert "model_zoo.Item" in result["fast_models"]


@pytest.mark.parametrize(
    "scenario",
    [
        [False, False, 2, "json", False],
        [True, False, None, "jsonl", False],
        [False, False, 2, "json", True],
    ],
)
def test_loaddata_reads_the_fast_dump_back_to_equal_rows(sqlite_zoo, tmp_path, scenario):
    folder, results = sqlite_zoo
    result = next(r for r in results if r["scenario"] == scenario)
    labels = sorted({item["model"] for item in parsed(result["found"], scenario[3])})
    source_rows = json.loads(zoo(folder, "rows", *labels))
    from_fast, from_dumpdata = tmp_path / "fast", tmp_path / "dumpdata"
    from_fast.mkdir(), from_dumpdata.mkdir()
    zoo(from_fast, "build"), zoo(from_dumpdata, "build")

    zoo(from_fast, "load", result["found"])
    zoo(from_dumpdata, "load", result["expected"])

    fast_rows = json.loads(zoo(from_fast, "rows", *labels))
    assert fast_rows == json.loads(zoo(from_dumpdata, "rows", *labels))
    for label in labels:
        assert source_rows[label], f"{label} is empty: the comparison would prove nothing"
        # dumpdata itself drops sub-millisecond times; Shelf's default manager hides a row.
        if label not in ("model_zoo.everything", "model_zoo.shelf"):
            assert fast_rows[label] == source_rows[label], label


def test_with_diskettes_precise_serializers_datetimes_stay_whole(sqlite_zoo, tmp_path):
    folder, _results = sqlite_zoo
    results = json.loads(zoo(folder, "compare-precise", str(tmp_path), ZOO))

    for result in results:
        assert Path(result["found"]).read_bytes() == Path(result["expected"]).read_bytes()
    whole = Path(results[1]["found"]).read_text(encoding="utf-8")
    assert '"created": "2024-03-30T23:59:59.123456Z"' in whole


DANGLING = """
import json, sys
import django
django.setup()
from model_zoo.models import Visit
from diskette_tui.core import fastdump
Visit.objects.filter(pk=Visit.objects.order_by("pk").first().pk).update(dangling_id=999)
dump = fastdump.ModelDump("model_zoo.Visit", use_natural_foreign=True)
fastdump.write_dump(sys.argv[1], [dump], "json")
print(json.dumps([item["fields"]["dangling"] for item in json.load(open(sys.argv[1]))]))
"""


def test_a_missing_foreign_key_target_is_written_as_its_raw_value(tmp_path):
    zoo(tmp_path, "build", "seed")
    out = tmp_path / "visits.json"

    written = json.loads(zoo_python(tmp_path, "-c", DANGLING, str(out)))

    assert written[0] == 999 and written[1:] == [None] * 4


# -- in process, on the demo -----------------------------------------------------------


@pytest.fixture
def demo_dumper(demo_project):
    """The demo's Dumper (its diskette.toml), Django set up in process."""
    from diskette_tui.config import load_config
    from diskette_tui.core.dumper import Dumper

    return Dumper.from_config(load_config(demo_project))


@pytest.mark.parametrize("small_batches", [False, True], ids=["batches", "small-batches"])
@pytest.mark.parametrize("indent", [None, 2])
def test_demo_definitions_are_byte_for_byte_dumpdata(
    demo_dumper, tmp_path, monkeypatch, indent, small_batches
):
    if small_batches:
        # Every boundary crossed many times: row chunks, encoded batches,
        # natural keys dropped and fetched again, IN lists cut in several.
        monkeypatch.setattr(fastdump, "CHUNK_SIZE", 3)
        monkeypatch.setattr(fastdump, "ENCODE_BATCH", 2)
        monkeypatch.setattr(fastdump, "NATURAL_KEYS_KEPT", 2)
        monkeypatch.setattr(fastdump, "IN_LIST_MOST", 2)
    fast_dir, django_dir = tmp_path / "fast", tmp_path / "django"
    fast_dir.mkdir(), django_dir.mkdir()
    for definition in demo_dumper.apps:
        assert fastdump.handles(definition), definition.name
        count = serializers.dump_definition(definition, fast_dir / definition.filename, indent)
        with monkeypatch.context() as patched:
            patched.setenv(fastdump.FAST_PATH_ENV, "0")
            assert not fastdump.handles(definition)
            assert (
                serializers.dump_definition(definition, django_dir / definition.filename, indent)
                is None
            )
        expected = (django_dir / definition.filename).read_bytes()
        assert (fast_dir / definition.filename).read_bytes() == expected, definition.name
        assert count == serializers.count_objects(
            django_dir / definition.filename, definition.format
        )
    assert (
        sum(serializers.count_objects(django_dir / d.filename, d.format) for d in demo_dumper.apps)
        > 50
    )


def test_the_archive_counts_what_the_fast_path_wrote(demo_dumper, tmp_path):
    import tarfile

    from diskette_tui.core.requests import DumpRequest

    plan = demo_dumper.plan(DumpRequest(tmp_path, with_storages=False, scan=False))
    result = demo_dumper.execute(plan)

    counts = result.manifest["objects"]
    assert len(counts) == len(demo_dumper.apps) and sum(counts.values()) > 50
    with tarfile.open(result.path) as tar:
        for member, count in counts.items():
            fmt = member.rsplit(".", 1)[1]
            text = tar.extractfile(member).read().decode()
            objects = (
                [json.loads(line) for line in text.split("\n") if line]
                if fmt == "jsonl"
                else json.loads(text)
            )
            assert count == len(objects), member


def test_a_value_it_cannot_encode_hands_the_whole_file_to_dumpdata(
    demo_dumper, tmp_path, monkeypatch
):
    definition = next(d for d in demo_dumper.apps if d.name == "Shop catalog")
    expected = tmp_path / "expected.json"
    monkeypatch.setenv(fastdump.FAST_PATH_ENV, "0")
    serializers.dump_definition(definition, expected, 2)
    monkeypatch.delenv(fastdump.FAST_PATH_ENV)
    encode = fastdump._Frame.encode

    def encode_then_fail(frame, objects):
        if frame.count:  # some objects are written already
            raise fastdump.FastPathUnsupported("a value orjson cannot write")
        return encode(frame, objects)

    monkeypatch.setattr(fastdump._Frame, "encode", encode_then_fail)
    found = tmp_path / "found.json"

    count = serializers.dump_definition(definition, found, 2)

    assert found.read_bytes() == expected.read_bytes()
    assert count == len(json.loads(expected.read_text())) > 1


def test_without_orjson_every_definition_goes_to_dumpdata(demo_dumper, monkeypatch):
    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson raises ImportError

    assert not fastdump.encoder_available()
    assert not any(fastdump.handles(definition) for definition in demo_dumper.apps)


def test_xml_and_a_custom_command_go_to_dumpdata(demo_dumper):
    definition = demo_dumper.apps[0]
    definition_xml = type(definition)(name="x", models=["sites"], filename="x.xml")
    custom = type(definition)(name="y", models=["sites"], dump_command="my_dump")

    assert not fastdump.handles(definition_xml)
    assert not fastdump.handles(custom)


def test_dumpdata_models_follows_dumpdata_order_and_exclusions(demo_project):
    from django.apps import apps

    plain = fastdump.dumpdata_models(["auth", "sites"], excludes=["auth.Permission"])
    natural = fastdump.dumpdata_models(["auth"], natural_foreign=True)
    everything = fastdump.dumpdata_models([], excludes=["auth", "contenttypes"])

    assert [m._meta.label for m in plain] == ["auth.Group", "auth.User", "sites.Site"]
    assert [m._meta.label for m in natural].index("auth.Permission") < [
        m._meta.label for m in natural
    ].index("auth.Group")
    assert not {m._meta.app_label for m in everything} & {"auth", "contenttypes"}
    assert all(not m._meta.proxy for m in apps.get_models() if m in everything)


# -- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgresql_zoo(pg_server, tmp_path_factory) -> list[dict]:
    """The zoo on a fresh PostgreSQL database, compared in every scenario."""
    from pg import django_database

    database = django_database(pg_server.url, pg_server.database())
    return compared(tmp_path_factory.mktemp("pg-zoo"), database)


def unordered_links(objects: list) -> list:
    """``objects`` with the many-to-many lists whose order the database chooses sorted.

    Without ``Meta.ordering`` on the target, dumpdata's query for a many-to-many
    field has no ORDER BY, and PostgreSQL's order depends on its plan.
    """
    from_plan = {"tags", "related", "friends", "regulars", "shelves"}
    return [
        {
            **item,
            "fields": {
                name: sorted(value, key=json.dumps) if name in from_plan else value
                for name, value in item["fields"].items()
            },
        }
        for item in objects
    ]


def test_postgresql_every_scenario_is_dumpdata_object_for_object(postgresql_zoo):
    for result in postgresql_zoo:
        fmt = result["scenario"][3]
        expected = parsed(result["expected"], fmt)
        assert len(expected) > 50
        found = parsed(result["found"], fmt)
        assert unordered_links(found) == unordered_links(expected), result["scenario"]
        assert [item.get("pk") for item in found] == [item.get("pk") for item in expected]
        assert result["objects"] == len(expected)
        assert set(result["django_models"]) == DJANGO_WRITTEN
