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
from textual.worker import WorkerFailed
from textual.widgets import OptionList

from diskette_tui.config import load_config
from diskette_tui.core.archive import ArchiveResult
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.plan import StorageEntry, StoragePlan
from diskette_tui.core.progress import ProgressUpdate
from diskette_tui.core.requests import DumpRequest
from diskette_tui.exceptions import ConfigError, DumpFailed
from diskette_tui.tui.dump_app import DumpApp
from diskette_tui.tui.folders import build_storage_index
from diskette_tui.tui.screens import ConfirmationModal, ErrorScreen, PreviewScreen, ResultScreen
from diskette_tui.tui.widgets import DefinitionList, StorageTree, SummaryBar
from diskette_tui.tui.widgets.storage_tree import TREE_ROW_LIMIT
from diskette_tui.tui.widgets.summary_bar import display_path, summarize

SIZE = (120, 36)
#: Where snapshot apps "would write": never created, so nothing says "replaces it".
SNAPSHOT_DESTINATION = Path("/srv/backups/diskette")


@pytest.fixture(scope="module")
def session(demo_project):
    """The demo's configuration and its Dumper, built as the command line builds it."""
    config = load_config(demo_project, demo_project / "diskette.toml")
    return config, Dumper.from_config(config)


class Engine:
    """The demo's real Dumper, with ``plan`` or ``execute`` replaced where a test needs it.

    ``plan(request, progress, is_cancelled)`` and ``execute(plan, progress)``
    take what the app gives the Dumper's own methods.
    """

    def __init__(self, dumper, plan=None, execute=None):
        self.dumper = dumper
        self._plan = plan
        self._execute = execute

    def plan(self, request, progress=None, is_cancelled=None):
        if self._plan is not None:
            return self._plan(request, progress, is_cancelled)
        return self.dumper.plan(request, progress=progress, is_cancelled=is_cancelled)

    def execute(self, plan, progress=None):
        if self._execute is not None:
            return self._execute(plan, progress)
        return self.dumper.execute(plan, progress=progress)


def make_app(session, destination, execute=None, load_plan=None, read_only=False):
    """A DumpApp over the demo, writing to ``destination``."""
    config, dumper = session
    request = DumpRequest.from_config(config, destination=destination, chmod=0o600)
    return DumpApp(
        Engine(dumper, plan=load_plan, execute=execute),
        request,
        read_only=read_only,
        title="diskette — check" if read_only else "diskette — dump preview",
        subtitle="demo_settings · sqlite",
    )


