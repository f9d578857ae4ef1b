"""Restoring archives: round trip into a fresh instance, hostile archives, rollback, interop.

In-process tests run against the session's ``demo_project`` and never load
anything successfully into it; loads that succeed go into fresh demo instances
run in subprocesses (Django is set up once per process).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archives import HOSTILE, build, member, sha256
from diskette_tui import demo
from diskette_tui.cli import app
from diskette_tui.core import reader
from test_demo import MIGRATE_SCRIPT, SOURCE_ROOT, instance_env, run_python

runner = CliRunner()
FIXTURE = Path(__file__).parent / "fixtures" / "diskette-0.6.0" / "demo-diskette-0.6.0.tar.gz"


# -- helpers ---------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    """Rows per model in the in-process (demo_project) database."""
    from django.apps import apps

    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def tree(folder: Path) -> dict[str, object]:
    """Every path under ``folder`` with its bytes (files) or link target."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            found[rel] = ("link", os.readlink(path))
        elif path.is_file():
            found[rel] = path.read_bytes()
        else:
            found[rel] = "dir"
    return found


def fresh_instance(path: Path) -> Path:
    """A migrated, unseeded demo instance with empty storages."""
    demo.write_demo_files(path)
    shutil.rmtree(path / "media")
    shutil.rmtree(path / "private")
    run_python(path, "-c", MIGRATE_SCRIPT, str(path))
    return path


def run_load(instance: Path, archive: Path, *args: str) -> subprocess.CompletedProcess:
    """``diskette load`` in a subprocess, from the instance folder (its diskette.toml)."""
    return subprocess.run(
        [sys.executable, "-m", "diskette_tui", "load", "--yes", str(archive), *args],
        env=instance_env(instance),
        cwd=instance,
        capture_output=True,
        text=True,
        timeout=180,
    )


def dumped_tables(manifest: dict) -> list[str]:
    """db_tables of every dumped model, and of the many-to-many tables they own.

    The ids of many-to-many rows are not dumped: those tables are named with a
    ``:links`` suffix, compared without their id.
    """
    from django.apps import apps

    tables = []
    for payload in manifest["applications"]:
        for label in payload["models"]:
            model = apps.get_model(label)
            tables.append(model._meta.db_table)
            for field in model._meta.local_many_to_many:
                if field.remote_field.through._meta.auto_created:
                    tables.append(field.remote_field.through._meta.db_table + ":links")
    return tables


def table_rows(database: Path, table: str) -> list[tuple]:
    """Every row of a table, by primary key (``name:links``: sorted, without the id)."""
    name, _sep, links = table.partition(":")
    with sqlite3.connect(database) as connection:
        rows = connection.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
    return sorted(row[1:] for row in rows) if links else rows


@pytest.fixture(scope="module")
def demo_archive(demo_project, tmp_path_factory) -> Path:
    """An archive of the session demo, written by ``diskette dump``."""
    destination = tmp_path_factory.mktemp("dumps")
    result = runner.invoke(app, ["dump", "--demo", "--yes", "-q", "-d", str(destination)])
    assert result.exit_code == 0, result.output
    (archive,) = destination.glob("*.tar.gz")
    return archive


# -- round trip --------------------------------------------------------------------


def test_round_trip_into_a_fresh_instance(demo_project, demo_archive, tmp_path):
    target = fresh_instance(tmp_path / "target")
    before = sha256(demo_archive)
    result = run_load(target, demo_archive)
    assert result.returncode == 0, result.stderr
    assert sha256(demo_archive) == before

    contents = reader.scan(demo_archive)
    tables = dumped_tables(contents.manifest)
    assert "catalog_product" in tables and "catalog_product_tags:links" in tables
    for table in tables:
        source = table_rows(demo_project / "db.sqlite3", table)
        assert source or ":" in table, table
        assert table_rows(target / "db.sqlite3", table) == source, table

    files = [m for m in contents.members if contents.storage_of(m.name)]
    assert sum(1 for m in files if m.kind == "file") > 50
    for item in files:
        restored = target / item.name
        if item.kind == "file":
            assert restored.read_bytes() == (demo_project / item.name).read_bytes(), item.name
        elif item.kind == "symlink":
            assert os.readlink(restored) == item.linkname
        else:
            assert restored.is_dir(), item.name
    # Only the archive's files: nothing excluded at dump time came back.
    assert not (target / "media" / "cache").exists()
    assert not list(target.glob(".*diskette-*"))  # no staging folder left


