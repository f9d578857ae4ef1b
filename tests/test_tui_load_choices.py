"""The load preview is as interactive as the dump preview (issue 11).

On a real archive of the demo: ``space`` ticks the data file under the cursor
(``exclude_data``) or, on a storage's line in the tree, that storage
(``exclude_storages``), ``a``/``n`` all or none, ``D``/``S`` data and storages on
or off, ``m``/``M`` switch the data and storage modes. Each choice plans the
load again with the real Loader, everything shown follows, and ``l`` loads
exactly the plan shown.
"""

from __future__ import annotations

from diskette_tui.tui.screens import ErrorScreen, LoadedScreen
from diskette_tui.tui.screens.load_confirm import LoadConfirmation
from diskette_tui.tui.widgets.archive_facts import ArchiveFacts
from diskette_tui.tui.widgets.archive_tree import ArchiveTree
from diskette_tui.tui.widgets.data_files import DataFiles
from tests.test_archive_tui import (  # noqa: F401
    SIZE,
    demo_archive,
    load_app,
    modal_text,
    rendered,
    run,
    settle,
    shown,
    tree_labels,
)


def decision(app, name: str) -> str:
    return str(app.screen.query_one(DataFiles).get_row(name)[0])


async def press_and_replan(pilot, key: str) -> None:
    """Press ``key`` and wait for the new plan to be shown."""
    before = pilot.app.browser.view
    await pilot.press(key)
    await settle(pilot, lambda: pilot.app.browser.view is not before)


def test_data_files_tick_on_and_off_and_the_plan_follows(demo_archive, tmp_path):  # noqa: F811
    app = load_app(demo_archive, tmp_path / "base", with_data=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            table = app.screen.query_one(DataFiles)
            assert app.focused is table
            assert decision(app, "data/users.json") == "✓ load"
            table.move_cursor(row=table.get_row_index("data/users.json"))
            notes = app.screen.query_one("#load-plan")
            assert "users.json" in rendered(notes).split("skipped")[0]

            await press_and_replan(pilot, "space")
            assert app.request.exclude_data == ("data/users.json",)
            assert decision(app, "data/users.json") == "skip (excluded)"
            assert "skipped: users.json (excluded)" in rendered(notes)
            assert table.cursor_row == table.get_row_index("data/users.json")

            await press_and_replan(pilot, "space")
            assert app.request.exclude_data == ()
            assert decision(app, "data/users.json") == "✓ load"

            await press_and_replan(pilot, "n")
            plan = app.browser.view.plan
            assert plan.selected_datas == () and plan.with_data
            assert all(decision(app, item.name).startswith("skip") for item in plan.datas)

            await press_and_replan(pilot, "a")
            plan = app.browser.view.plan
            assert len(plan.selected_datas) == len(plan.datas)

            await press_and_replan(pilot, "D")
            assert not app.browser.view.plan.with_data
            assert table.has_class("-off")
            assert "not loaded" in rendered(notes)
            await press_and_replan(pilot, "D")
            assert app.browser.view.plan.with_data and not table.has_class("-off")

            facts = app.screen.query_one(ArchiveFacts)
            assert "mode merge" in rendered(facts)
            await press_and_replan(pilot, "m")
            assert app.browser.view.plan.request.data_mode == "replace"
            assert "mode replace" in rendered(facts)
            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, LoadConfirmation)
            assert "users.json" in modal_text(app)
            await pilot.press("n", "q")

    run(scenario())
    assert app.return_code == 1