async def settle(pilot, until=lambda: True, timeout=10.0):
    """Let workers finish and messages land, until ``until()`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed:
            pass  # the app handles its workers' errors (on_worker_state_changed)
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
            await pilot.press("tab", "tab", "space")  # untick the "media" storage
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
    _config, dumper = session
    blocker = tmp_path / "dumps"
    blocker.write_text("not a folder")

    def load_plan(request, progress, is_cancelled):
        # Planning refuses such a destination: this plan gets it as if the file
        # had appeared after planning, so that the writer's own check is tested.
        plan = dumper.plan(DumpRequest(tmp_path / "elsewhere"))
        request = dataclasses.replace(plan.request, destination=blocker)
        return dataclasses.replace(plan, request=request)

    app = make_app(session, blocker, load_plan=load_plan)

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
    def load_plan(request, progress, is_cancelled):
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

        return dumper.execute(plan, progress=slow)

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


def _selected_names(plan):
    return [item.name for item in plan.definitions if item.selected]


def test_patterns_toggle_replans_keeps_selection_and_writes_shown_plan(session, tmp_path):
    app = make_app(session, tmp_path)

    async def replan(pilot):
        patterns = app.preview.plan.with_storages_excludes
        await pilot.press("e")
        await settle(
            pilot,
            lambda: (
                not app.preview.reloading and app.preview.plan.with_storages_excludes != patterns
            ),
        )

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            tree = app.preview.query_one(StorageTree)
            first = app.preview.plan
            assert first.with_storages_excludes
            assert any(e.arcname == "media/cache" for s in first.storages for e in s.excluded)
            await pilot.press("down", "down", "down", "space", "x")  # untick Shop orders
            await pilot.press("tab", "tab", "down", "down", "enter")  # open media/pictures
            await pilot.press("shift+tab", "shift+tab")
            await pilot.pause()
            chosen = _selected_names(app.preview.plan)
            assert "Shop orders" not in chosen and len(chosen) == 4

            await replan(pilot)  # patterns off: nothing excluded, more files
            off = app.preview.plan
            assert not off.with_storages_excludes
            assert not any(storage.excluded for storage in off.storages)
            assert off.files > first.files
            cache = [e.arcname for s in off.storages for e in s.entries if "/cache/" in e.arcname]
            assert "media/cache/thumb-01.png" in cache
            assert _selected_names(off) == chosen
            assert not tree.show_excluded and "media/pictures" in tree._expanded
            assert isinstance(app.focused, DefinitionList)
            assert f"{off.files} files" in summary_text(app)
            assert "patterns off" in summary_text(app) and "patterns off" in tree.border_subtitle
            assert f"{len(chosen)} of 5 definitions" in summary_text(app)

            await replan(pilot)  # patterns on again: the first plan's storages
            back = app.preview.plan
            assert back.with_storages_excludes
            assert back.files == first.files and back.storages == first.storages
            assert _selected_names(back) == chosen
            assert "patterns off" not in summary_text(app)

            await pilot.press("S")  # storages off survives a re-plan too
            await replan(pilot)
            assert not app.preview.plan.with_storages
            assert not app.preview.plan.with_storages_excludes
            await pilot.press("S", "d", "y")
            await settle(pilot, lambda: isinstance(app.screen, ResultScreen))
            await pilot.press("enter")

    run(scenario())
    assert app.return_code == 0
    assert app.written_plan.files == app.preview.plan.files
    archive = tmp_path / "diskette_data_storages.tar.gz"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "media/cache/thumb-01.png" in names and "media/tmp/upload-1.tmp" in names
    assert "data/shop-orders.jsonl" not in names
    assert len(manifest_of(archive)["datas"]) == 4


def test_patterns_toggle_needs_storages_to_scan(session, tmp_path):
    _config, dumper = session

    def load_plan(request, progress, is_cancelled):
        plan = dumper.plan(DumpRequest(tmp_path, scan=False))
        return dataclasses.replace(plan, storages=())

    app = make_app(session, tmp_path, load_plan=load_plan)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            assert "toggle_patterns" not in {b.action for _k, b, _e, _t in _footer(app)}
            await pilot.press("e")
            await pilot.pause()
            assert not app.preview.reloading
            assert app.preview.plan.with_storages_excludes
            await pilot.press("q")

    run(scenario())


def test_failed_replan_keeps_the_plan_shown(session, tmp_path):
    _config, dumper = session

    def load_plan(request, progress, is_cancelled):
        if not request.with_storages_excludes:
            raise ConfigError(problems=["storage 'media' cannot be read"])
        return dumper.plan(DumpRequest(tmp_path))

    app = make_app(session, tmp_path, load_plan=load_plan)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            before = app.preview.plan
            await pilot.press("e")
            await settle(pilot, lambda: not app.preview.reloading)
            assert isinstance(app.screen, PreviewScreen)
            assert app.preview.plan is before
            assert "5 of 5 definitions" in summary_text(app)
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0


def test_a_highlight_from_a_previous_filter_key_does_not_take_the_app_down(session, tmp_path):
    # Typing fast in a real terminal: the highlight posted when "i" rebuilt the
    # list arrived after "inv" had emptied it, and SelectionList raised
    # OptionDoesNotExist (the app closed on a traceback).
    app = make_app(session, tmp_path, read_only=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            definitions = app.preview.query_one(DefinitionList)
            stale = definitions.get_option_at_index(0)
            await pilot.press("slash", *"inv")
            await pilot.pause()
            assert definitions.option_count == 0
            definitions.post_message(OptionList.OptionHighlighted(definitions, stale, 0))
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert len(definitions.listed_names) == 5
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0


def test_filter_narrows_definitions_and_keeps_hidden_selection(session, tmp_path):
    app = make_app(session, tmp_path)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            definitions = app.preview.query_one(DefinitionList)
            await pilot.press("slash", *"SHOP")
            await pilot.pause()
            assert definitions.listed_names == {"Shop catalog", "Shop orders"}
            assert "filter: SHOP" in definitions.border_title
            await pilot.press("backspace", "backspace", "backspace", "backspace", *"orders")
            await pilot.pause()
            assert definitions.listed_names == {"Shop orders"}
            await pilot.press("enter")  # keep the filter: keys act again
            definitions.focus()
            await pilot.press("space")  # untick Shop orders, the only one listed
            await pilot.pause()
            assert _selected_names(app.preview.plan) == [
                "django.contrib.sites",
                "Users",
                "Shop catalog",
                "Everything else",
            ]
            await pilot.press("escape")  # clear the filter: every definition is back
            await pilot.pause()
            assert len(definitions.listed_names) == 5
            assert set(definitions.selected) == set(_selected_names(app.preview.plan))
            assert "4 of 5 definitions" in summary_text(app)
            await pilot.press("q")

    run(scenario())


def test_big_storage_is_built_lazily(session, tmp_path):
    """100,000 files: the tree holds a few nodes until folders are opened."""
    _config, dumper = session
    entries = tuple(
        StorageEntry(
            Path(f"/big/d{i % 100:02d}/f{i}.bin"), f"big/d{i % 100:02d}/f{i}.bin", "file", i
        )
        for i in range(100_000)
    )
    big = StoragePlan(Path("/big"), "big", entries)

    def load_plan(request, progress, is_cancelled):
        plan = dumper.plan(DumpRequest(tmp_path, scan=False))
        return dataclasses.replace(plan, storages=(big,))

    app = make_app(session, tmp_path, load_plan=load_plan, read_only=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            tree = app.preview.query_one(StorageTree)
            assert len(list(_walk(tree.root))) == 101  # the storage and its 100 folders
            assert "100,000 files" in summary_text(app)
            await pilot.press("tab", "tab", "down", "enter")  # open d00: 1,000 files
            await pilot.pause()
            assert len(list(_walk(tree.root))) == 101 + 1000
            await pilot.press("q")

    run(scenario())


def big_storage_app(session, tmp_path, folders=100, files=1000):
    """The preview of one storage of ``folders`` × ``files`` files (entries made up, no disk)."""
    _config, dumper = session
    names = (f"big/d{i // files:03d}/f{i:06d}.bin" for i in range(folders * files))
    entries = tuple(StorageEntry(Path("/" + name), name, "file", 1) for name in names)
    big = StoragePlan(Path("/big"), "big", entries)

    def load_plan(request, progress, is_cancelled):
        plan = dumper.plan(DumpRequest(tmp_path, scan=False))
        return dataclasses.replace(plan, storages=(big,))

    return make_app(session, tmp_path, load_plan=load_plan, read_only=True)


def test_filter_matching_100000_files_keeps_the_tree_bounded(session, tmp_path):
    """Every folder matches: at most TREE_ROW_LIMIT rows, "… more" lines say the rest.

    Clearing the filter does not leave the folders it opened open.
    """
    app = big_storage_app(session, tmp_path)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            tree = app.preview.query_one(StorageTree)
            nodes = lambda: list(_walk(tree.root))  # noqa: E731
            for typed in ("f", "f0", "f00"):  # 100,000, then 100,000, then 10,000 matches
                await pilot.press("slash", "backspace", "backspace", "backspace", *typed)
                await pilot.pause()
                assert tree.match == typed
                assert 100 < len(nodes()) <= TREE_ROW_LIMIT + 1
                more = [str(node.label) for node in nodes() if str(node.label).startswith("…")]
                assert more and "more file" in more[0] and "narrow the filter" in more[0]
                assert tree.indexes["big"].file_count == (10_000 if typed == "f00" else 100_000)
            await pilot.press("1")  # f001: the 1,000 files of d001, more than the bound
            await pilot.pause()
            shown = [str(node.label) for node in nodes() if str(node.label).startswith("f001")]
            assert 0 < len(shown) < 1000 and len(nodes()) <= TREE_ROW_LIMIT + 1
            await pilot.press("escape")
            await pilot.pause()
            assert tree.match == "" and len(nodes()) == 101  # nothing left open
            assert not tree._expanded
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


def test_cli_preview_starts_from_the_request_and_e_replaces_it(demo_project, tmp_path, monkeypatch):
    """``run_preview_app`` starts from --no-storages-excludes; ``e`` re-plans a changed request."""
    from diskette_tui import cli, tui

    captured = {}

    def run_preview(dumper, request, **options):
        captured.update(dumper=dumper, request=request)
        return 0

    monkeypatch.setattr(tui, "run_preview", run_preview)
    monkeypatch.chdir(demo_project)
    session = cli.open_session(
        cli.Shared(config=demo_project / "diskette.toml"), destination=tmp_path
    )
    no_storages_excludes = True
    request = DumpRequest.from_config(
        session.config, with_storages_excludes=not no_storages_excludes
    )
    assert cli.run_preview_app(session, request, True) == 0
    dumper, given = captured["dumper"], captured["request"]
    assert dumper is session.dumper and given == request

    initial = dumper.plan(given)
    assert not initial.with_storages_excludes
    assert not any(storage.excluded for storage in initial.storages)
    applied = dumper.plan(dataclasses.replace(given, with_storages_excludes=True))
    assert applied.with_storages_excludes and applied.files < initial.files


def test_display_path_keeps_the_name():
    path = Path("/srv/backups/diskette/diskette_data_storages.tar.gz")
    assert display_path(path, cwd=Path("/work")) == str(path)
    assert (
        display_path(path, 60, cwd=Path("/srv")) == "backups/diskette/diskette_data_storages.tar.gz"
    )
    assert display_path(path, 45, cwd=Path("/work")) == "…/diskette/diskette_data_storages.tar.gz"
    assert display_path(path, 35, cwd=Path("/work")) == "…/diskette_data_storages.tar.gz"
    assert display_path(path, 10, cwd=Path("/work")) == "diskette_data_storages.tar.gz"


def test_summary_fits_one_line_at_120_columns(session):
    _config, dumper = session
    plan = dumper.plan(DumpRequest(Path("/var/lib/some/long/backup/folder")))
    width = SIZE[0] - 2  # the summary's padding
    for shown in (
        plan,
        plan.select(with_storages_excludes=False),
        plan.select(with_data=False),
    ):
        text = summarize(shown, width=width)
        assert text.cell_len <= width, text.plain
        assert text.plain.endswith(shown.filename)
    full = summarize(plan, width=width).plain
    # The demo's references to permissions and content types are remapped: no warning.
    assert full.startswith("5 of 5 definitions")
    orders = plan.select(definitions=["Shop orders"])
    warned = summarize(orders, width=width).plain
    assert warned.startswith(f"⚠ {orders.totals.warnings} warnings · 1 of 5 definitions")
    assert full.endswith("/folder/diskette_data_storages.tar.gz")
    assert "patterns off" in summarize(plan.select(with_storages_excludes=False), width=width).plain


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


# --- user text is never markup ----------------------------------------------------------

#: Definition names that rich/Textual markup would swallow, break or crash on.
HOSTILE_NAMES = {"Users": "Users [red]ALERT[/red]", "Shop catalog": "A[/b]"}


def screen_text(app) -> str:
    """What the current screen shows, as plain lines (its compositor's)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def hostile_app(demo_project, tmp_path):
    """The demo's preview, its definitions named in markup; "A[/b]" dumps to ``[b]x.json``."""
    text = (demo_project / "diskette.toml").read_text()
    for old, new in (
        ('name = "Users"', f'name = "{HOSTILE_NAMES["Users"]}"'),
        ('name = "Shop catalog"', f'name = "{HOSTILE_NAMES["Shop catalog"]}"'),
        ('"shop-catalog.json"', '"[b]x.json"'),
        ('pythonpath = "."', f'pythonpath = "{demo_project}"'),
        (
            'storages = ["media", "private"]',
            f'storages_basepath = "{demo_project}"\n'
            f'storages = ["{demo_project}/media", "{demo_project}/private"]',
        ),
    ):
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "hostile.toml").write_text(text)
    config = load_config(demo_project, tmp_path / "hostile.toml")
    dumper = Dumper.from_config(config)

    def load_plan(request, progress, is_cancelled):
        progress(ProgressUpdate("plan", "A[/b]", 0, 5))  # the scan view names it
        return dumper.plan(request, progress=progress, is_cancelled=is_cancelled)

    return make_app((config, dumper), tmp_path / "dumps", load_plan=load_plan)


