"""Natural keys are checked: a model whose key does not round-trip is dumped by primary key.

For each model a definition would write by natural key (its own rows with
``natural_primary``, the targets of its references with ``natural_foreign``),
``check`` and the dump verify in one pass that every row's natural key is
present, unique, found back by ``get_by_natural_key`` and computed from the row
itself. ``natural_foreign``/``natural_primary`` may name the models they apply
to. Real projects, in subprocesses: the integrity test app and the Wagtail site.
"""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from integrity_site import diskette, make_instance, python, write_config
from typer.testing import CliRunner

from diskette_tui import cli

from test_cli import write_config as write_demo_config


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """The integrity app, seeded: a key read from other rows (Folder), twins (Twin)."""
    instance = make_instance(tmp_path_factory.mktemp("library"))
    write_config(instance)
    return instance


def dump_objects(instance: Path) -> dict[str, list[dict]]:
    """``dump --yes`` of ``instance``: its data file's objects, by model label."""
    result = diskette(instance, "dump", "--yes", "--json", "-q")
    archive = Path(json.loads(result.stdout)["path"])
    with tarfile.open(archive) as tar:
        objects = json.load(tar.extractfile("data/library.json"))
    found: dict[str, list[dict]] = {}
    for obj in objects:
        found.setdefault(obj["model"], []).append(obj)
    return found


def test_check_reports_natural_keys_that_do_not_round_trip(library):
    found = json.loads(diskette(library, "check", "--json").stdout)
    checks = {item["model"]: item for item in found["natural_keys"]}
    assert set(checks) == {"integrity_app.Folder", "integrity_app.Twin"}  # not Shelf
    assert checks["integrity_app.Folder"]["reads_table"] is True
    assert checks["integrity_app.Twin"]["duplicates"] == 1
    assert checks["integrity_app.Twin"]["rows"] == 3
    assert found["definitions"][0]["natural_keys"] == found["natural_keys"]
    text = diskette(library, "check").stdout
    assert (
        "integrity_app.Folder: natural key does not round-trip (computed from other rows "
        "of its table; e.g. pk 1): dumped by primary key"
    ) in text
    assert "integrity_app.Twin: natural key does not round-trip (1 row sharing one" in text


def test_the_dump_writes_those_models_by_primary_key_and_the_others_by_natural_key(library):
    objects = dump_objects(library)
    assert all("pk" not in obj for obj in objects["integrity_app.shelf"])
    assert all("pk" in obj for obj in objects["integrity_app.folder"])
    assert all("pk" in obj for obj in objects["integrity_app.twin"])
    twins = {obj["pk"]: obj["fields"]["shelf"] for obj in objects["integrity_app.twin"]}
    assert twins == {1: ["poetry"], 2: None, 3: None}  # Shelf's key round-trips


def test_natural_key_options_may_name_the_models_they_apply_to(library, tmp_path):
    apps = """
[[apps]]
name = "Library"
models = ["integrity_app"]
natural_foreign = ["integrity_app.Shelf"]
natural_primary = ["integrity_app.shelf"]
"""
    write_config(library, apps)
    try:
        found = json.loads(diskette(library, "check", "--json").stdout)
        assert found["natural_keys"] == []  # Folder and Twin are not written by natural key
        objects = dump_objects(library)
    finally:
        write_config(library)
    assert all("pk" not in obj for obj in objects["integrity_app.shelf"])
    assert all("pk" in obj for obj in objects["integrity_app.twin"])
    assert all("pk" in obj for obj in objects["integrity_app.folder"])
    twins = [obj["fields"]["shelf"] for obj in objects["integrity_app.twin"]]
    assert twins == [["poetry"], None, None]


def test_check_natural_key_reads_the_rows_in_one_pass(library):
    script = """
import json
from django.db import connection
from django.test.utils import CaptureQueriesContext
from diskette_tui.core.integrity import check_natural_key
from integrity_app.models import Shelf

with CaptureQueriesContext(connection) as queries:
    check = check_natural_key(Shelf)
reads = [q["sql"] for q in queries.captured_queries]
print(json.dumps({"round_trips": check.round_trips, "rows": check.rows, "queries": len(reads)}))
"""
    found = json.loads(python(library, script))
    # One query reads the rows, then one get_by_natural_key per row (1 shelf left).
    assert found == {"round_trips": True, "rows": 1, "queries": 2}


