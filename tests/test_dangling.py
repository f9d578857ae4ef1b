"""Dangling references: counted before the dump, written as raw ids, loaded back.

A foreign key without a database constraint can name a row that no longer
exists (Wagtail's ``PageLogEntry.page`` after a page is deleted). With natural
foreign keys, Django's ``dumpdata`` fails on it ("Shelf matching query does
not exist"); the plan counts such rows (one anti-join query per relation) and
the dump writes their value as the raw id. Real projects, in subprocesses: the
integrity test app (tests/integrity_app) and the Wagtail test site.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest
from integrity_site import (
    copy_instance,
    diskette,
    make_instance,
    python,
    run,
    write_config,
)


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """The integrity app, seeded (two books on missing shelves), with its diskette.toml."""
    instance = make_instance(tmp_path_factory.mktemp("library"))
    write_config(instance)
    return instance


def dumped_objects(instance: Path, *args: str) -> tuple[Path, list[dict]]:
    """``dump --yes --json`` of ``instance``: the archive and the objects of its data file."""
    result = diskette(instance, "dump", "--yes", "--json", "-q", *args)
    archive = Path(json.loads(result.stdout)["path"])
    with tarfile.open(archive) as tar:
        member = next(name for name in tar.getnames() if name.startswith("data/"))
        objects = json.load(tar.extractfile(member))
    return archive, objects


def test_check_counts_the_dangling_references_with_an_example(library):
    found = json.loads(diskette(library, "check", "--json").stdout)
    assert found["dangling"] == [
        {
            "model": "integrity_app.Book",
            "field": "shelf",
            "target": "integrity_app.Shelf",
            "count": 2,  # "Lost" (shelf deleted) and "Nowhere" (shelf 999); "Loose" is NULL
            "example_pk": "2",
            "constrained": False,
        }
    ]
    assert found["definitions"][0]["dangling"] == found["dangling"]
    text = diskette(library, "check").stdout
    assert (
        "integrity_app.Book.shelf → integrity_app.Shelf: 2 rows name a missing row "
        "(e.g. pk 2, no database constraint); dumped as raw ids"
    ) in text
    apps = diskette(library, "apps").stdout
    assert "integrity_app.Book.shelf → integrity_app.Shelf: 2 rows" in apps


def test_plain_dumpdata_fails_where_the_dump_writes_raw_ids_that_load_back(library, tmp_path):
    plain = run(
        library,
        "-m",
        "django",
        "dumpdata",
        "integrity_app.Book",
        "--natural-foreign",
        "--settings",
        "int_settings",
        check=False,
    )
    assert plain.returncode != 0 and "Shelf matching query does not exist" in plain.stderr

    archive, objects = dumped_objects(library)
    shelves = {
        obj["fields"]["title"]: obj["fields"]["shelf"]
        for obj in objects
        if "title" in obj["fields"]
    }
    assert shelves == {"Odes": ["poetry"], "Lost": 2, "Nowhere": 999, "Loose": None}

    target = make_instance(tmp_path / "target", seed=False)
    write_config(target)
    diskette(target, "load", str(archive), "--yes", "-q")
    books = "from integrity_app.models import Book\n" + (
        "print(sorted((b.title, b.shelf_id) for b in Book.objects.all()))"
    )
    assert python(target, books) == python(library, books)


def test_one_anti_join_query_per_relation(library):
    script = """
import json
from django.db import connection
from django.test.utils import CaptureQueriesContext
from diskette_tui.core import integrity
from diskette_tui.core.registry import get_registry
from integrity_app.models import Book, Twin

counts = {}
for model in (Book, Twin):
    for relation in get_registry().foreign_relations(model):
        with CaptureQueriesContext(connection) as queries:
            integrity.dangling_reference(model.objects.all(), relation)
        counts[f"{model.__name__}.{relation.name}"] = len(queries)
print(json.dumps(counts))
"""
    assert json.loads(python(library, script)) == {"Book.shelf": 1, "Twin.shelf": 1}


def test_a_dump_that_still_fails_names_the_definition_the_model_and_the_row(library, tmp_path):
    broken = copy_instance(library, tmp_path / "broken")
    shutil.rmtree(broken / "dumps", ignore_errors=True)
    python(broken, "from integrity_app.models import Note\nNote.objects.create(text='boom')")
    result = diskette(broken, "dump", "--yes", "-q", check=False)
    assert result.returncode == 1, result.stderr
    assert (
        "definition 'Library': cannot dump integrity_app.Note row pk=2: cannot write 'boom'"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not list((broken / "dumps").glob("*.tar.gz"))  # no partial archive


# -- the Wagtail test site: a deleted page whose log entries remain ------------------

LOGS_CONFIG = """\
storages = []
destination = "dumps"

[[apps]]
name = "Logs"
models = ["wagtailcore.PageLogEntry"]
natural_foreign = true
"""

ORPHAN_LOGS = (
    "SELECT count(*), min(id) FROM wagtailcore_pagelogentry "
    "WHERE page_id NOT IN (SELECT id FROM wagtailcore_page)"
)


def log_entries(database: str) -> list[tuple]:
    """The log entries (timestamps aside: Django's JSON keeps milliseconds only)."""
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT id, label, action, page_id, revision_id, content_type_id, user_id, data "
            "FROM wagtailcore_pagelogentry ORDER BY id"
        ).fetchall()


def test_wagtail_log_entries_of_a_deleted_page_are_counted_dumped_raw_and_load(
    wagtail_site, tmp_path
):
    site, source = wagtail_site.site, wagtail_site.source
    (tmp_path / "diskette.toml").write_text(LOGS_CONFIG)
    with sqlite3.connect(source.db) as connection:
        orphans, first = connection.execute(ORPHAN_LOGS).fetchone()
    assert orphans  # the site has a deleted page whose log entries remain

    check = json.loads(
        site.diskette("check", "--json", target=source, cwd=tmp_path, check=True).stdout
    )
    page = [item for item in check["dangling"] if item["field"] == "page"]
    assert page == [
        {
            "model": "wagtailcore.PageLogEntry",
            "field": "page",
            "target": "wagtailcore.Page",
            "count": orphans,
            "example_pk": str(first),
            "constrained": False,
        }
    ]

    result = site.diskette("dump", "--yes", "--json", "-q", target=source, cwd=tmp_path, check=True)
    archive = Path(json.loads(result.stdout)["path"])
    extracted = tmp_path / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="tar")
    objects = json.loads((extracted / "data" / "logs.json").read_text())
    raw = [obj for obj in objects if isinstance(obj["fields"]["page"], int)]
    assert len(raw) == orphans  # the others name their page by its url_path
    assert all(isinstance(obj["fields"]["page"], list) for obj in objects if obj not in raw)

    # Loaded back with plain loaddata into a copy of the site without its log entries.
    target = wagtail_site.site.target(tmp_path / "copy.sqlite3", tmp_path / "copy-media")
    shutil.copy(source.db, target.db)
    with sqlite3.connect(target.db) as connection:
        connection.execute("DELETE FROM wagtailcore_pagelogentry")
    site.manage("loaddata", extracted / "data" / "logs.json", target=target)
    assert log_entries(target.db) == log_entries(source.db)
