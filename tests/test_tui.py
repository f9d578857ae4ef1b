"""The Textual preview app, driven with Pilot against the real engine and demo project.

Pilot tests run their coroutine with ``asyncio.run`` (no pytest-asyncio needed).
Snapshot tests (pytest-textual-snapshot) use a fixed destination that does not
exist, so the archive path in the summary is stable; the result snapshot is
built from a fixed :class:`ArchiveResult` because checksums and times vary.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import tarfile
import time
from pathlib import Path

import pytest

from diskette_tui.config import load_config
from diskette_tui.core.archive import ArchiveResult
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.plan import StorageEntry, StoragePlan
from diskette_tui.exceptions import ConfigError, DumpFailed
from diskette_tui.tui.app import DisketteApp
from diskette_tui.tui.folders import build_storage_index
from diskette_tui.tui.screens import ConfirmationModal, ErrorScreen, PreviewScreen, ResultScreen
from diskette_tui.tui.widgets import DefinitionList, StorageTree, SummaryBar

SIZE = (120, 36)
#: Where snapshot apps "would write": never created, so nothing says "replaces it".
SNAPSHOT_DESTINATION = Path("/srv/backups/diskette")


@pytest.fixture(scope="module")
def session(demo_project):
    """The demo's configuration and a Dumper built like ``cli.open_session`` does."""
    config = load_config(demo_project, demo_project / "diskette.toml")
    dumper = Dumper(
        config.apps,
        executable=config.executable,
        storages_basepath=config.storages_basepath,
        storages=config.storages,
        storages_excludes=config.storages_excludes,
        indent=config.indent,
    )
    return config, dumper


def make_app(session, destination, execute=None, load_plan=None, read_only=False):
    """A DisketteApp over the demo, writing to ``destination``."""
    config, dumper = session

    def default_load(progress, is_cancelled):
        return dumper.plan(
            destination=destination,
            filename=config.filename,
            count_rows=True,
            progress=progress,
            is_cancelled=is_cancelled,
        )

    def default_execute(plan, progress):
        return dumper.execute(plan, progress=progress, chmod=0o600)

    return DisketteApp(
        load_plan or default_load,
        execute or default_execute,
        read_only=read_only,
        title="diskette — check" if read_only else "diskette — dump preview",
        subtitle="demo_settings · sqlite",
    )


