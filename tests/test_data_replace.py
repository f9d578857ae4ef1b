"""``load --data-mode replace`` and the target's state, on the demo (SQLite, PostgreSQL).

The demo is dumped with every model by id — content types, permissions and
admin log entries included — then loaded into installs whose content-type and
permission ids differ (migrated then ``flush``ed) and that hold rows of their
own. Every row is compared with the source's, references to content types and
permissions by natural key. Django runs in subprocesses (tests/pg.py): this
process keeps the SQLite demo.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from pg import diskette, django_database, instance_env, make_instance, run

from diskette_tui.core.manifest import dump_manifest, format_checksums

#: Everything by id: the hardest case for content types and permissions.
BY_ID_CONFIG = """\
settings = "site_settings"
pythonpath = "."
storages = ["media", "private"]
destination = "dumps"

[[apps]]
name = "Everything"
is_drain = true
use_base_manager = true
excludes = ["sessions.Session"]
"""

COMPARED = [
    "sites.site",
    "auth.group",
    "auth.user",
    "admin.logentry",
    "catalog.category",
    "catalog.tag",
    "catalog.product",
    "orders.customer",
    "orders.order",
    "orders.orderline",
    "orders.cart",
    "roundtrip_types.label",
    "roundtrip_types.sample",
    "contenttypes.contenttype",
    "auth.permission",
]

#: Every row of the given models; content types and permissions (and every value
#: referring to them) by natural key, so that installs with other ids compare equal.
ROWS_SCRIPT = """
import datetime, decimal, json, sys, uuid
from diskette_tui.project import Project
Project(settings="site_settings", pythonpath=[sys.argv[1]]).setup()
from django.apps import apps
NATURAL = {"contenttypes.contenttype", "auth.permission"}

def plain(raw):
    if isinstance(raw, (datetime.datetime, datetime.date, datetime.time)):
        return raw.isoformat()
    if isinstance(raw, (decimal.Decimal, uuid.UUID)):
        return str(raw)
    return raw

def value(obj, field):
    if field.is_relation and field.related_model._meta.label_lower in NATURAL:
        other = getattr(obj, field.name)
        return list(other.natural_key()) if other is not None else None
    if field.get_internal_type() == "JSONField":
        return json.dumps(getattr(obj, field.attname), sort_keys=True)
    if field.get_internal_type() == "FileField":
        return getattr(obj, field.attname).name
    return plain(getattr(obj, field.attname))

found = {}
for label in sys.argv[2:]:
    model = apps.get_model(label)
    rows = []
    for obj in model._base_manager.all():
        row = {f.attname: value(obj, f) for f in model._meta.concrete_fields}
        if label in NATURAL:
            row.pop("id")
            row["natural_key"] = list(obj.natural_key())
        for f in model._meta.many_to_many:
            row[f.name] = sorted(
                json.dumps(o.natural_key() if f.related_model._meta.label_lower in NATURAL
                           else plain(o.pk)) for o in getattr(obj, f.name).all())
        rows.append(json.dumps(row, sort_keys=True))
    found[label] = sorted(rows)
print(json.dumps(found))
"""

ADD_CATEGORY_SCRIPT = """
import sys
from diskette_tui.project import Project
Project(settings="site_settings", pythonpath=[sys.argv[1]]).setup()
from django.core.management import call_command
if sys.argv[2] == "flush":
    call_command("flush", interactive=False, verbosity=0)
from diskette_tui.demo.catalog.models import Category
Category.objects.create(name="Only in the target", slug="only-in-the-target")
"""


def rows(instance: Path) -> dict:
    """Every row of :data:`COMPARED` in ``instance``'s database."""
    result = run(instance, "-c", ROWS_SCRIPT, str(instance), *COMPARED)
    return json.loads(result.stdout)


def load(instance: Path, archive: Path, *args: str, check: bool = True):
    """``diskette load ARCHIVE`` for ``instance`` (its storages go to a folder of its own)."""
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "diskette_tui",
            "load",
            str(archive),
            "--settings",
            "site_settings",
            "--pythonpath",
            str(instance),
            "--storages-basepath",
            str(instance / "restored"),
            *args,
        ],
        env=instance_env(instance),
        cwd=instance,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def flushed(path: Path, database: dict | None = None) -> Path:
    """A migrated demo install, flushed (content types and permissions renumbered), with a
    category of its own and the default site that flush's post_migrate makes."""
    instance = make_instance(path, database, seed=False)
    run(instance, "-c", ADD_CATEGORY_SCRIPT, str(instance), "flush")
    return instance