def test_markup_in_names_and_in_the_filter_is_shown_as_typed(demo_project, tmp_path):
    app = hostile_app(demo_project, tmp_path)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("down")  # highlight "Users [red]ALERT[/red]": the detail's title
            await pilot.pause()
            text = screen_text(app)
            assert text.count("Users [red]ALERT[/red]") == 2 and "A[/b]" in text
            await pilot.press("down")
            await pilot.pause()
            assert screen_text(app).count("A[/b]") == 2
            await pilot.press("slash", "[", "/")  # was: MarkupError, the app gone
            await pilot.pause()
            definitions = app.preview.query_one(DefinitionList)
            assert definitions.listed_names == set(HOSTILE_NAMES.values())
            assert "Definitions  filter: [/" in screen_text(app)
            assert "Storages  filter: [/" in screen_text(app)
            await pilot.press("escape", "d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmationModal)
            assert "Users [red]ALERT[/red], A[/b]" in screen_text(app)
            await pilot.press("y")
            await settle(pilot, lambda: isinstance(app.screen, ResultScreen))
            assert "data/[b]x.json" in screen_text(app)
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0
    archive = tmp_path / "dumps" / "diskette_data_storages.tar.gz"
    assert "data/[b]x.json" in manifest_of(archive)["datas"]


def test_markup_in_problems_is_shown_as_written(session, tmp_path):
    problems = ["boom [/x]", "no [tool.diskette] in pyproject.toml", "Users [red]ALERT[/red]"]

    def load_plan(request, progress, is_cancelled):
        raise ConfigError(problems=problems)

    app = make_app(session, tmp_path, load_plan=load_plan)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            text = screen_text(app)
            assert all(f"✗ {problem}" in text for problem in problems)
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 1


def test_markup_in_a_failed_replan_is_notified_as_written(session, tmp_path):
    _config, dumper = session

    def load_plan(request, progress, is_cancelled):
        if not request.with_storages_excludes:
            raise ConfigError(problems=["storage '[/media' cannot be read"])
        return dumper.plan(request)

    app = make_app(session, tmp_path, load_plan=load_plan)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("e")
            await settle(pilot, lambda: not app.preview.reloading)
            await pilot.pause()
            notified = [(note.message, note.markup) for note in app._notifications]
            assert notified == [("storage '[/media' cannot be read", False)]
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0


# --- 80×24 and the confirmation ----------------------------------------------------------

SMALL = (80, 24)


def test_preview_at_80x24_keeps_units_quit_and_a_whole_dialog(session, tmp_path):
    app = make_app(session, tmp_path)

    async def scenario():
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            lines = screen_text(app).splitlines()
            media = next(line for line in lines if "[x] media" in line)
            assert media.rstrip(" │").endswith(" kB")  # the unit is not cut off
            assert "q Quit" in lines[-1] and "d Dump" in lines[-1]
            await pilot.press("d")
            await pilot.pause()
            dialog = app.screen.query_one("#dialog")
            cancel = app.screen.query_one("#no")
            assert dialog.region.right <= SMALL[0] and cancel.region.right <= SMALL[0]
            text = screen_text(app)
            assert "Cancel (n)" in text
            body = app.screen.query_one("#dialog-body").content_region
            lines = text.splitlines()[body.y : body.bottom]
            folded = "".join(line[body.x : body.right].strip() for line in lines)
            assert str(tmp_path / "diskette_data_storages.tar.gz") in folded  # whole, folded
            await pilot.press("escape", "q")

    run(scenario())
    assert app.return_code == 0 and list(tmp_path.iterdir()) == []


def test_confirmation_at_200_columns_shows_a_long_archive_path_whole(session, tmp_path):
    destination = tmp_path / "a-rather-long-folder-name" / "and-another-one"
    app = make_app(session, destination)

    async def scenario():
        async with app.run_test(size=(200, 40)) as pilot:
            await loaded(pilot)
            await pilot.press("d")
            await pilot.pause()
            path = str(destination / "diskette_data_storages.tar.gz")
            assert len(path) > 84
            assert path in screen_text(app)  # on one line, not cut
            assert app.screen.query_one("#dialog").region.right <= 200
            await pilot.press("escape", "q")

    run(scenario())


def test_result_at_80x24_shows_the_whole_sha256(session):
    app = make_app(session, SNAPSHOT_DESTINATION, execute=lambda plan, progress: FIXED_RESULT)

    async def scenario():
        async with app.run_test(size=SMALL) as pilot:
            await loaded(pilot)
            await pilot.press("d", "y")
            await settle(pilot, lambda: isinstance(app.screen, ResultScreen))
            text = screen_text(app)
            assert FIXED_RESULT.sha256 in text
            assert str(FIXED_RESULT.path) in text
            assert "836.4 kB  (836,380 bytes)" in text
            assert "q Quit" in text.splitlines()[-1]
            await pilot.press("q")

    run(scenario())
    assert app.result is FIXED_RESULT


def test_ctrl_c_in_the_confirmation_cancels_as_escape(session, tmp_path):
    app = make_app(session, tmp_path)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmationModal)
            await pilot.press("ctrl+c")
            await pilot.pause()
            assert isinstance(app.screen, PreviewScreen)
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0 and list(tmp_path.iterdir()) == []


