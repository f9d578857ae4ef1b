"""The preview's ``/`` filter: remembered and narrowed results, what a key redraws, GC sweeps.

The speed itself is measured by ``just bench-tui`` (benchmarks/tui_filter.py),
never timed here; these tests pin what the speed-ups must not change.
"""

from __future__ import annotations

import gc
from pathlib import Path

from diskette_tui.core.plan import ExcludedEntry, SkippedLink, StorageEntry, StoragePlan
from diskette_tui.tui.folders import FilteredIndexes, Folder, build_storage_index, filter_index
from diskette_tui.tui.widgets import DefinitionDetail, DefinitionList, KeyFooter, StorageTree
from tests.test_tui import (  # noqa: F401
    SIZE,
    _walk,
    big_storage_app,
    loaded,
    make_app,
    run,
    session,
)


def mixed_storage() -> StoragePlan:
    """Folders whose names match some filters, files in mixed case, links, left-out members."""
    entries = [StorageEntry(Path("/m/D00"), "media/D00", "dir")]
    for folder in ("D00", "d01", "d01/F00", "x"):
        for index in range(12):
            name = f"media/{folder}/F{index:03d}{'.PNG' if index % 3 else '.txt'}"
            entries.append(StorageEntry(Path("/" + name), name, "file", index + 1))
    entries.append(StorageEntry(Path("/m/x/l0"), "media/x/l0", "link", 0, "F001.PNG"))
    excluded = (ExcludedEntry(Path("/m/x/f009.tmp"), "media/x/f009.tmp", "*.tmp"),)
    skipped = (SkippedLink(Path("/m/d01/f00.out"), "media/d01/f00.out", "/etc/x", "leads outside"),)
    return StoragePlan(
        Path("/m"), "media", tuple(entries), excluded=excluded, skipped_links=skipped
    )


def described(folder: Folder) -> tuple:
    """Everything the tree shows of a folder index: members and totals, all the way down."""
    return (
        folder.arcname,
        [entry.arcname for entry in folder.files],
        [entry.arcname for entry in folder.links],
        [member.arcname for member in folder.excluded],
        [member.arcname for member in folder.skipped],
        (folder.file_count, folder.size, folder.excluded_count, folder.skipped_count),
        [described(child) for child in folder.sorted_folders()],
    )


def test_narrowed_and_remembered_filters_give_what_filtering_the_whole_index_gives():
    """Typing narrows the last result, backspace reuses one: neither may change what is found."""
    whole = build_storage_index(mixed_storage())
    filters = FilteredIndexes({"media": whole})
    typed = ["f", "f0", "F00", "f001", "f001.", "f001.png", "f001", "f0", "", "d0", "D01/f"]
    typed += ["d01/f00", "0", "x", "l0", "tmp", ".out", "nothing", "f00"]
    for match in typed:
        expected = filter_index(whole, match)
        assert described(filters.get(match)["media"]) == described(expected), match
    assert filters.get("F001") is filters.get("f001")  # remembered, case-insensitive
    assert filters.get("") is filters.whole
    found = filters.get("f001.png")["media"]
    assert found.file_count == 4 and sorted(found.folders) == ["D00", "d01", "x"]


def test_remembered_filters_are_bounded():
    whole = build_storage_index(mixed_storage())
    filters = FilteredIndexes({"media": whole}, keep=3)
    first = filters.get("f0")
    for match in ("f00", "f001", "f002"):
        filters.get(match)
    assert filters.get("f0") is not first  # forgotten, found again
    assert described(filters.get("f0")["media"]) == described(first["media"])


