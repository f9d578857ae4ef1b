"""Browse an archive: manifest facts, data files with object counts, storages as a tree.

The same screen previews a load: which data files are loaded, where the
storages go and what that does to the folders already there; ``l`` asks for
confirmation. The load preview is interactive as the dump preview is:
``space`` ticks the data file under the cursor (or, on a storage's line in
the tree, that storage), ``a``/``n`` all or none,
``D``/``S`` data or storages on or off, ``m``/``M`` switch the data mode and
the storage mode (merge or replace). Each choice plans the load again (in
the app's worker) and everything shown follows the new plan.
"""

from __future__ import annotations

import dataclasses

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Label, LoadingIndicator, Static

from ...core.restore.loader import NOTHING_LEFT
from ...core.requests import DATA_MODES, STORAGE_MODES, LoadRequest
from ...render import count, size
from ...wording import load_description
from ..archive_view import ArchiveView
from ..messages import LeaveRequested, LoadReplanRequested, LoadRequested, StorageToggled
from ..widgets.archive_facts import ArchiveFacts
from ..widgets.archive_tree import ArchiveTree
from ..widgets.data_files import DataFiles
from ..widgets.key_footer import KeyFooter

#: Actions that change a load's choices: offered only in a load preview.
CHOICE_ACTIONS = {
    "toggle_data_file",
    "select_all",
    "select_none",
    "toggle_data",
    "toggle_storages",
    "switch_data_mode",
    "switch_storages_mode",
}
#: Footer groups: two keys, one description.
ON_OFF = Binding.Group("Data/Storages")
ALL_NONE = Binding.Group("All/None")
MODES = Binding.Group("Modes")


def other(modes: tuple[str, ...], mode: str) -> str:
    """The mode after ``mode`` in ``modes`` (merge ↔ replace)."""
    return modes[(modes.index(mode) + 1) % len(modes)] if mode in modes else modes[0]


def toggled_data(request: LoadRequest, plan, name: str) -> LoadRequest:
    """``request`` with data file ``name`` ticked off (a loaded file) or on again."""
    item = next(item for item in plan.datas if item.name == name)
    forms = {item.name, item.filename, item.definition} - {None}
    if item.selected:
        return dataclasses.replace(request, exclude_data=(*request.exclude_data, item.name))
    kept = tuple(excluded for excluded in request.exclude_data if excluded not in forms)
    return dataclasses.replace(request, exclude_data=kept)


def toggled_storage(request: LoadRequest, name: str) -> LoadRequest:
    """``request`` with storage ``name`` ticked off, or on again (storages on with it)."""
    if request.with_storages and name not in request.exclude_storages:
        return dataclasses.replace(request, exclude_storages=(*request.exclude_storages, name))
    kept = tuple(excluded for excluded in request.exclude_storages if excluded != name)
    return dataclasses.replace(request, exclude_storages=kept, with_storages=True)


def choice_problems(request: LoadRequest, storages) -> list[str]:
    """What is wrong with ``request`` for an archive holding ``storages``, one line each."""
    problems = request.problems()
    left_out = not request.with_data and request.with_storages and storages
    if not problems and left_out and set(storages) <= set(request.exclude_storages):
        problems.append(NOTHING_LEFT)
    return problems


def load_lines(view: ArchiveView, database: str = "") -> Text:
    """What the load will do, as its confirmation says it (the archive line left out)."""
    return Text("\n".join(load_description(view.plan, database)[1:]).rstrip())


def summarize_archive(view: ArchiveView) -> Text:
    """One line: what the archive holds, or what the load will do."""
    dot = (" · ", "dim")
    contents = view.contents
    plan = view.plan
    if plan is None:
        objects = sum((item.objects or 0) for item in contents.data.values())
        files = sum(folder.file_count for folder in view.indexes.values())
        total = sum(folder.size for folder in view.indexes.values())
        return Text.assemble(
            count(len(contents.datas), "data file"),
            dot,
            count(objects, "object"),
            dot,
            count(len(contents.storages), "storage"),
            dot,
            count(files, "file"),
            dot,
            size(total),
            (" in ", "dim"),
            (str(contents.path.name), "bold"),
        )
    parts: list = []
    if plan.with_data:
        parts += [
            ("load ", "bold"),
            f"{len(plan.selected_datas)} of {count(len(plan.datas), 'data file')}",
            dot,
            count(plan.objects, "object"),
        ]
    else:
        parts.append(("no data", "yellow"))
    parts.append(dot)
    if plan.with_storages:
        parts += [
            ("restore ", "bold"),
            count(len(plan.selected_storages), "storage"),
            dot,
            count(plan.files, "file"),
            dot,
            size(plan.size),
        ]
    else:
        parts.append(("no storages", "yellow"))
    return Text.assemble(*parts)


