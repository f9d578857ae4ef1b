"""Interrupting ``diskette load``: real subprocesses into a real SQLite instance and storages.

The archive holds the demo's data and two storages, ``media`` (4,000 small
files, half of them already in the target with other bytes) and ``other``.
The load is stopped while it stages, while it merges files in, after a
storage is swapped in and just before the commit, then signalled (SIGINT,
SIGTERM, SIGHUP) or killed. Every time the database holds exactly its rows of
before, each storage is byte for byte as before, nothing temporary is left
(or, after SIGKILL, the next load puts it right and says so), and the message
says what happened.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from archives import build, member
from diskette_tui.core import leftovers
from interrupting import (
    INTERRUPTS,
    dead_pid,
    kill_stopped,
    signal_stopped,
    start,
    stop_when,
    tree,
    wait_stopped,
)
from test_restore import fresh_instance

# Two small definitions: the rows are what matters, not how many.
APPS = """
[[apps]]
name = "Sites"
models = "sites"

[[apps]]
name = "Users"
models = ["auth"]
excludes = ["auth.Permission"]
natural_foreign = true
"""
FILES = 4_000  # in the archive's media; the target holds the first half


@pytest.fixture(scope="module")
def archive(demo_project, tmp_path_factory) -> Path:
    """The demo's sites and users, ``media`` (FILES files and ``docs/``) and ``other``, dumped for real."""
    source = tmp_path_factory.mktemp("source")
    media = source / "media"
    (media / "docs").mkdir(parents=True)
    for index in range(FILES):
        (media / f"f{index:05d}.txt").write_text(f"new {index}\n")
    (media / "docs" / "readme.txt").write_text("new readme\n")
    (source / "other").mkdir()
    (source / "other" / "o.txt").write_text("new other\n")
    (source / "diskette.toml").write_text(
        f'settings = "demo_settings"\npythonpath = "{demo_project}"\n'
        f'storages = ["media", "other"]\ndestination = "dumps"\n{APPS}'
    )
    process = start(["dump", "--yes", "-q"], source)
    _out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return source / "dumps" / "diskette_data_storages.tar.gz"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated, empty demo instance, copied by each test."""
    return fresh_instance(tmp_path_factory.mktemp("migrated") / "instance")


@pytest.fixture
def target(migrated, tmp_path) -> Path:
    """An instance whose ``media`` holds half the archive's files (old bytes) and its own."""
    instance = tmp_path / "target"
    shutil.copytree(migrated, instance)
    media = instance / "media"
    (media / "docs").mkdir(parents=True)
    for index in range(FILES // 2):
        (media / f"f{index:05d}.txt").write_text(f"old {index}\n")
    for index in range(50):
        (media / f"mine-{index:02d}.txt").write_text(f"mine {index}\n")
    (media / "docs" / "old.txt").write_text("old doc\n")
    (instance / "other").mkdir()
    (instance / "other" / "o.txt").write_text("old other\n")
    (instance / "other" / "kept.txt").write_text("kept\n")
    return instance


def state(instance: Path) -> dict:
    """Everything a load may change: every table's rows, the storages, the folder's names."""
    with sqlite3.connect(instance / "db.sqlite3") as connection:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        rows = {
            table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            for table in tables
        }
    return {
        "rows": rows,
        "media": tree(instance / "media"),
        "other": tree(instance / "other"),
        "names": sorted(
            name
            for name in os.listdir(instance)
            if not name.startswith("db.sqlite3") and name != "__pycache__"
        ),
    }


def load(instance: Path, archive: Path, *args: str, stop_at: str = "") -> subprocess.Popen:
    """``diskette load --yes ARCHIVE`` in ``instance`` (its diskette.toml), not waited for."""
    return start(["load", "--yes", str(archive), *args], instance, stop_at=stop_at)


def staging_of(instance: Path, name: str) -> list[Path]:
    return list(instance.glob(f".{name}.diskette-new-*"))


def undo_of(instance: Path, name: str) -> list[Path]:
    return list(instance.glob(f".{name}.diskette-undo-*"))


def merging(instance: Path):
    """A condition: media's merge has begun (files of the target moved aside) and is not done."""

    def condition():
        undos, staged = undo_of(instance, "media"), staging_of(instance, "media")
        if not undos or not staged or not (undos[0] / "files").is_dir():
            return False
        aside = any(os.scandir(undos[0] / "files"))
        left = any(entry.is_file() for entry in os.scandir(staged[0]))
        return aside and left

    return condition


@pytest.mark.parametrize("signum", INTERRUPTS.values(), ids=INTERRUPTS.keys())
def test_signal_while_merging_puts_everything_back(archive, target, signum):
    before = state(target)
    process = load(target, archive)
    stop_when(process, merging(target), "the merge")
    assert tree(target / "media") != before["media"]  # some files are the archive's already
    code, err = signal_stopped(process, signum)
    assert code == 130, err
    assert (
        "interrupted: data rolled back, storage 'media' put back as before; nothing changed" in err
    )
    assert "Traceback" not in err
    assert state(target) == before


def test_signal_while_staging_changes_nothing(archive, target):
    before = state(target)
    process = load(target, archive)

    def staging():
        staged = staging_of(target, "media")
        return staged and len(os.listdir(staged[0])) > 100

    stop_when(process, staging, "the staging")
    code, err = signal_stopped(process, INTERRUPTS["SIGTERM"])
    assert code == 130 and "interrupted: nothing was written" in err, err
    assert state(target) == before


def test_signal_after_a_storage_is_swapped_in(archive, target):
    """Replace mode, stopped once ``media`` is swapped in and before ``other`` is."""
    before = state(target)
    process = load(target, archive, "--storages-mode", "replace", stop_at="moved")
    wait_stopped(process, "the first storage swapped in")
    assert (target / "media" / f"f{FILES - 1:05d}.txt").exists()  # media is the archive's
    assert (target / "other" / "kept.txt").exists()  # other is not yet
    code, err = signal_stopped(process, INTERRUPTS["SIGHUP"])
    assert code == 130, err
    assert "interrupted: data rolled back, storage 'media' put back as before" in err
    assert state(target) == before

    done = load(target, archive, "--storages-mode", "replace")
    _out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    after = state(target)
    assert len(after["media"]) == FILES + 2  # the archive's files and docs/, nothing else
    assert after["other"] == {"o.txt": b"new other\n"}
    assert after["names"] == before["names"]  # no .media.diskette-old-… or -undo-… left


def test_signal_just_before_the_commit(archive, target):
    before = state(target)
    process = load(target, archive, stop_at="commit")
    wait_stopped(process, "the commit")
    assert (target / "media" / f"f{FILES - 1:05d}.txt").exists()  # everything is in place
    code, err = signal_stopped(process, INTERRUPTS["SIGINT"])
    assert code == 130, err
    assert "data rolled back, storages 'media', 'other' put back as before" in err
    assert state(target) == before


def test_a_killed_load_is_rolled_back_by_the_next_one(archive, target, tmp_path):
    before = state(target)
    process = load(target, archive)
    stop_when(process, merging(target), "the merge")
    kill_stopped(process)
    assert tree(target / "media") != before["media"]
    killed = staging_of(target, "media") + undo_of(target, "media")
    assert len(killed) == 2
    host = leftovers.host_name()
    not_ours = [
        ".media.diskette-undo-mine",
        f".media.diskette-undo-{os.getpid()}@{host}-0123abcd",  # a load still running
        f".media.diskette-new-{dead_pid()}@elsewhere-0123abcd",  # another host's
    ]
    for name in not_ours:
        (target / name).mkdir()
        (target / name / "x").write_text("not ours")

    # Any next load into that folder cleans up first: here one of 'other' only.
    small = build(
        tmp_path / "small.tar.gz",
        [member("other", kind="dir"), member("other/o.txt", b"small other\n")],
    )
    again = load(target, small)
    _out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert "a killed load had left storage folder 'media' half restored: put back" in err
    assert "leftovers of killed loads" in err
    after = state(target)
    assert after["media"] == before["media"]
    assert after["rows"] == before["rows"]  # the killed transaction never committed
    assert after["other"] == {"o.txt": b"small other\n", "kept.txt": b"kept\n"}
    assert after["names"] == sorted(before["names"] + not_ours)
