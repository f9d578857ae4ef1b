"""The archive app (``inspect`` and ``load`` on a terminal), driven with Pilot.

Real archives, real engine. Loads that succeed in-process restore storages
only (``--no-data``) into a temporary folder: the session's demo database is
shared by every in-process test and must not change. Pilot tests run their
coroutine with ``asyncio.run``. The snapshot reads the committed diskette
0.6.0 archive through a relative path, so that nothing in it depends on where
the checkout lives.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.worker import WorkerFailed
from typer.testing import CliRunner

import diskette_tui.cli
import diskette_tui.cli_common
import diskette_tui.tui
from archives import HOSTILE, build, good_members, member
from diskette_tui import cli_restore
from diskette_tui.cli import app as cli_app
from diskette_tui.core import reader
from diskette_tui.core.restore import Loader, LoadRequest
from diskette_tui.core.progress import no_progress
from diskette_tui.exceptions import ArchiveError
from diskette_tui.tui.inspect_app import InspectApp
from diskette_tui.tui.load_app import LoadApp
from diskette_tui.tui.screens.archive import ArchiveScreen
from diskette_tui.tui.screens.error import ErrorScreen
from diskette_tui.tui.screens.load_confirm import LoadConfirmation
from diskette_tui.tui.screens.loaded import LoadedScreen
from diskette_tui.tui.screens.loading import LoadingScreen
from diskette_tui.tui.widgets.archive_facts import ArchiveFacts
from diskette_tui.tui.widgets.archive_tree import ArchiveTree
from diskette_tui.tui.widgets.data_files import DataFiles

SIZE = (120, 36)
FIXTURE = Path(__file__).parent / "fixtures" / "diskette-0.6.0" / "demo-diskette-0.6.0.tar.gz"
DATABASE = "sqlite database /srv/site/db.sqlite3"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_archive(demo_project, tmp_path_factory) -> Path:
    """An archive of the session demo, written by ``diskette dump``."""
    destination = tmp_path_factory.mktemp("archive-tui-dumps")
    result = runner.invoke(cli_app, ["dump", "--demo", "--yes", "-q", "-d", str(destination)])
    assert result.exit_code == 0, result.output
    (archive,) = destination.glob("*.tar.gz")
    return archive


def run(coroutine):
    return asyncio.run(coroutine)


async def settle(pilot, until=lambda: True, timeout=15.0):
    """Let workers finish and messages land, until ``until()`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(WorkerFailed):  # the app shows the failure: tests look there
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if until():
            return
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await asyncio.sleep(0.02)


async def wait_until(pilot, until, timeout=15.0):
    """Poll ``until()`` without waiting for the workers (one is held on purpose)."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.02)


async def shown(pilot):
    """Wait until the archive (or its load plan) is displayed."""
    await settle(pilot, lambda: pilot.app.browser.loaded)


def inspect_app(path: Path) -> InspectApp:
    return InspectApp(path, title="diskette — inspect", subtitle=path.name, archive_label=path.name)


class ScriptedLoader(Loader):
    """The real Loader; ``execute(plan, progress)`` replaced where a test needs it."""

    def __init__(self, execute=None):
        super().__init__()
        self._execute = execute

    def execute(self, plan, progress=None, using="default"):
        if self._execute is not None:
            return self._execute(plan, progress)
        return super().execute(plan, progress=progress, using=using)


def load_app(archive: Path, basepath: Path, execute=None, **choices) -> LoadApp:
    choices.setdefault("with_data", False)
    return LoadApp(
        ScriptedLoader(execute),
        LoadRequest(archive, basepath, **choices),
        title="diskette — load preview",
        subtitle=archive.name,
        database=DATABASE,
    )


def rendered(widget) -> str:
    """The plain text a Static shows (its content may be any rich renderable)."""
    console = Console(width=240, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def modal_text(app) -> str:
    return rendered(app.screen.query_one("#dialog-body"))


def tree_labels(tree: ArchiveTree) -> list[str]:
    labels = []

    def walk(node):
        for child in node.children:
            labels.append(str(child.label))
            walk(child)

    walk(tree.root)
    return labels


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


# --- inspect ------------------------------------------------------------------------


def test_inspect_shows_data_files_counts_and_storage_tree(demo_archive):
    app = inspect_app(demo_archive)
    contents = reader.scan(demo_archive)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            screen = app.screen
            assert isinstance(screen, ArchiveScreen)
            table = screen.query_one(DataFiles)
            assert table.row_count == len(contents.datas) == 5
            rows = [[str(cell) for cell in table.get_row(name)] for name in contents.datas]
            assert rows[1][:3] == ["users.json", "Users", "8 objects"]
            assert ["shop-catalog.json", "Shop catalog"] == rows[2][:2]
            assert rows[2][2] == f"{contents.data['data/shop-catalog.json'].objects} objects"
            facts = rendered(screen.query_one(ArchiveFacts))
            assert "members match SHA256SUMS" in facts
            assert "every member stays inside its place" in facts
            assert "diskette-tui" in facts
            labels = tree_labels(screen.query_one(ArchiveTree))
            media_files = sum(1 for m in contents.storage_members("media") if m.kind in ("file",))
            assert labels[0].startswith("media/") and f"{media_files} files" in labels[0]
            assert any(label.startswith("pictures/") for label in labels)
            assert any(label.startswith("latest.png → pictures/") for label in labels)
            assert any(label.startswith("private/") and "20 files" in label for label in labels)
            assert "5 data files" in rendered(screen.query_one("#archive-summary"))
            # No load from an inspection.
            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, ArchiveScreen)
            # Folders open on demand.
            await pilot.press("tab")
            assert isinstance(app.focused, ArchiveTree)
            await pilot.press("down", "space")
            await pilot.pause()
            assert any(
                label.startswith("README.txt")
                for label in tree_labels(screen.query_one(ArchiveTree))
            )
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0


@pytest.mark.parametrize("kind", ["truncated", "corrupt-gzip", "no-manifest"])
def test_unreadable_archive_shows_the_error_and_exits_1(tmp_path, kind):
    builder, expected = HOSTILE[kind]
    archive = builder(tmp_path / f"{kind}.tar.gz")
    app = inspect_app(archive)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            text = rendered(app.screen.query_one("#error-problems"))
            assert expected in text
            assert "cannot be read" in str(app.screen.query_one("#error-title").render())
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 1


def test_inspect_says_why_a_load_would_refuse_the_archive(tmp_path):
    builder, expected = HOSTILE["symlink-escape"]
    app = inspect_app(builder(tmp_path / "hostile.tar.gz"))

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            facts = rendered(app.screen.query_one(ArchiveFacts))
            assert "diskette load refuses it" in facts and expected in facts
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0


def test_inspect_reports_checksum_mismatch(tmp_path):
    archive = build(
        tmp_path / "tampered.tar.gz", good_members(), checksums=b"0" * 64 + b"  data/site.json\n"
    )
    app = inspect_app(archive)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            facts = rendered(app.screen.query_one(ArchiveFacts))
            assert "✗ changed: data/site.json" in facts
            await pilot.press("q")

    run(scenario())


# --- load ---------------------------------------------------------------------------


def test_load_preview_confirm_and_load_storages(demo_archive, tmp_path):
    basepath = tmp_path / "base"
    (basepath / "media").mkdir(parents=True)
    (basepath / "media" / "mine.txt").write_text("mine")
    app = load_app(demo_archive, basepath)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            screen = app.screen
            facts = rendered(screen.query_one(ArchiveFacts))
            assert "data not loaded (--no-data)" in facts
            assert str(basepath) in facts and "mode merge" in facts
            table = screen.query_one(DataFiles)
            assert str(table.get_row("data/users.json")[0]) == "skip (--no-data)"
            labels = tree_labels(screen.query_one(ArchiveTree))
            assert "merge, 0 of 1 overwritten" in labels[0]
            assert any(label.startswith("private/") and "new folder" in label for label in labels)
            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, LoadConfirmation)
            body = modal_text(app)
            assert f"into {basepath}" in body
            lines = body.splitlines()
            assert any(
                "media" in line and "merge: 0 of 1 existing overwritten" in line for line in lines
            )
            assert any("private" in line and "new folder" in line for line in lines)
            assert "not loaded (--no-data)" in body
            await pilot.press("y")
            await settle(pilot, lambda: isinstance(app.screen, LoadedScreen))
            text = rendered(app.screen.query_one("#loaded-body"))
            assert "71 files" in text or "files" in text
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0
    contents = reader.scan(demo_archive)
    for storage in ("media", "private"):
        expected = {
            m.name.removeprefix(storage + "/")
            for m in contents.storage_members(storage)
            if m.kind == "file"
        }
        assert expected <= set(files_under(basepath / storage))
    assert (basepath / "media" / "mine.txt").read_text() == "mine"
    assert (basepath / "media" / "latest.png").is_symlink()
    assert not list(basepath.glob(".*diskette-*"))
    assert app.loaded_plan is not None and app.loaded_plan.selected_datas == ()


@pytest.mark.parametrize("keys", [["n"], ["escape"]], ids=["n", "escape"])
def test_declining_writes_nothing_and_exits_1(demo_archive, tmp_path, keys):
    basepath = tmp_path / "base"
    calls = []
    app = load_app(demo_archive, basepath, execute=lambda plan, progress: calls.append(plan))

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, LoadConfirmation)
            await pilot.press("enter")  # the focus is on Cancel: enter never loads
            await pilot.pause()
            assert isinstance(app.screen, ArchiveScreen)
            await pilot.press("l", *keys)
            await pilot.pause()
            assert isinstance(app.screen, ArchiveScreen)
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 1
    assert calls == []
    assert not basepath.exists()


def test_load_preview_with_data_says_where_and_all_or_nothing(demo_archive, tmp_path):
    calls = []
    app = load_app(
        demo_archive,
        tmp_path / "base",
        execute=lambda plan, progress: calls.append(plan),
        with_data=True,
        exclude_data=["Users"],
        storages_mode="replace",
    )

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            table = app.screen.query_one(DataFiles)
            assert str(table.get_row("data/users.json")[0]) == "skip (excluded)"
            assert str(table.get_row("data/shop-catalog.json")[0]) == "✓ load"
            assert DATABASE in rendered(app.screen.query_one(ArchiveFacts))
            await pilot.press("l")
            await pilot.pause()
            body = modal_text(app)
            assert DATABASE in body
            assert "4 files" in body and "shop-catalog.json" in body
            assert "skipped: users.json (excluded)" in body
            assert "All or nothing" in body and "one transaction" in body
            await pilot.press("n", "q")

    run(scenario())
    assert app.return_code == 1 and calls == []


def test_tampered_archive_is_refused_before_anything_is_written(tmp_path):
    archive = build(
        tmp_path / "tampered.tar.gz", good_members(), checksums=b"0" * 64 + b"  data/site.json\n"
    )
    basepath = tmp_path / "base"
    app = load_app(archive, basepath)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            text = rendered(app.screen.query_one("#error-problems"))
            assert "checksum changed: data/site.json" in text
            await pilot.press("l")  # nothing to load from here
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 1
    assert not basepath.exists()


def test_impossible_options_exit_2_from_the_app(demo_archive, tmp_path):
    app = load_app(demo_archive, tmp_path, with_data=True, exclude_data=["nope.json"])

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            assert "nope.json" in rendered(app.screen.query_one("#error-problems"))
            await pilot.press("enter")

    run(scenario())
    assert app.return_code == 2


def test_failing_data_file_rolls_back_and_exits_1(demo_project, tmp_path):
    """A load that fails in the worker thread: the in-process database is unchanged."""
    from django.contrib.sites.models import Site

    from diskette_tui.demo.catalog.models import Tag

    first = [
        {"model": "catalog.tag", "pk": 990101, "fields": {"name": "tui-rollback-probe"}},
        {"model": "sites.site", "pk": 1, "fields": {"domain": "changed.example", "name": "X"}},
    ]
    second = [
        {
            "model": "orders.order",
            "pk": 990102,
            "fields": {"customer": 99999999, "created": "2024-01-01T00:00:00Z", "status": "new"},
        }
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
    app = load_app(archive, tmp_path / "base", with_data=True, with_storages=False)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            await pilot.press("l", "y")
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            problems = rendered(app.screen.query_one("#error-problems"))
            assert "data/second.json" in problems and "rolled back" in problems
            note = rendered(app.screen.query_one("#error-note"))
            assert "database was rolled back" in note
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 1
    assert Site.objects.get(pk=1).domain == "demo.example.com"
    assert not Tag.objects.filter(name="tui-rollback-probe").exists()


def test_stopping_the_load_rolls_back_and_exits_130(demo_archive, tmp_path):
    basepath = tmp_path / "base"
    basepath.mkdir()
    gate = threading.Event()
    loader = Loader()

    def execute(plan, progress):
        def held(update):
            progress(update)
            gate.wait(10)  # hold after each report until the test lets it go

        return loader.execute(plan, progress=held)

    app = load_app(demo_archive, basepath, execute=execute)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            await pilot.press("l", "y")
            await wait_until(pilot, lambda: isinstance(app.screen, LoadingScreen))
            await wait_until(pilot, lambda: app.screen.query_one("#stage-bar").progress > 0)
            await pilot.press("escape")
            await pilot.pause()
            assert "Stop loading?" in str(app.screen.query_one("#question").render())
            await pilot.press("y")
            await pilot.pause()
            gate.set()
            await wait_until(pilot, lambda: app.return_code is not None)

    run(scenario())
    assert app.return_code == 130
    assert list(basepath.iterdir()) == []  # staging removed, nothing swapped in


# --- snapshot -----------------------------------------------------------------------


def test_snapshot_inspect(snap_compare, monkeypatch):
    monkeypatch.chdir(FIXTURE.parent)
    app = inspect_app(Path(FIXTURE.name))
    assert snap_compare(app, terminal_size=SIZE, run_before=shown)


# --- command line ---------------------------------------------------------------------


def test_terminal_inspect_opens_the_app(demo_archive, monkeypatch):
    monkeypatch.setattr(diskette_tui.cli_common, "is_interactive", lambda: True)
    calls = []

    def recorder(archive):
        calls.append(archive)
        return 1

    monkeypatch.setattr(cli_restore, "run_inspect_app", recorder)
    result = runner.invoke(cli_app, ["inspect", str(demo_archive)])
    assert result.exit_code == 1 and calls == [demo_archive]
    # --json stays text, on a terminal too; a missing file is one line, no app.
    result = runner.invoke(cli_app, ["inspect", "--json", str(demo_archive)])
    assert result.exit_code == 0 and json.loads(result.stdout)["members"] > 0
    missing = runner.invoke(cli_app, ["inspect", str(demo_archive.with_name("nope.tar.gz"))])
    assert missing.exit_code == 1 and "archive not found" in missing.stderr
    assert len(calls) == 1


def test_inspect_app_reads_the_archive(demo_archive, monkeypatch):
    """The app is given the archive itself, by its path."""
    monkeypatch.setattr(diskette_tui.cli_common, "is_interactive", lambda: True)
    seen = {}

    def fake_run_inspect(archive, *, title, subtitle=""):
        seen.update(archive=archive, title=title, subtitle=subtitle)
        return 0

    monkeypatch.setattr(diskette_tui.tui, "run_inspect", fake_run_inspect)
    result = runner.invoke(cli_app, ["inspect", str(demo_archive)])
    assert result.exit_code == 0, result.output
    assert seen["archive"] == demo_archive and seen["subtitle"] == demo_archive.name


def test_terminal_load_opens_the_app(demo_project, demo_archive, tmp_path, monkeypatch):
    monkeypatch.setattr(diskette_tui.cli_common, "is_interactive", lambda: True)
    calls = []

    def recorder(request, project):
        calls.append((request, project))
        return 130

    monkeypatch.setattr(cli_restore, "run_load_app", recorder)
    basepath = tmp_path / "base"
    args = ["load", "--demo", "--no-data", "--storages-basepath", str(basepath)]
    result = runner.invoke(cli_app, [*args, "--storages-mode", "replace", str(demo_archive)])
    assert result.exit_code == 130
    ((request, project),) = calls
    assert request.archive == demo_archive and project is not None
    assert request == LoadRequest(
        archive=demo_archive,
        storages_basepath=basepath,
        with_data=False,
        with_storages=True,
        exclude_data=(),
        ignorenonexistent=False,
        storages_mode="replace",
        verify=True,
    )
    # Usage errors and a missing archive are reported before the app opens.
    bad = runner.invoke(cli_app, [*args, "--no-storages", str(demo_archive)])
    assert bad.exit_code == 2
    missing = runner.invoke(cli_app, [*args, str(tmp_path / "nope.tar.gz")])
    assert missing.exit_code == 1 and "archive not found" in missing.stderr
    # --yes does not ask: no app.
    done = runner.invoke(cli_app, [*args, "--yes", "-q", str(demo_archive)])
    assert done.exit_code == 0, done.output
    assert len(calls) == 1
    assert (basepath / "media" / "latest.png").is_symlink()


def test_load_app_plans_with_the_loader_and_executes_the_plan(
    demo_project, demo_archive, tmp_path, monkeypatch
):
    """The app gets a Loader and the request: Loader.plan (checks first), then execute."""
    monkeypatch.setattr(diskette_tui.cli_common, "is_interactive", lambda: True)
    seen = {}

    def fake_run_load(loader, request, *, title, subtitle="", database=""):
        seen.update(title=title, subtitle=subtitle, database=database)
        try:
            plan = loader.plan(request)
        except ArchiveError as exc:
            seen["refused"] = exc.problems
            return 1
        seen["result"] = loader.execute(plan, progress=no_progress)
        return 0

    monkeypatch.setattr(diskette_tui.tui, "run_load", fake_run_load)
    basepath = tmp_path / "base"
    args = ["load", "--demo", "--no-data", "--storages-basepath", str(basepath)]
    result = runner.invoke(cli_app, [*args, str(demo_archive)])
    assert result.exit_code == 0, result.output
    assert seen["result"].files > 0 and (basepath / "private" / "invoices").is_dir()
    assert seen["database"] == ""  # no data, no database
    assert seen["subtitle"] == f"{demo_archive.name} → demo_settings"

    missing = runner.invoke(cli_app, ["load", "--demo", str(tmp_path / "tampered.tar.gz")])
    assert missing.exit_code == 1 and "archive not found" in missing.stderr
    tampered = build(
        tmp_path / "tampered.tar.gz", good_members(), checksums=b"0" * 64 + b"  data/site.json\n"
    )
    seen.clear()
    refused = runner.invoke(cli_app, ["load", "--demo", str(tampered)])
    assert refused.exit_code == 1
    assert seen["refused"][0] == "checksum changed: data/site.json (sha256 differs from SHA256SUMS)"
    assert seen["database"].startswith("sqlite database ") and "result" not in seen
    assert seen["database"].endswith(str(demo_project / "db.sqlite3"))


def test_markup_in_archive_and_target_paths_is_shown_as_written(demo_archive, tmp_path, capsys):
    """Paths holding ``[/`` and ``[b]``: every screen of a load shows them as they are."""
    folder = tmp_path / "[red]in[/red]"
    folder.mkdir(parents=True)
    archive = folder / "[b]demo.tar.gz"
    archive.write_bytes(demo_archive.read_bytes())
    basepath = tmp_path / "[" / "x]" / "base"
    basepath.mkdir(parents=True)
    app = LoadApp(
        ScriptedLoader(),
        LoadRequest(archive, basepath, with_data=False),
        archive_label=str(archive),
        title="diskette — load preview",
        subtitle=archive.name,
        database=DATABASE,
    )

    def screen_text() -> str:
        return "\n".join(strip.text for strip in app.screen._compositor.render_strips())

    async def scenario():
        async with app.run_test(size=(200, 40)) as pilot:
            await shown(pilot)
            assert f"Storages → {basepath}" in screen_text()
            assert str(archive) in screen_text()
            await pilot.press("l")
            await pilot.pause()
            assert f"into {basepath}" in screen_text()
            await pilot.press("y")
            await settle(pilot, lambda: isinstance(app.screen, LoadedScreen))
            assert str(basepath / "media") in screen_text()
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0
    assert "Loaded 71 storage files from [b]demo.tar.gz." in capsys.readouterr().err