def test_a_key_made_of_unique_fields_is_checked_without_holding_every_key(library):
    # Shelf.name is unique: the database rules duplicates out, so the check keeps
    # no key per row (flat memory); a key not made that way is kept, as before.
    script = """
import json, tracemalloc
from django.db import transaction
from diskette_tui.core.integrity import check_natural_key
from integrity_app.models import Shelf

def peak():
    tracemalloc.start()
    try:
        check = check_natural_key(Shelf)
        return check, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

with transaction.atomic():
    Shelf.objects.bulk_create(Shelf(name=f"shelf {index:06d} " + "x" * 40) for index in range(30_000))
    guarded, guarded_peak = peak()
    Shelf.natural_key = lambda self: (self.name, "not a field")
    kept, kept_peak = peak()
    transaction.set_rollback(True)
print(json.dumps({"rows": [guarded.rows, kept.rows], "duplicates": [guarded.duplicates,
    kept.duplicates], "peaks": [guarded_peak, kept_peak]}))
"""
    found = json.loads(python(library, script))
    assert found["rows"] == [30_001, 30_001]
    assert found["duplicates"] == [0, 0]
    guarded_peak, kept_peak = found["peaks"]
    assert kept_peak > 4_000_000  # 30,000 keys of ~60 characters held
    assert guarded_peak < kept_peak / 2


def test_a_key_not_made_of_unique_fields_is_still_compared_with_those_that_are(library):
    # One row's key is not its name; it equals another row's name (a duplicate
    # the database cannot see): it is found, whichever row comes first.
    script = """
import json
from django.db import transaction
from diskette_tui.core.integrity import check_natural_key
from integrity_app.models import Shelf

original = Shelf.natural_key
with transaction.atomic():
    first = Shelf.objects.create(name="aaa")
    odd = Shelf.objects.create(name="odd")
    Shelf.natural_key = lambda self: ("aaa",) if self.name == "odd" else original(self)
    check = check_natural_key(Shelf)
    # A nested key, or one the unique field refuses, is no twin (and no failed query).
    Shelf.natural_key = lambda self: ((self.name, 1),) if self.name == "odd" else original(self)
    nested = check_natural_key(Shelf)
    transaction.set_rollback(True)
print(json.dumps({"duplicates": check.duplicates, "example": check.example_pk,
    "error": check.error, "odd": odd.pk, "first": first.pk, "nested": nested.duplicates}))
"""
    found = json.loads(python(library, script))
    assert found["nested"] == 0
    assert found["duplicates"] == 1
    assert found["example"] == str(found["odd"])
    assert found["error"] == f"same natural key as pk {found['first']}"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            'natural_primary = ["nope.Model"]',
            "definition 'Sites': unknown model label(s) in 'natural_primary': nope.Model",
        ),
        (
            'natural_foreign = ["sites"]',
            "definition 'Sites': 'natural_foreign' takes fully qualified labels like "
            "'app.Model', not: sites",
        ),
        (
            'natural_foreign = "yes"',
            "app 'Sites': 'natural_foreign' must be a boolean or a list of model labels, got str",
        ),
    ],
)
def test_bad_natural_key_options_are_refused(demo_project, tmp_path, option, message):
    apps = f'[[apps]]\nname = "Sites"\nmodels = ["sites"]\n{option}\n'
    config = write_demo_config(tmp_path, demo_project, apps=apps)
    result = CliRunner().invoke(cli.app, ["check", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


# -- the Wagtail test site: Collection's natural key is read from its tree ----------

COLLECTIONS_CONFIG = """\
storages = []
destination = "dumps"

[[apps]]
name = "Collections"
models = ["wagtailcore.Collection"]
natural_foreign = true
natural_primary = true
"""


def collections(database: str) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT id, path, depth, numchild, name FROM wagtailcore_collection ORDER BY id"
        ).fetchall()


def test_wagtail_collections_are_dumped_by_primary_key_and_load_right(wagtail_site, tmp_path):
    site, source = wagtail_site.site, wagtail_site.source
    (tmp_path / "diskette.toml").write_text(COLLECTIONS_CONFIG)
    check = json.loads(
        site.diskette("check", "--json", target=source, cwd=tmp_path, check=True).stdout
    )
    assert [(item["model"], item["reads_table"]) for item in check["natural_keys"]] == [
        ("wagtailcore.Collection", True)
    ]
    result = site.diskette("dump", "--yes", "--json", "-q", target=source, cwd=tmp_path, check=True)
    archive = Path(json.loads(result.stdout)["path"])
    extracted = tmp_path / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="tar")
    data = extracted / "data" / "collections.json"
    objects = json.loads(data.read_text())
    assert objects and all("pk" in obj for obj in objects)
    # Into a fresh install (its root collection made by the migrations): by primary
    # key, "Bakeries" no longer overwrites the root.
    target = wagtail_site.new_fresh(tmp_path)
    site.manage("loaddata", data, target=target)
    assert collections(target.db) == collections(source.db)
