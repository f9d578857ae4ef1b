"""``diskette init``: the file it writes parses, passes ``check``, and round-trips the demo.

The refusals run in-process (they stop before Django); the file written for
the session demo is read back in-process; the round trip builds its own demo
instances and runs ``init``, ``check``, ``dump`` and ``load`` in subprocesses,
as a user would.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diskette_tui.cli import app
from diskette_tui.config import load_config
from diskette_tui.core import reader
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.requests import DumpRequest
from diskette_tui.init_config import (
    InitConfig,
    InitDefinition,
    load_order,
    render_config,
)
from test_demo import instance_env
from test_restore import dumped_tables, fresh_instance, table_rows

runner = CliRunner()


def diskette(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m diskette_tui ARGS`` run from ``folder`` (a demo instance)."""
    return subprocess.run(
        [sys.executable, "-m", "diskette_tui", *args],
        env=instance_env(folder),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


# -- refusals ---------------------------------------------------------------------------


def test_an_existing_file_is_kept_without_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "diskette.toml").write_text("# mine\n")
    result = runner.invoke(app, ["init", "--settings", "demo_settings"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "error: diskette.toml already exists: use --force to replace it"
    ]
    assert (tmp_path / "diskette.toml").read_text() == "# mine\n"


def test_no_settings_module_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.splitlines()) == 1 and "no Django settings module" in result.stderr
    assert not (tmp_path / "diskette.toml").exists()


# -- the file, for the session demo ---------------------------------------------------------


