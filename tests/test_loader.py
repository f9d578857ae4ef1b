"""The Loader itself: requests, plan facts, verification, execution and rollback.

Real archives built with :mod:`archives`; storages only (``with_data=False``),
so no Django is needed: data loads are tested through the command line in
``test_restore.py``.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from archives import build, good_members, member
from diskette_tui import wording
from diskette_tui.core.restore import Loader, LoadRequest
from diskette_tui.core.restore import apply as restore_apply
from diskette_tui.core.restore.plan import MERGE, NEW_FOLDER, REPLACE
from diskette_tui.exceptions import ArchiveError, ConfigError, LoadFailed
from diskette_tui.loggers import CollectingLogger
from diskette_tui.render import render_load_plan

TWO_STORAGES = {"datas": ["data/site.json"], "storages": ["media", "private"]}


def two_storages(path: Path, **options) -> Path:
    """An archive with ``media`` (as in good_members) and ``private``."""
    members = good_members() + [member("private", kind="dir"), member("private/x.txt", b"x")]
    return build(path, members, manifest=TWO_STORAGES, **options)


def tree(folder: Path) -> dict[str, object]:
    """Every path under ``folder`` (hidden ones too) with its bytes or link target."""
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


@pytest.fixture
def archive(tmp_path) -> Path:
    return two_storages(tmp_path / "a.tar.gz")


@pytest.fixture
def basepath(tmp_path) -> Path:
    """A basepath whose media folder holds one file of the archive and one of its own."""
    base = tmp_path / "base"
    (base / "media").mkdir(parents=True)
    (base / "media" / "notes.txt").write_text("old notes")
    (base / "media" / "mine.txt").write_text("mine")
    return base


def plan_of(archive: Path, basepath: Path, **choices):
    choices.setdefault("with_data", False)
    return Loader().plan(LoadRequest(archive, basepath, **choices))


# -- requests ------------------------------------------------------------------------


class FakeConfig:
    def __init__(self, storages_basepath):
        self.storages_basepath = storages_basepath


def test_request_from_config_picks_the_basepath(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    configured = tmp_path / "configured"
    # The flag, relative to the current folder, wins.
    request = LoadRequest.from_config(FakeConfig(configured), "a.tar.gz", Path("flag"))
    assert request.storages_basepath == tmp_path / "flag"
    assert request.archive == Path("a.tar.gz")
    # Else the configuration's, else the current folder.
    assert LoadRequest.from_config(FakeConfig(configured), "a.tar.gz").storages_basepath == (
        configured
    )
    assert LoadRequest.from_config(FakeConfig(None), "a.tar.gz").storages_basepath == tmp_path
    assert LoadRequest.from_config(None, "a.tar.gz").storages_basepath == tmp_path
    # Choices are the other fields.
    request = LoadRequest.from_config(
        None, "a.tar.gz", with_data=False, exclude_data=["users.json"], storages_mode="replace"
    )
    assert (request.with_data, request.exclude_data, request.storages_mode) == (
        False,
        ("users.json",),
        "replace",
    )


def test_request_problems():
    assert LoadRequest("a.tar.gz", ".").problems() == []
    problems = LoadRequest(
        "a.tar.gz", ".", with_data=False, with_storages=False, storages_mode="swap"
    ).problems()
    assert problems == [
        "--no-data and --no-storages together leave nothing to load",
        "--storages-mode must be one of merge, replace, not 'swap'",
    ]


def test_plan_reports_every_request_problem_before_reading(tmp_path):
    request = LoadRequest(
        tmp_path / "missing.tar.gz",
        tmp_path,
        with_data=False,
        with_storages=False,
        storages_mode="swap",
    )
    with pytest.raises(ConfigError) as caught:
        Loader().plan(request)
    assert len(caught.value.problems) == 2


def test_check_and_plan_refuse_a_missing_archive(tmp_path):
    request = LoadRequest(tmp_path / "missing.tar.gz", tmp_path)
    with pytest.raises(ArchiveError, match="archive not found"):
        Loader().check(request)
    with pytest.raises(ArchiveError, match="archive not found"):
        Loader().plan(request)
    with pytest.raises(ArchiveError, match="not a file"):
        Loader().check(LoadRequest(tmp_path, tmp_path))


# -- plan facts -------------------------------------------------------------------------


def test_plan_keeps_the_request_and_says_what_each_storage_does(archive, basepath):
    request = LoadRequest(archive, basepath, with_data=False)
    plan = Loader().plan(request)
    assert plan.request is request and plan.archive == archive
    assert plan.storages_basepath == basepath and plan.storages_mode == "merge"
    media, private = plan.storages
    assert media.action == MERGE and private.action == NEW_FOLDER
    assert (media.existing, media.overwritten, media.removed) == (2, 1, 0)
    assert (media.files, media.links, media.dirs) == (2, 1, 1)
    assert not private.exists and private.target == basepath / "private"
    assert not media.through_link
    assert plan.files == 3 and plan.removed == 0 and plan.selected_datas == ()


def test_plan_replace_counts_what_goes(archive, basepath):
    plan = plan_of(archive, basepath, storages_mode="replace")
    media = plan.storages[0]
    assert media.action == REPLACE
    assert (media.existing, media.overwritten, media.removed) == (2, 1, 1)
    assert plan.removed == 1
    assert plan.as_dict()["storages"][0]["removed"] == 1


def test_plan_relative_basepath_is_made_absolute(archive, basepath, monkeypatch):
    monkeypatch.chdir(basepath.parent)
    plan = plan_of(archive, Path("base"))
    assert plan.storages_basepath == basepath
    assert plan.request.storages_basepath == Path("base")


def test_storage_folder_that_is_a_link_is_restored_where_it_points(archive, tmp_path):
    base = tmp_path / "linked"
    base.mkdir()
    real = tmp_path / "srv-media"
    real.mkdir()
    (base / "media").symlink_to(real)
    media = plan_of(archive, base).storages[0]
    assert media.target == real and media.folder == base / "media" and media.through_link


def test_plan_without_storages(archive, basepath):
    plan = plan_of(archive, basepath, with_data=True, with_storages=False)
    assert plan.storages == () and plan.files == 0
    assert [item.name for item in plan.selected_datas] == ["data/site.json"]
    assert plan.objects == 1


def test_basepath_that_is_a_file_is_a_usage_error(archive, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="storages basepath is not a folder"):
        plan_of(archive, blocker)


def test_merge_into_a_folder_where_the_archive_has_a_file_is_refused(archive, basepath):
    (basepath / "media" / "notes.txt").unlink()
    (basepath / "media" / "notes.txt").mkdir()
    with pytest.raises(ArchiveError, match="cannot merge media/notes.txt"):
        plan_of(archive, basepath)
    # replace makes the folder exactly the archive's: no conflict.
    assert plan_of(archive, basepath, storages_mode="replace").storages[0].removed == 1  # mine.txt


# -- exclusions --------------------------------------------------------------------------


def test_exclusions_and_empty_data_files(tmp_path):
    members = good_members() + [
        member("data/empty.json", b"[]"),
        member("data/other.json", json.dumps([{"model": "x.y", "pk": 1}]).encode()),
    ]
    path = build(tmp_path / "a.tar.gz", members)
    plan = plan_of(path, tmp_path, with_data=True, exclude_data=["other.json"])
    assert {item.filename: item.reason for item in plan.skipped_datas} == {
        "empty.json": "empty",
        "other.json": "excluded",
    }
    assert [item.name for item in plan.selected_datas] == ["data/site.json"]
    with pytest.raises(ConfigError) as caught:
        plan_of(path, tmp_path, exclude_data=["nope.json", "gone"])
    assert len(caught.value.problems) == 2
    assert "nope.json" in caught.value.problems[0] and "site.json" in caught.value.problems[0]


def test_excluded_storages_are_listed_skipped_and_checked(archive, basepath):
    # A merge conflict in media: excluding media leaves its target unexamined.
    (basepath / "media" / "notes.txt").unlink()
    (basepath / "media" / "notes.txt").mkdir()
    plan = plan_of(archive, basepath, exclude_storages=["media"])
    assert plan.request.exclude_storages == ("media",)
    assert [item.name for item in plan.selected_storages] == ["private"]
    assert [(item.name, item.reason) for item in plan.skipped_storages] == [("media", "excluded")]
    assert plan.files == plan.storages[1].files
    with pytest.raises(ConfigError) as caught:
        plan_of(archive, basepath, exclude_storages=["nope", "media"])
    (problem,) = caught.value.problems
    assert "'nope'" in problem and "media, private" in problem
    with pytest.raises(ConfigError, match="leave nothing to load"):
        plan_of(archive, basepath, exclude_storages=["media", "private"])
    # With data on, every storage may go: a load of data only.
    assert plan_of(archive, basepath, with_data=True, exclude_storages=["media", "private"])


# -- verification -------------------------------------------------------------------------


def test_verification_status(tmp_path):
    verified = build(tmp_path / "ok.tar.gz", good_members())
    assert plan_of(verified, tmp_path).verified
    assert plan_of(verified, tmp_path, verify=False).verification == "skipped"

    unverifiable = build(tmp_path / "none.tar.gz", good_members(), checksums=None)
    logger = CollectingLogger()
    plan = Loader(logger=logger).plan(LoadRequest(unverifiable, tmp_path, with_data=False))
    assert plan.verification == "unverifiable" and not plan.verified
    assert logger.records == [
        (
            "warning",
            "none.tar.gz has no SHA256SUMS (written by diskette?): its content cannot be verified",
        )
    ]

    tampered = build(
        tmp_path / "bad.tar.gz", good_members(), checksums=b"0" * 64 + b"  data/site.json\n"
    )
    with pytest.raises(ArchiveError) as caught:
        plan_of(tampered, tmp_path)
    assert caught.value.problems[0] == (
        "checksum changed: data/site.json (sha256 differs from SHA256SUMS)"
    )
    assert plan_of(tampered, tmp_path, verify=False).verification == "skipped"


# -- execution --------------------------------------------------------------------------


def test_execute_merge_then_replace(archive, basepath):
    loader = Loader()
    result = loader.execute(plan_of(archive, basepath))
    assert result.files == 3 and result.loaded == {} and result.objects == 0
    assert result.storages == {"media": basepath / "media", "private": basepath / "private"}
    assert (basepath / "media" / "notes.txt").read_text() == "hello\n"
    assert (basepath / "media" / "mine.txt").read_text() == "mine"
    assert os.readlink(basepath / "media" / "latest.png") == "pictures/a.png"

    loader.execute(plan_of(archive, basepath, storages_mode="replace"))
    assert not (basepath / "media" / "mine.txt").exists()
    assert sorted(p.name for p in basepath.iterdir()) == ["media", "private"]  # nothing staged


def test_failure_while_swapping_puts_everything_back(archive, basepath, monkeypatch):
    before = tree(basepath)
    calls = []
    real_replace = restore_apply.StorageMove.replace

    def replace(move):
        calls.append(move.target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(move)

    monkeypatch.setattr(restore_apply.StorageMove, "replace", replace)
    plan = plan_of(archive, basepath, storages_mode="replace")
    with pytest.raises(LoadFailed, match="No space left on device"):
        Loader().execute(plan)
    assert calls == [basepath / "media", basepath / "private"]
    assert tree(basepath) == before  # media swapped back, no staging folder left


def test_stopping_while_staging_changes_nothing(archive, basepath):
    before = tree(basepath)

    def stop(update):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Loader().execute(plan_of(archive, basepath, storages_mode="replace"), progress=stop)
    assert tree(basepath) == before


def test_plan_reports_its_steps(archive, basepath):
    seen = []
    Loader().plan(LoadRequest(archive, basepath, with_data=False), progress=seen.append)
    assert [(u.stage, u.item) for u in seen] == [
        ("plan", "read"),
        ("plan", "check"),
        ("plan", "verify"),
        ("plan", "targets"),
    ]


# -- wording and rendering -----------------------------------------------------------------


def test_load_description_says_what_the_confirmation_says(archive, basepath):
    plan = plan_of(archive, basepath, storages_mode="replace")
    lines = wording.load_description(plan)
    assert lines[0] == f"archive   {archive}"
    assert lines[1] == "data      not loaded (--no-data)"
    assert lines[2] == f"storages  into {basepath}"
    assert "media  2 files" in lines[3] and lines[3].endswith("replace: 1 overwritten, 1 removed")
    assert lines[4].endswith("new folder")
    assert lines[5] == ""
    assert wording.STAGED_FIRST in lines
    assert "⚠ replace removes 1 existing file that is not in the archive" in lines
    assert not any("SHA256SUMS" in line for line in lines)

    data = wording.load_description(
        plan_of(archive, basepath, with_data=True, verify=False),
        database="sqlite database db.sqlite3",
    )
    assert data[1] == "data      1 file, 1 object → sqlite database db.sqlite3"
    assert data[2].strip() == "site.json"
    assert wording.ALL_OR_NOTHING in data
    assert data[-1] == "⚠ checksums not checked (--no-verify)"


def test_render_load_plan(archive, basepath):
    console = Console(file=io.StringIO(), width=200)
    render_load_plan(plan_of(archive, basepath), console)
    text = console.file.getvalue()
    assert "diskette — load preview" in text and "checksums ok" in text
    assert "(merge: 1 of 2 existing files overwritten)" in text
    assert "(new folder)" in text
    assert "total     0 data files · 0 objects · 3 files" in text