def test_load_without_yes_on_a_non_terminal_writes_nothing(demo_project, demo_archive, tmp_path):
    counts = row_counts()
    basepath = tmp_path / "base"
    basepath.mkdir()
    result = runner.invoke(
        app, ["load", "--demo", "--storages-basepath", str(basepath), str(demo_archive)]
    )
    assert result.exit_code == 2, result.output
    assert "load preview" in result.stderr and "data/users.json" in result.stderr
    assert "add --yes" in result.stderr
    assert list(basepath.iterdir()) == []
    assert row_counts() == counts


def test_storages_replace_and_merge(demo_project, demo_archive, tmp_path):
    basepath = tmp_path / "base"
    (basepath / "media" / "pictures").mkdir(parents=True)
    (basepath / "media" / "mine.txt").write_text("mine")
    (basepath / "media" / "pictures" / "product-001.png").write_bytes(b"old")
    common = ["load", "--demo", "--yes", "--no-data", "--storages-basepath", str(basepath)]

    result = runner.invoke(app, [*common, str(demo_archive)])  # merge (default)
    assert result.exit_code == 0, result.output
    assert (basepath / "media" / "mine.txt").read_text() == "mine"
    original = demo_project / "media" / "pictures" / "product-001.png"
    assert (
        basepath / "media" / "pictures" / "product-001.png"
    ).read_bytes() == original.read_bytes()

    result = runner.invoke(app, [*common, "--storages-mode", "replace", str(demo_archive)])
    assert result.exit_code == 0, result.output
    assert not (basepath / "media" / "mine.txt").exists()
    contents = reader.scan(demo_archive)
    expected = {m.name.removeprefix("media/") for m in contents.storage_members("media")}
    assert set(tree(basepath / "media")) == expected
    assert sorted(p.name for p in basepath.iterdir()) == ["media", "private"]


def test_exclude_data_unknown_name_is_usage_error(demo_project, demo_archive):
    result = runner.invoke(
        app, ["load", "--demo", "--yes", "--exclude-data", "nope.json", str(demo_archive)]
    )
    assert result.exit_code == 2
    assert "nope.json" in result.stderr and "users.json" in result.stderr


def test_exclude_storage_skips_one_and_restores_the_other(demo_project, demo_archive, tmp_path):
    basepath = tmp_path / "base"
    (basepath / "private").mkdir(parents=True)
    (basepath / "private" / "mine.txt").write_text("mine")
    common = ["load", "--demo", "--yes", "--no-data", "--storages-basepath", str(basepath)]

    result = runner.invoke(
        app,
        [*common, "--storages-mode", "replace", "--exclude-storage", "private", str(demo_archive)],
    )
    assert result.exit_code == 0, result.output
    assert tree(basepath / "private") == {"mine.txt": b"mine"}
    contents = reader.scan(demo_archive)
    expected = {m.name.removeprefix("media/") for m in contents.storage_members("media")}
    assert set(tree(basepath / "media")) == expected


def test_exclude_storage_unknown_name_is_one_line_usage_error(demo_project, demo_archive, tmp_path):
    basepath = tmp_path / "base"
    result = runner.invoke(
        app,
        [
            "load",
            "--demo",
            "--yes",
            "--no-data",
            "--storages-basepath",
            str(basepath),
            "--exclude-storage",
            "nope",
            str(demo_archive),
        ],
    )
    assert result.exit_code == 2
    (line,) = [line for line in result.stderr.splitlines() if "nope" in line]
    assert "media, private" in line
    assert not basepath.exists()