def dump_by_id(instance: Path) -> Path:
    """Dump ``instance`` with every model by id; return the archive."""
    (instance / "by-id.toml").write_text(BY_ID_CONFIG)
    result = diskette(instance, "dump", "--yes", "--json", "-q", "-c", "by-id.toml")
    return Path(json.loads(result.stdout)["path"])


@pytest.fixture(scope="module")
def source(demo_project, tmp_path_factory) -> tuple[Path, Path]:
    """A seeded demo install on SQLite and its archive, everything by id."""
    instance = make_instance(tmp_path_factory.mktemp("source"))
    return instance, dump_by_id(instance)


def test_replace_into_a_flushed_install_gives_back_every_row(source, tmp_path):
    instance, archive = source
    target = flushed(tmp_path / "target")
    preview = load(target, archive, "--data-mode", "replace", check=False)
    assert preview.returncode == 2  # not a terminal, no --yes: the preview only
    text = preview.stderr
    assert f"target    sqlite database {target / 'db.sqlite3'}" in text
    assert "replace: the existing rows of the archive's models are deleted first" in text
    assert "catalog.category: deletes 1, loads 15" in text
    assert "sites.site: deletes 1, loads 1" in text
    assert "contenttypes.contenttype: " in text and "matched by natural key" in text
    assert "content types renumbered" in text and ", remapped" in text

    done = load(target, archive, "--data-mode", "replace", "--yes", "-v")
    assert "with differences" not in done.stderr
    assert "deleted 2 existing rows (replace)" in done.stderr
    assert rows(target) == rows(instance)


def test_merge_preview_counts_collisions_and_the_targets_own_rows(source, tmp_path):
    instance, archive = source
    target = make_instance(tmp_path / "target")  # the same seed: every row collides by pk
    run(target, "-c", ADD_CATEGORY_SCRIPT, str(target), "keep")
    text = load(target, archive, check=False).stderr
    assert "merge: the archive's rows load over the target's" in text
    assert "catalog.category: 15 in archive, 15 collide (15 by pk), 1 of the target not in it" in (
        text
    )
    assert "content types: same ids" in text
    # The demo's own configuration dumps the catalog by natural key (natural_primary).
    natural = diskette(instance, "dump", "--yes", "--json", "-q", "--no-storages", "-d", "natural")
    natural_archive = Path(json.loads(natural.stdout)["path"])
    text = load(target, natural_archive, check=False).stderr
    assert (
        "catalog.category: 15 in archive, 15 collide (15 by natural key), 1 of the target" in text
    )
    done = load(target, archive, "--yes", "-v")
    # Merge keeps the target's own category: reported, not a warning.
    assert "catalog.category: the target holds 16 rows, the archive 15 objects" in done.stderr
    assert "(merge: the target's own rows stay)" in done.stderr
    assert "warning: catalog.category" not in done.stderr
    assert "with differences" not in done.stderr


def without_maps(archive: Path, dest: Path) -> Path:
    """A copy of ``archive`` whose manifest has no content-type or permission maps
    (as diskette's and older archives), its SHA256SUMS made to match."""
    import hashlib

    with tarfile.open(archive) as tar:
        members = [(info, tar.extractfile(info).read() if info.isfile() else None) for info in tar]
    manifest = json.loads(next(data for info, data in members if info.name == "manifest.json"))
    manifest.pop("contenttypes")
    manifest.pop("permissions")
    contents = {info.name: data for info, data in members}
    contents["manifest.json"] = dump_manifest(manifest)
    digests = [
        (name, hashlib.sha256(data).hexdigest())
        for name, data in contents.items()
        if data is not None and name not in ("SHA256SUMS", "manifest.json")
    ]
    contents["SHA256SUMS"] = format_checksums(digests)
    with tarfile.open(dest, "w:gz") as tar:
        for info, _data in members:
            data = contents[info.name]
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return dest


def test_an_archive_without_the_maps_loads_by_id_with_a_warning(source, tmp_path):
    instance, archive = source
    old = without_maps(archive, tmp_path / "old.tar.gz")
    target = make_instance(tmp_path / "target", seed=False)  # same migrations: same ids
    done = load(target, old, "--data-mode", "replace", "--yes")
    assert "the archive records no content types or permissions" in done.stderr
    assert rows(target) == rows(instance)


def test_replace_on_postgresql_into_a_flushed_database(demo_project, pg_server, tmp_path):
    source = make_instance(
        tmp_path / "source", django_database(pg_server.url, pg_server.database())
    )
    archive = dump_by_id(source)
    target = flushed(tmp_path / "target", django_database(pg_server.url, pg_server.database()))
    text = load(target, archive, "--data-mode", "replace", check=False).stderr
    assert "target    postgresql database diskette_" in text
    assert "PASSWORD" not in text
    load(target, archive, "--data-mode", "replace", "--yes")
    assert rows(target) == rows(source)