@pytest.fixture
def written(demo_project, tmp_path, monkeypatch) -> Path:
    """``init --force`` over an old file, in a folder outside the demo (its media included)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "diskette.toml").write_text("# old\n")
    result = runner.invoke(
        app, ["init", "--force", "--settings", "demo_settings", "--pythonpath", str(demo_project)]
    )
    assert result.exit_code == 0, result.output
    assert "wrote " in result.stderr
    return tmp_path / "diskette.toml"


def test_force_writes_a_file_that_records_the_project(written, demo_project):
    data = tomllib.loads(written.read_text())
    assert data["settings"] == "demo_settings"
    assert data["pythonpath"] == [str(demo_project)]
    # MEDIA_ROOT is outside this folder: the base path is its parent.
    assert data["storages"] == [str(demo_project / "media")]
    assert data["storages_basepath"] == str(demo_project)
    assert not list(written.parent.glob(".diskette.toml.*"))  # no temporary left


def test_the_file_leaves_content_types_permissions_and_sessions_to_the_target(written):
    apps = tomllib.loads(written.read_text())["apps"]
    names = [item["name"] for item in apps]
    # Contrib apps first, the project's own after, the drain last.
    assert names[-1] == "Everything else" and apps[-1]["is_drain"] is True
    assert names.index("Authentication and Authorization") < names.index("Shop catalog")
    auth = apps[names.index("Authentication and Authorization")]
    assert auth == {
        "name": "Authentication and Authorization",
        "models": ["auth"],
        "use_base_manager": True,
        "excludes": ["auth.Permission"],
    }
    assert apps[-1]["excludes"] == ["contenttypes.ContentType", "sessions.Session"]
    assert not any("natural_foreign" in item or "post_load" in item for item in apps)


def test_the_file_is_valid_and_its_plan_has_no_load_order_problem(written, demo_project):
    config = load_config(written.parent)
    dumper = Dumper.from_config(config)
    plan = dumper.plan(DumpRequest(written.parent, with_storages=False))
    later = [warning for warning in plan.warnings if getattr(warning, "kind", "") == "later"]
    assert later == []
    dumped = {model.label for item in plan.definitions for model in item.models}
    assert {"catalog.Product", "orders.Order", "admin.LogEntry", "sites.Site"} <= dumped
    assert not dumped & {"contenttypes.ContentType", "auth.Permission", "sessions.Session"}


# -- the words, without Django ---------------------------------------------------------------


def test_rendered_text_parses_with_comments_and_odd_names():
    config = InitConfig(
        settings="site.settings",
        pythonpath=("src",),
        definitions=(
            InitDefinition(
                name='Odd "name" \\ é',
                apps=("blog",),
                modules=("blog",),
                excludes=(("blog.Cache", "derived"),),
                post_load=(("update_index --chunk_size 50", "rebuilds the index"),),
            ),
        ),
        drain_excludes=(("sessions.Session", "short-lived"),),
        storages=("media",),
        storages_excludes=(("/images/", "renditions"),),
        notes=("cache table 'cache' is not a model",),
    )
    data = tomllib.loads(render_config(config))
    assert data["apps"][0] == {
        "name": 'Odd "name" \\ é',
        "models": ["blog"],
        "use_base_manager": True,
        "excludes": ["blog.Cache"],
        "post_load": ["update_index --chunk_size 50"],
    }
    assert data["storages_excludes"] == ["/images/"]
    assert data["apps"][1] == {
        "name": "Everything else",
        "is_drain": True,
        "use_base_manager": True,
        "excludes": ["sessions.Session"],
    }


def test_load_order_puts_dependencies_first_and_merges_cycles():
    dependencies = {
        "home": {"core"},
        "core": {"auth"},
        "auth": set(),
        "a": {"b"},
        "b": {"a", "auth"},
    }
    priority = {"home": (2, 0), "core": (1, 1), "auth": (0, 2), "a": (1, 3), "b": (1, 4)}
    assert load_order(dependencies, priority) == [["auth"], ["core"], ["a", "b"], ["home"]]


# -- the round trip, as a user would ------------------------------------------------------


def test_init_check_dump_load_round_trip_on_the_demo(demo_project, tmp_path):
    source = tmp_path / "source"
    built = diskette(tmp_path, "demo", "--demo-dir", str(source))
    assert built.returncode == 0, built.stderr
    (source / "diskette.toml").unlink()

    result = diskette(source, "init", "--settings", "demo_settings", "--pythonpath", ".")
    assert result.returncode == 0, result.stderr
    data = tomllib.loads((source / "diskette.toml").read_text())
    assert data["pythonpath"] == ["."] and data["storages"] == ["media"]

    checked = diskette(source, "check")
    assert checked.returncode == 0, checked.stderr
    assert "dumped later" not in checked.stdout + checked.stderr

    dumped = diskette(source, "dump", "--yes", "-q", "-d", "dumps")
    assert dumped.returncode == 0, dumped.stderr
    (archive,) = (source / "dumps").glob("*.tar.gz")

    target = fresh_instance(tmp_path / "target")
    loaded = diskette(target, "load", "--yes", str(archive))
    assert loaded.returncode == 0, loaded.stderr
    assert "warning" not in loaded.stderr

    contents = reader.scan(archive)
    tables = dumped_tables(contents.manifest)
    assert "catalog_product" in tables and "django_session" not in tables
    for table in tables:
        assert table_rows(target / "db.sqlite3", table) == table_rows(
            source / "db.sqlite3", table
        ), table
    files = [m for m in contents.members if m.kind == "file" and contents.storage_of(m.name)]
    assert files and all(m.name.startswith("media/") for m in files)
    for item in files:
        assert (target / item.name).read_bytes() == (source / item.name).read_bytes()


# -- XML data files ----------------------------------------------------------------------

XML_WITH_M2M = b"""<?xml version="1.0" encoding="utf-8"?>
<django-objects version="1.0">
  <object model="catalog.product" pk="1">
    <field name="tags" rel="ManyToManyRel" to="catalog.tag"><object pk="1"></object><object pk="2"></object></field>
  </object>
  <object model="catalog.tag" pk="1"><field name="name" type="CharField">a</field></object>
</django-objects>
"""


def test_xml_object_counts_leave_many_to_many_values_out(tmp_path):
    from archives import build, member

    from diskette_tui.core.serializers import count_objects

    (tmp_path / "a.xml").write_bytes(XML_WITH_M2M)
    assert count_objects(tmp_path / "a.xml", "xml") == 2
    archive = build(
        tmp_path / "a.tar.gz", [member("data", kind="dir"), member("data/a.xml", XML_WITH_M2M)]
    )
    assert reader.scan(archive).data["data/a.xml"].objects == 2