def test_no_data_and_every_storage_excluded_is_refused(demo_project, demo_archive, tmp_path):
    result = runner.invoke(
        app,
        [
            "load",
            "--demo",
            "--yes",
            "--no-data",
            "--storages-basepath",
            str(tmp_path / "b"),
            "--exclude-storage",
            "media",
            "--exclude-storage",
            "private",
            str(demo_archive),
        ],
    )
    assert result.exit_code == 2
    assert "leave nothing to load" in result.stderr
    assert not (tmp_path / "b").exists()


def test_exclude_data_by_file_or_definition_name(demo_project, demo_archive, tmp_path):
    from diskette_tui.core.restore import Loader, LoadRequest

    request = LoadRequest(
        demo_archive, tmp_path, with_storages=False, exclude_data=["users.json", "Shop catalog"]
    )
    plan = Loader().plan(request)
    skipped = {item.name for item in plan.datas if not item.selected}
    assert skipped == {"data/users.json", "data/shop-catalog.json"}
    assert plan.as_dict()["objects"] == plan.objects


# -- hostile archives ---------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_archive_refused(demo_project, tmp_path, kind):
    builder, expected = HOSTILE[kind]
    work = tmp_path / "work"
    work.mkdir()
    archive = builder(work / f"{kind}.tar.gz")
    basepath = work / "target"
    basepath.mkdir()
    archive_sum = sha256(archive)
    counts = row_counts()
    before = tree(tmp_path)

    result = runner.invoke(
        app, ["load", "--demo", "--yes", "--storages-basepath", str(basepath), str(archive)]
    )

    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert expected in errors[0]
    assert tree(tmp_path) == before  # nothing written, next to the target or in it
    assert not Path("/tmp/diskette-absolute-test.txt").exists()
    assert row_counts() == counts
    assert sha256(archive) == archive_sum


# -- rollback ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "second",
    [
        # A foreign key to a customer that does not exist.
        [
            {
                "model": "orders.order",
                "pk": 990002,
                "fields": {
                    "customer": 99999999,
                    "created": "2024-01-01T00:00:00Z",
                    "status": "new",
                },
            }
        ],
        # A value the field cannot hold.
        [{"model": "catalog.tag", "pk": 990003, "fields": {"name": "x" * 10 + "\x00", "bogus": 1}}],
    ],
    ids=["missing-fk", "invalid-data"],
)
def test_failing_second_data_file_rolls_everything_back(demo_project, tmp_path, second):
    first = [
        {"model": "catalog.tag", "pk": 990001, "fields": {"name": "rollback-probe"}},
        {"model": "sites.site", "pk": 1, "fields": {"domain": "changed.example", "name": "X"}},
    ]
    archive = build(
        tmp_path / "rollback.tar.gz",
        [
            member("data", kind="dir"),
            member("data/first.json", json.dumps(first).encode()),
            member("data/second.json", json.dumps(second).encode()),
        ],
        manifest={"datas": ["data/first.json", "data/second.json"], "storages": None},
    )
    from django.contrib.sites.models import Site

    counts = row_counts()
    result = runner.invoke(app, ["load", "--demo", "--yes", "--no-storages", str(archive)])
    assert result.exit_code == 1, result.output
    assert "data/second.json" in result.stderr
    assert "rolled back" in result.stderr
    assert row_counts() == counts
    assert Site.objects.get(pk=1).domain == "demo.example.com"
    from diskette_tui.demo.catalog.models import Tag

    assert not Tag.objects.filter(name="rollback-probe").exists()


# -- interoperability -------------------------------------------------------------------