def test_storages_on_off_and_their_mode_switch(demo_archive, tmp_path):  # noqa: F811
    basepath = tmp_path / "base"
    (basepath / "media").mkdir(parents=True)
    (basepath / "media" / "mine.txt").write_text("mine")
    calls = []

    def execute(plan, progress):
        """Record the plan the app loads, then fail (nothing is written)."""
        calls.append(plan)
        raise RuntimeError("recorded")

    app = load_app(demo_archive, basepath, execute=execute)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            tree = app.screen.query_one(ArchiveTree)
            assert "merge, 0 of 1 overwritten" in tree_labels(tree)[0]
            footer = app.screen.query_one("KeyFooter")
            assert {"M", "m", "S", "D"} <= {key for key, *_ in footer.shown}

            await press_and_replan(pilot, "M")
            assert app.browser.view.plan.storages_mode == "replace"
            assert "replace" in tree_labels(tree)[0]
            assert "replace" in rendered(app.screen.query_one("#load-plan"))

            await press_and_replan(pilot, "D")  # data on
            await press_and_replan(pilot, "S")  # storages off: a load of data only
            plan = app.browser.view.plan
            assert plan.with_data and not plan.with_storages and tree.has_class("-off")

            await pilot.press("l")
            await pilot.pause()
            await pilot.press("y")
            await settle(pilot, lambda: isinstance(app.screen, ErrorScreen))
            await pilot.press("q")

    run(scenario())
    (plan,) = calls
    assert plan.with_data and not plan.with_storages and plan.storages_mode == "replace"
    assert (basepath / "media" / "mine.txt").read_text() == "mine"


def test_turning_off_the_last_part_is_refused_with_a_note(demo_archive, tmp_path):  # noqa: F811
    app = load_app(demo_archive, tmp_path / "base")  # data off already

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            view = app.browser.view
            await pilot.press("S")
            await settle(pilot)
            assert app.browser.view is view and app.request.with_storages
            assert any("leave nothing to load" in n.message for n in app._notifications)

    run(scenario())


def storage_node(tree: ArchiveTree, name: str):
    return next(node for node in tree.root.children if node.data.arcname == name)


def test_each_storage_ticks_on_and_off_and_the_load_leaves_it_alone(demo_archive, tmp_path):  # noqa: F811
    basepath = tmp_path / "base"
    app = load_app(demo_archive, basepath)  # data off: storages only, the real Loader

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            tree = app.screen.query_one(ArchiveTree)
            tree.focus()
            tree.move_cursor(storage_node(tree, "private"), animate=False)
            await pilot.pause()
            await press_and_replan(pilot, "space")
            assert app.request.exclude_storages == ("private",)
            plan = app.browser.view.plan
            assert [item.name for item in plan.selected_storages] == ["media"]
            assert "skip (excluded)" in str(storage_node(tree, "private").label)
            assert "skipped: private (excluded)" in rendered(app.screen.query_one("#load-plan"))

            # The last storage off, with data off: refused, nothing re-planned.
            tree.move_cursor(storage_node(tree, "media"), animate=False)
            await pilot.pause()
            view = app.browser.view
            await pilot.press("space")
            await settle(pilot)
            assert app.browser.view is view and app.request.exclude_storages == ("private",)
            assert any("leave nothing to load" in n.message for n in app._notifications)

            await pilot.press("l")
            await pilot.pause()
            assert isinstance(app.screen, LoadConfirmation)
            await pilot.press("y")
            await settle(pilot, lambda: isinstance(app.screen, LoadedScreen))
            await pilot.press("q")

    run(scenario())
    assert app.return_code == 0
    assert [item.name for item in app.loaded_plan.selected_storages] == ["media"]
    assert any((basepath / "media").rglob("*"))
    assert not (basepath / "private").exists()


def test_a_storage_ticked_off_then_on_again(demo_archive, tmp_path):  # noqa: F811
    app = load_app(demo_archive, tmp_path / "base", with_data=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await shown(pilot)
            tree = app.screen.query_one(ArchiveTree)
            tree.focus()
            tree.move_cursor(storage_node(tree, "media"), animate=False)
            await pilot.pause()
            await press_and_replan(pilot, "space")
            assert app.request.exclude_storages == ("media",)
            await press_and_replan(pilot, "space")
            assert app.request.exclude_storages == ()
            assert len(app.browser.view.plan.selected_storages) == 2

    run(scenario())