async def settle(pilot, until=lambda: True, timeout=10.0):
    """Let workers finish and messages land, until ``until()`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if until():
            return
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await asyncio.sleep(0.02)


async def loaded(pilot):
    """Wait for the plan to be shown."""
    await settle(pilot, lambda: pilot.app.preview.loaded)


def summary_text(app) -> str:
    return str(app.preview.query_one(SummaryBar).render())


def manifest_of(path: Path) -> dict:
    with tarfile.open(path) as tar:
        return json.load(tar.extractfile("manifest.json"))


def run(coroutine):
    return asyncio.run(coroutine)


# --- pilot tests --------------------------------------------------------------------


def test_toggle_changes_summary_and_written_archive(session, tmp_path):
    app = make_app(session, tmp_path)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            assert isinstance(app.focused, DefinitionList)
            assert "5 of 5 definitions" in summary_text(app)
            assert "diskette_data_storages.tar.gz" in summary_text(app)
            await pilot.press("down", "down", "down", "space")  # untick "Shop orders"
            await pilot.pause()
            assert "4 of 5 definitions" in summary_text(app)
            await pilot.press("S")  # storages off: the name loses _storages
            await pilot.pause()
            assert "diskette_data.tar.gz" in summary_text(app)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmationModal)
            await pilot.press("y")
            await settle(pilot, lambda: isinstance(app.screen, ResultScreen))
            await pilot.press("enter")
            await pilot.pause()

    run(scenario())
    assert app.return_code == 0
    archive = tmp_path / "diskette_data.tar.gz"
    manifest = manifest_of(archive)
    assert manifest["datas"] == [
        "data/djangocontribsites.json",
        "data/users.json",
        "data/shop-catalog.json",
        "data/everything-else.json",
    ]
    assert not manifest["storages"]
    assert [item.name for item in app.written_plan.selected_definitions] == [
        "django.contrib.sites",
        "Users",
        "Shop catalog",
        "Everything else",
    ]


def test_confirm_writes_the_whole_selection(session, tmp_path):
    app = make_app(session, tmp_path)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("n", "a")  # none, then all again
            await pilot.press("tab", "space")  # untick the "media" storage
            await pilot.pause()
            assert "20 files" in summary_text(app)
            await pilot.press("d", "y")
            await settle(pilot, lambda: isinstance(app.screen, ResultScreen))
            await pilot.press("q")
            await pilot.pause()

    run(scenario())
    assert app.return_code == 0
    manifest = manifest_of(tmp_path / "diskette_data_storages.tar.gz")
    assert len(manifest["datas"]) == 5
    assert manifest["storages"] == ["private"]
    with tarfile.open(tmp_path / "diskette_data_storages.tar.gz") as tar:
        names = tar.getnames()
    assert not any(name.startswith("media") for name in names)
    assert "private/invoices/invoice-2024-0001.pdf" in names


def test_cancel_in_confirmation_writes_nothing(session, tmp_path):
    app = make_app(session, tmp_path)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmationModal)
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, PreviewScreen)
            await pilot.press("d", "escape")
            await pilot.pause()
            assert isinstance(app.screen, PreviewScreen)
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0
    assert list(tmp_path.iterdir()) == []


def test_check_mode_offers_no_write(session, tmp_path):
    app = make_app(session, tmp_path, read_only=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            actions = {binding.action for _key, binding, enabled, _tip in _footer(app)}
            assert "dump" not in actions
            assert "quit_preview" in actions
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, PreviewScreen)
            assert "would write" in summary_text(app)
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0
    assert list(tmp_path.iterdir()) == []


def _footer(app):
    """The bindings the footer shows: (key, binding, enabled, tooltip)."""
    return [
        (key, active.binding, active.enabled, active.tooltip)
        for key, active in app.screen.active_bindings.items()
        if active.binding.show
    ]


def test_failing_dump_shows_error_and_exits_1(session, tmp_path):
    def execute(plan, progress):
        raise DumpFailed(problems=["cannot write /nowhere: disk full"])

    app = make_app(session, tmp_path, execute=execute)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("d", "y")
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            assert app.screen.problems == ["cannot write /nowhere: disk full"]
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 1


def test_destination_that_is_a_file_fails_cleanly(session, tmp_path):
    blocker = tmp_path / "dumps"
    blocker.write_text("not a folder")
    app = make_app(session, blocker)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("d", "y")
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            assert "destination is not a folder" in app.screen.problems[0]
            await pilot.press("enter")

    run(scenario())
    assert app.return_code == 1


def test_plan_failure_shows_problems_and_exits_1(session, tmp_path):
    def load_plan(progress, is_cancelled):
        raise ConfigError(problems=["storage 'media' does not exist", "unknown label 'x.Y'"])

    app = make_app(session, tmp_path, load_plan=load_plan)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            assert app.screen.problems == ["storage 'media' does not exist", "unknown label 'x.Y'"]
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 1


def test_cancel_while_writing_leaves_no_archive(session, tmp_path):
    _config, dumper = session

    def execute(plan, progress):
        def slow(update):
            progress(update)
            time.sleep(0.15)  # gives the test time to ask for a cancel

        return dumper.execute(plan, progress=slow, chmod=0o600)

    app = make_app(session, tmp_path, execute=execute)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("d", "y")
            await pilot.pause(0.1)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmationModal)
            await pilot.press("y")
            await settle(pilot, lambda: app.return_code is not None)

    run(scenario())
    assert app.return_code == 130
    assert list(tmp_path.iterdir()) == []


def test_filter_and_excluded_toggle(session, tmp_path):
    app = make_app(session, tmp_path, read_only=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            tree = app.preview.query_one(StorageTree)
            labels = lambda: [str(node.label) for node in _walk(tree.root)]  # noqa: E731
            assert any("excluded by cache/" in label for label in labels())
            await pilot.press("x")
            await pilot.pause()
            assert not any("excluded by" in label for label in labels())
            await pilot.press("slash", *"invoice-2024-0007")
            await pilot.pause()
            files = [label for label in labels() if label.startswith("invoice-")]
            assert len(files) == 1 and "invoice-2024-0007.pdf" in files[0]
            await pilot.press("escape")
            await pilot.pause()
            assert tree.match == ""
            await pilot.press("q")

    run(scenario())


def _walk(node):
    for child in node.children:
        yield child
        yield from _walk(child)


def test_big_storage_is_built_lazily(session, tmp_path):
    """100,000 files: the tree holds a few nodes until folders are opened."""
    _config, dumper = session
    entries = tuple(
        StorageEntry(Path(f"/big/d{i % 100:02d}/f{i}.bin"), f"big/d{i % 100:02d}/f{i}.bin", "file", i)
        for i in range(100_000)
    )
    big = StoragePlan(Path("/big"), "big", entries)

    def load_plan(progress, is_cancelled):
        plan = dumper.plan(destination=tmp_path, scan=False, count_rows=True)
        return dataclasses.replace(plan, storages=(big,))

    app = make_app(session, tmp_path, load_plan=load_plan, read_only=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            tree = app.preview.query_one(StorageTree)
            assert len(list(_walk(tree.root))) == 101  # the storage and its 100 folders
            assert "100,000 files" in summary_text(app)
            started = time.monotonic()
            await pilot.press("tab", "down", "enter")  # open d00: 1,000 files
            await pilot.pause()
            assert time.monotonic() - started < 2
            assert len(list(_walk(tree.root))) == 101 + 1000
            await pilot.press("q")

    run(scenario())


def test_storage_index_totals():
    entries = (
        StorageEntry(Path("/m/a"), "media/a", "dir"),
        StorageEntry(Path("/m/a/x.png"), "media/a/x.png", "file", 10),
        StorageEntry(Path("/m/a/b/y.png"), "media/a/b/y.png", "file", 5),
        StorageEntry(Path("/m/z.txt"), "media/z.txt", "file", 1),
    )
    index = build_storage_index(StoragePlan(Path("/m"), "media", entries))
    assert (index.file_count, index.size) == (3, 16)
    assert (index.folders["a"].file_count, index.folders["a"].size) == (2, 15)
    assert index.folders["a"].folders["b"].arcname == "media/a/b"
    filtered = build_storage_index(StoragePlan(Path("/m"), "media", entries), match="Y.PNG")
    assert filtered.file_count == 1 and list(filtered.folders) == ["a"]


# --- snapshots ------------------------------------------------------------------------

FIXED_RESULT = ArchiveResult(
    path=SNAPSHOT_DESTINATION / "diskette_data_storages.tar.gz",
    size=836_380,
    sha256="7074d850de038dc1c8bb1aafe0bc0b45bdd527a7e24c4cfc5ab8cd77502ebf63",
    objects={
        "data/djangocontribsites.json": 1,
        "data/users.json": 8,
        "data/shop-catalog.json": 260,
        "data/shop-orders.jsonl": 539,
        "data/everything-else.json": 10,
    },
    files=71,
    manifest={},
    duration=0.334,
)


def test_snapshot_preview(session, snap_compare):
    app = make_app(session, SNAPSHOT_DESTINATION)
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded, press=["down"])


def test_snapshot_confirmation(session, snap_compare):
    app = make_app(session, SNAPSHOT_DESTINATION)
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded, press=["d"])


def test_snapshot_result(session, snap_compare):
    app = make_app(session, SNAPSHOT_DESTINATION, execute=lambda plan, progress: FIXED_RESULT)

    async def write(pilot):
        await loaded(pilot)
        await pilot.press("d", "y")
        await settle(pilot, lambda: isinstance(pilot.app.screen, ResultScreen))

    assert snap_compare(app, terminal_size=SIZE, run_before=write)
