"""A load says what it really did: objects Django saved, its warnings as lines.

In-process on the session's demo project: nothing here changes its database
(the files loaded hold only models the project does not have, or are loaded
inside a transaction that is rolled back).
"""

from __future__ import annotations

import json
import warnings

import pytest
from typer.testing import CliRunner

from archives import build, member
from diskette_tui import wording
from diskette_tui.cli import app
from diskette_tui.core.restore import Loader, LoadRequest
from diskette_tui.core.restore import apply as restore_apply
from diskette_tui.exceptions import ArchiveError
from diskette_tui.loggers import CollectingLogger

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("demo_project")

NOTES = [
    {"model": "notes.note", "pk": 1, "fields": {"text": "a"}},
    {"model": "notes.note", "pk": 2, "fields": {"text": "b"}},
]


def notes_archive(tmp_path):
    return build(
        tmp_path / "notes.tar.gz",
        [member("data", kind="dir"), member("data/notes.json", json.dumps(NOTES).encode())],
        manifest={"datas": ["data/notes.json"], "storages": None},
    )


def test_ignorenonexistent_reports_nothing_loaded_when_the_app_does_not_exist(tmp_path):
    archive = notes_archive(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning leaking out of the load would fail here
        result = runner.invoke(
            app, ["load", str(archive), "--yes", "--no-storages", "--ignorenonexistent"]
        )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        "warning: loaded nothing from data/notes.json: its 2 objects were skipped by "
        "--ignorenonexistent (their models do not exist in this project)"
    ) in lines
    assert "Loaded 1 data file (0 objects) and 0 storage files from notes.tar.gz" in lines
    assert "RuntimeWarning" not in result.output
    assert "No fixture data found" not in result.output
    assert "(2 objects)" not in result.output

    as_json = runner.invoke(
        app, ["load", str(archive), "--yes", "--no-storages", "--ignorenonexistent", "--json"]
    )
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["result"]["loaded"] == {"data/notes.json": 0}


def test_django_warnings_during_loaddata_become_clean_lines(tmp_path):
    from django.db import transaction

    class Rollback(Exception):
        pass

    staged = tmp_path / "staged-users.json"
    staged.write_text(
        json.dumps(
            [
                {
                    "model": "auth.user",
                    "pk": 99999,
                    "fields": {
                        "username": "naive-report-test",
                        "password": "!",
                        "date_joined": "2024-01-01T00:00:00",
                    },
                }
            ]
        )
    )
    with pytest.raises(Rollback), transaction.atomic():
        loaded = restore_apply.loaddata(staged, "data/users.json", False, "default")
        raise Rollback
    assert loaded.objects == 1
    assert len(loaded.warnings) == 1
    (line,) = loaded.warnings
    assert line.startswith("DateTimeField User.date_joined received a naive datetime")
    assert "\n" not in line and str(staged) not in line


def site_archive(tmp_path, datas, extra=()):
    from archives import SITE

    members = [member("data", kind="dir"), member("data/site.json", json.dumps(SITE).encode())]
    members += [member(name, b"[]") for name in extra]
    return build(tmp_path / "site.tar.gz", members, manifest={"datas": datas, "storages": None})


def test_a_manifest_listing_a_data_file_twice_is_refused(tmp_path):
    from django.contrib.sites.models import Site

    archive = site_archive(tmp_path, ["data/site.json", "data/site.json"])
    with pytest.raises(ArchiveError) as caught:
        Loader().plan(LoadRequest(archive, tmp_path, with_storages=False))
    assert caught.value.problems == [
        "manifest data 'data/site.json': listed twice (it would be loaded twice)"
    ]
    before = list(Site.objects.values_list("pk", "domain", "name"))
    result = runner.invoke(app, ["load", str(archive), "--yes", "--no-storages"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: manifest data 'data/site.json': listed twice (it would be loaded twice)"
    )
    assert list(Site.objects.values_list("pk", "domain", "name")) == before


def test_data_files_the_manifest_does_not_list_are_mentioned(tmp_path):
    archive = site_archive(tmp_path, ["data/site.json"], extra=["data/extra.json"])
    logger = CollectingLogger()
    plan = Loader(logger=logger).plan(LoadRequest(archive, tmp_path, with_storages=False))
    message = "data/extra.json is in the archive but not in its manifest: not loaded"
    assert logger.records == [("warning", message)]
    assert [item.name for item in plan.selected_datas] == ["data/site.json"]
    assert f"⚠ {message}" in wording.load_notes(plan)
    listed = site_archive(tmp_path, ["data/site.json"])
    notes = wording.load_notes(Loader().plan(LoadRequest(listed, tmp_path, with_storages=False)))
    assert not any("manifest" in note for note in notes)


def test_a_symlinked_subfolder_in_the_target_is_one_line_not_one_per_file(tmp_path):
    pictures = [member(f"media/pictures/p{index}.png", b"png") for index in range(30)]
    archive = build(
        tmp_path / "media.tar.gz",
        [member("media", kind="dir"), member("media/pictures", kind="dir"), *pictures],
        manifest={"datas": None, "storages": ["media"]},
    )
    base = tmp_path / "base"
    (base / "media").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (base / "media" / "pictures").symlink_to(elsewhere)
    request = LoadRequest(archive, base, with_data=False, storages_mode="merge")
    with pytest.raises(ArchiveError) as caught:
        Loader().plan(request)
    assert caught.value.problems == [
        f"storage 'media': cannot merge media/pictures (31 archive members): "
        f"{base / 'media' / 'pictures'} is a link in the target"
    ]
    result = runner.invoke(
        app, ["load", str(archive), "--yes", "--no-data", "--storages-basepath", str(base)]
    )
    assert result.exit_code == 1
    assert result.output.count("error:") == 1, result.output
    assert list(elsewhere.iterdir()) == []