def test_typing_a_filter_that_lists_the_same_definitions_keeps_the_list(session, tmp_path):  # noqa: F811 (the fixture)
    """A filter that leaves the definitions listed as they were does not rebuild the list."""
    app = make_app(session, tmp_path, read_only=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            definitions = app.preview.query_one(DefinitionList)
            await pilot.press("slash", "s")  # every definition of the demo has an "s"
            await pilot.pause()
            options = [definitions.get_option_at_index(index) for index in range(3)]
            listed = definitions.listed_names
            await pilot.press("backspace", "s")  # the same filter again, typed over
            await pilot.pause()
            assert definitions.listed_names == listed
            assert [definitions.get_option_at_index(i) for i in range(3)] == options
            assert all(
                definitions.get_option_at_index(index) is option
                for index, option in enumerate(options)
            )
            await pilot.press(*"hop")  # "shop": fewer definitions, the list is rebuilt
            await pilot.pause()
            assert definitions.listed_names == {"Shop catalog", "Shop orders"}
            assert "filter: shop" in definitions.border_title
            await pilot.press("escape")
            await pilot.pause()
            assert len(definitions.listed_names) == 5 and definitions.border_title == "Definitions"
            await pilot.press("q")

    run(scenario())


def test_escape_with_a_filter_typed_builds_the_whole_tree_back(session, tmp_path):  # noqa: F811 (the fixture)
    """The filter closes, the tree is whole again and keeps the focus, its title says no filter."""
    app = big_storage_app(session, tmp_path, folders=20, files=50)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            tree = app.preview.query_one(StorageTree)
            tree.focus()
            await pilot.press("slash", *"d007")
            await pilot.pause()
            assert "filter: d007" in str(tree.border_title)
            assert [
                node.data.arcname for node in _walk(tree.root) if isinstance(node.data, Folder)
            ] == ["big/d007"]
            await pilot.press("escape")
            await pilot.pause()
            assert tree.match == "" and tree.has_focus and tree.border_title == "Storages"
            assert not app.preview.query_one("#filter").has_class("-open")
            assert len(list(_walk(tree.root))) == 21  # the storage and its 20 folders
            await pilot.press("q")

    run(scenario())


def test_the_tree_keeps_the_focus_and_bound_letters_type_while_filtering(session, tmp_path):  # noqa: F811 (the fixture)
    """``/`` moves no focus; ``a``, ``n``, ``w``, ``space``, ``x`` type instead of acting.

    ``enter`` or ``tab`` keeps the filter and gives the keys back to the panes; ``/`` types on.
    """
    app = make_app(session, tmp_path, read_only=True)

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            tree = app.preview.query_one(StorageTree)
            definitions = app.preview.query_one(DefinitionList)
            tree.focus()
            await pilot.pause()
            selected = [item.name for item in app.preview.plan.definitions if item.selected]
            shown_excluded = tree.show_excluded
            await pilot.press("slash", "n", "space", "w", "a", "x")
            await pilot.pause()
            assert app.focused is tree and app.preview.filter_text == "n wax"
            footer = app.preview.query_one(KeyFooter)
            assert footer.styles.visibility == "hidden"  # its letters would type
            assert tree.match == "n wax" and "filter: n wax" in str(tree.border_title)
            assert [item.name for item in app.preview.plan.definitions if item.selected] == (
                selected
            )  # neither "a" (all) nor "n" (none) nor space (tick) acted
            assert tree.show_excluded == shown_excluded  # nor "x"
            await pilot.press("backspace", "backspace", "backspace", "backspace")
            await pilot.pause()
            assert app.focused is tree and tree.match == "n"
            await pilot.press("enter")  # kept: the keys are the panes' again
            await pilot.pause()
            assert tree.match == "n" and definitions.match == "n"
            assert footer.styles.visibility == "visible"
            await pilot.press("w")
            await pilot.pause()
            assert app.focused is app.preview.query_one(DefinitionDetail)
            await pilot.press("slash", "o")  # types on from where it was
            await pilot.pause()
            assert tree.match == "no" and app.focused is app.preview.query_one(DefinitionDetail)
            await pilot.press("tab")  # another pane: the filter is kept, the keys act again
            await pilot.pause()
            assert not app.preview.typing and tree.match == "no"
            await pilot.press("slash")
            await pilot.pause()
            assert app.preview.typing, (app.focused, app.preview.filter_text)
            await pilot.press("escape")
            await pilot.pause()
            assert tree.match == "" and definitions.match == "" and app.preview.filter_text == ""
            await pilot.press("q")
        assert app.return_code == 0

    run(scenario())


def test_preview_keeps_its_plan_out_of_gc_sweeps_until_it_closes(session, tmp_path):  # noqa: F811 (the fixture)
    """The plan and its index are frozen once shown, and given back when the app ends."""
    app = big_storage_app(session, tmp_path, folders=10, files=100)
    frozen = []

    async def scenario():
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            frozen.append(gc.get_freeze_count())
            await pilot.press("q")

    try:
        run(scenario())
        frozen.append(gc.get_freeze_count())
    finally:
        gc.unfreeze()  # never leave objects frozen for the next tests, even on failure
    assert frozen[0] > 1000  # the plan's 1,000 entries at least
    assert frozen[1] == 0