class ArchiveScreen(Screen):
    """One archive, read once; for a load, the plan made of it."""

    BINDINGS = [
        Binding("l", "load", "Load…"),
        Binding("q", "leave", "Quit"),
        Binding("space", "toggle_data_file", "Toggle"),
        Binding("D", "toggle_data", "Data on/off", group=ON_OFF),
        Binding("S", "toggle_storages", "Storages on/off", group=ON_OFF),
        Binding("a", "select_all", "All", group=ALL_NONE),
        Binding("n", "select_none", "None", group=ALL_NONE),
        Binding("m", "switch_data_mode", "Data mode", group=MODES),
        Binding("M", "switch_storages_mode", "Storage mode", group=MODES),
    ]

    #: Whether the archive is read (flips the ``-loaded`` class: the reading view goes away).
    loaded = reactive(False)

    def __init__(self, reading: str, database: str = "", **kwargs):
        super().__init__(**kwargs)
        #: What the reading view says while the worker reads (or plans).
        self.reading = reading
        #: Where a load puts the data (a load preview says it).
        self.database = database
        self.view: ArchiveView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="reading"):
            yield LoadingIndicator()
            yield Label(Text(self.reading), id="reading-label")
        with Vertical(id="archive-main"):
            yield ArchiveFacts(id="facts")
            yield DataFiles(id="datas")
            yield ArchiveTree(id="archive-storages")
            yield Static(id="load-plan")
            yield Static(id="archive-summary")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Titles of the panels."""
        self.query_one(ArchiveFacts).border_title = "Archive"
        self.query_one(DataFiles).border_title = "Data files"
        self.query_one(ArchiveTree).border_title = "Storages"

    def watch_loaded(self, loaded: bool) -> None:
        """Swap the reading view for the archive, and offer the load."""
        self.set_class(loaded, "-loaded")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """``l`` and the load's choices only when previewing a load, once the plan is there.

        ``space`` ticks a data file: on the data files only.
        """
        if action == "load" or action in CHOICE_ACTIONS:
            if self.view is None or self.view.plan is None:
                return False
        if action == "toggle_data_file":
            return isinstance(self.focused, DataFiles) and bool(self.view.plan.datas)
        return True

    def show(self, view: ArchiveView) -> None:
        """Display what the worker read."""
        self.view = view
        contents = view.contents
        plan = view.plan
        self.query_one(ArchiveFacts).show(view, self.database)
        datas = self.query_one(DataFiles)
        row = datas.cursor_row  # a re-plan keeps the cursor on its data file
        datas.show(view)
        if 0 < row < datas.row_count:
            datas.move_cursor(row=row)
        objects = sum((item.objects or 0) for item in contents.data.values())
        datas.border_subtitle = f"{count(len(contents.datas), 'file')} · {count(objects, 'object')}"
        tree = self.query_one(ArchiveTree)
        tree.show(view)
        files = sum(folder.file_count for folder in view.indexes.values())
        total = sum(folder.size for folder in view.indexes.values())
        tree.border_subtitle = f"{count(files, 'file')} · {size(total)}"
        if plan is not None and plan.with_storages:
            tree.border_title = Text(f"Storages → {plan.storages_basepath}")
        else:
            tree.border_title = "Storages"
        datas.set_class(plan is not None and not plan.with_data, "-off")
        tree.set_class(plan is not None and not plan.with_storages, "-off")
        notes = self.query_one("#load-plan", Static)
        notes.display = plan is not None
        if plan is not None:
            notes.update(load_lines(view, self.database))
        self.query_one("#archive-summary", Static).update(summarize_archive(view))
        first = not self.loaded
        self.loaded = True
        self.refresh_bindings()
        if first:
            (datas if contents.datas else tree).focus()

    def action_load(self) -> None:
        """Ask for confirmation of the load."""
        if self.view is not None and self.view.plan is not None:
            self.post_message(LoadRequested(self.view.plan))

    # Choices of a load --------------------------------------------------------------

    def _replan(self, **changes) -> None:
        """Plan the load again with ``changes`` to its request (the app's worker does)."""
        plan = self.view.plan
        request = dataclasses.replace(plan.request, **changes)
        self._ask(request)

    def _ask(self, request: LoadRequest) -> None:
        problems = choice_problems(request, self.view.contents.storages)
        if problems:
            self.notify("\n".join(problems), title="Not possible", severity="warning")
            return
        self.query_one("#archive-summary", Static).update(Text("planning the load…", "italic"))
        self.post_message(LoadReplanRequested(request))

    def action_toggle_data_file(self) -> None:
        """Tick the data file under the cursor off, or on again."""
        datas = self.query_one(DataFiles)
        plan = self.view.plan
        if not datas.row_count or not plan.datas:
            return
        name = datas.coordinate_to_cell_key(datas.cursor_coordinate).row_key.value
        if any(item.name == name for item in plan.datas):
            self._ask(toggled_data(plan.request, plan, name))

    def action_select_all(self) -> None:
        """Every data file and storage, data and storages on."""
        self._replan(exclude_data=(), exclude_storages=(), with_data=True, with_storages=True)

    def action_select_none(self) -> None:
        """No data file (the storages stay as they are)."""
        names = tuple(item.name for item in self.view.plan.datas)
        self._replan(exclude_data=names)

    @on(StorageToggled)
    def storage_toggled(self, event: StorageToggled) -> None:
        """Tick the storage under the cursor off, or on again."""
        event.stop()
        if self.view is not None and self.view.plan is not None:
            self._ask(toggled_storage(self.view.plan.request, event.arcname))

    def action_toggle_data(self) -> None:
        """Load the data, or leave it out."""
        self._replan(with_data=not self.view.plan.with_data)

    def action_toggle_storages(self) -> None:
        """Restore the storages, or leave them out."""
        self._replan(with_storages=not self.view.plan.with_storages)

    def action_switch_data_mode(self) -> None:
        """Merge the archive's rows into the target's, or replace them (merge ↔ replace)."""
        self._replan(data_mode=other(DATA_MODES, self.view.plan.request.data_mode))

    def action_switch_storages_mode(self) -> None:
        """Merge the storage files into the folders, or replace the folders (merge ↔ replace)."""
        self._replan(storages_mode=other(STORAGE_MODES, self.view.plan.request.storages_mode))

    def action_leave(self) -> None:
        """Leave (an inspection: code 0; a load preview: nothing loaded, code 1)."""
        self.post_message(LeaveRequested())