def test_diskette_060_archive_loads(tmp_path):
    contents = reader.scan(FIXTURE)
    assert contents.manifest["version"] == "0.6.0" and contents.checksums is None
    target = fresh_instance(tmp_path / "target")
    before = sha256(FIXTURE)
    result = run_load(target, FIXTURE)
    assert result.returncode == 0, result.stderr
    assert "no SHA256SUMS" in result.stderr
    assert sha256(FIXTURE) == before
    database = target / "db.sqlite3"
    assert len(table_rows(database, "catalog_product")) == 220
    assert len(table_rows(database, "orders_order")) == 150
    assert len(table_rows(database, "auth_user")) == 6
    import tarfile

    with tarfile.open(FIXTURE) as tar:
        for info in tar.getmembers():
            if info.isfile() and contents.storage_of(info.name):
                assert (target / info.name).read_bytes() == tar.extractfile(info).read()
            elif info.issym():
                assert os.readlink(target / info.name) == info.linkname


DISKETTE_SETTINGS = """
from diskette.settings import *  # noqa: F403
from demo_settings import *  # noqa: F403
INSTALLED_APPS = INSTALLED_APPS + ["diskette"]
"""


@pytest.mark.skipif(
    importlib.util.find_spec("diskette") is None,
    reason="diskette 0.6.0 is not installed (pip install -e '.[dev]')",
)
def test_our_archive_loads_with_diskette_060(demo_project, demo_archive, tmp_path):
    target = tmp_path / "target"
    demo.write_demo_files(target)
    shutil.rmtree(target / "media")
    shutil.rmtree(target / "private")
    (target / "interop_settings.py").write_text(DISKETTE_SETTINGS)
    env = instance_env(target)
    env["DJANGO_SETTINGS_MODULE"] = "interop_settings"
    copy = tmp_path / demo_archive.name
    shutil.copyfile(demo_archive, copy)

    def django(*args):
        result = subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=env,
            cwd=target,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, f"{args}: {result.stderr}"

    django("migrate", "--verbosity", "0")
    django("diskette_load", str(copy), "--keep", "--storages-basepath", str(target))

    contents = reader.scan(demo_archive)
    for table in dumped_tables(contents.manifest):
        assert table_rows(target / "db.sqlite3", table) == table_rows(
            demo_project / "db.sqlite3", table
        ), table
    for item in contents.members:
        if item.kind == "file" and contents.storage_of(item.name):
            assert (target / item.name).read_bytes() == (demo_project / item.name).read_bytes()
    assert SOURCE_ROOT.is_dir()


def test_storage_links_inside_are_restored(demo_project, tmp_path):
    members = [
        member("media", kind="dir"),
        member("media/a.txt", b"alpha"),
        member("media/b.txt", kind="hardlink", linkname="media/a.txt"),
        member("media/sub", kind="dir"),
        member("media/sub/c.txt", kind="symlink", linkname="../a.txt"),
    ]
    archive = build(
        tmp_path / "links.tar.gz", members, manifest={"datas": None, "storages": ["media"]}
    )
    basepath = tmp_path / "base"
    result = runner.invoke(
        app,
        [
            "load",
            "--demo",
            "--yes",
            "--no-data",
            "--storages-basepath",
            str(basepath),
            str(archive),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (basepath / "media" / "b.txt").read_bytes() == b"alpha"
    assert os.readlink(basepath / "media" / "sub" / "c.txt") == "../a.txt"
    assert (basepath / "media" / "sub" / "c.txt").read_bytes() == b"alpha"


def test_load_declined_at_the_prompt(demo_project, demo_archive, tmp_path, monkeypatch):
    import diskette_tui.cli
    import diskette_tui.cli_common

    monkeypatch.setattr(diskette_tui.cli_common, "is_interactive", lambda: True)
    counts = row_counts()
    basepath = tmp_path / "base"
    # With --json the terminal question stays text (the Textual app is tested in
    # test_archive_tui.py).
    result = runner.invoke(
        app,
        ["load", "--demo", "--json", "--storages-basepath", str(basepath), str(demo_archive)],
        input="n\n",
    )
    assert result.exit_code == 1, result.output
    assert "Nothing loaded" in result.stderr
    assert not basepath.exists()
    assert row_counts() == counts