def test_ctrl_c_twice_while_writing_stops(session, tmp_path):
    _config, dumper = session

    def execute(plan, progress):
        def slow(update):
            progress(update)
            time.sleep(0.15)  # gives the test time to press ctrl+c

        return dumper.execute(plan, progress=slow)

    app = make_app(session, tmp_path, execute=execute)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("d", "y")
            await pilot.pause(0.1)
            await pilot.press("ctrl+c")  # "Stop writing?"
            await pilot.pause()
            assert isinstance(app.screen, ConfirmationModal)
            await pilot.press("ctrl+c")  # yes, stop
            await settle(pilot, lambda: app.return_code is not None)

    run(scenario())
    assert app.return_code == 130
    assert list(tmp_path.iterdir()) == []


def test_dump_from_the_preview_prints_the_dump_yes_summary_once_closed(
    demo_project, tmp_path, monkeypatch, capsys
):
    """``run_preview_app`` hands the preview a callback that prints ``render_result``."""
    from diskette_tui import cli, tui

    def run_preview(dumper, request, *, written=None, **options):
        assert written is not None
        written(FIXED_RESULT)  # what run_preview does once the app has closed
        return 0

    monkeypatch.setattr(tui, "run_preview", run_preview)
    monkeypatch.chdir(demo_project)
    session = cli.open_session(cli.Shared(config=demo_project / "diskette.toml"))
    request = DumpRequest.from_config(session.config)
    assert cli.run_preview_app(session, request, read_only=False) == 0
    err = capsys.readouterr().err
    assert f"Wrote {FIXED_RESULT.path}" in err
    assert "size    836.4 kB (836,380 bytes)" in err
    assert f"sha256  {FIXED_RESULT.sha256}" in err

    def quiet_preview(dumper, request, *, written=None, **options):
        written(FIXED_RESULT)  # -q: only the files left out while writing (none here)
        return 0

    monkeypatch.setattr(tui, "run_preview", quiet_preview)
    assert cli.run_preview_app(session, request, read_only=False, verbosity=0) == 0
    assert capsys.readouterr().err == ""
