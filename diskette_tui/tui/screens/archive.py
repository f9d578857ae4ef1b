"""Browse an archive: manifest facts, data files with object counts, storages as a tree.

The same screen previews a load: which data files are loaded, where the
storages go and what that does to the folders already there; ``l`` asks for
confirmation.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, LoadingIndicator, Static

from ...render import count, size
from ..archive_view import ArchiveView
from ..messages import LeaveRequested, LoadRequested
from ..widgets.archive_facts import ArchiveFacts
from ..widgets.archive_tree import ArchiveTree
from ..widgets.data_files import DataFiles


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
            yield Static(id="archive-summary")
        yield Footer()

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
        """``l`` only when previewing a load, once the plan is there."""
        if action == "load":
            return self.view is not None and self.view.plan is not None
        return True

    def show(self, view: ArchiveView) -> None:
        """Display what the worker read."""
        self.view = view
        contents = view.contents
        plan = view.plan
        self.query_one(ArchiveFacts).show(view, self.database)
        datas = self.query_one(DataFiles)
        datas.show(view)
        objects = sum((item.objects or 0) for item in contents.data.values())
        datas.border_subtitle = f"{count(len(contents.datas), 'file')} · {count(objects, 'object')}"
        if plan is not None and not plan.with_data:
            datas.add_class("-off")
        tree = self.query_one(ArchiveTree)
        tree.show(view)
        files = sum(folder.file_count for folder in view.indexes.values())
        total = sum(folder.size for folder in view.indexes.values())
        tree.border_subtitle = f"{count(files, 'file')} · {size(total)}"
        if plan is not None:
            if plan.with_storages:
                tree.border_title = Text(f"Storages → {plan.storages_basepath}")
            else:
                tree.add_class("-off")
        self.query_one("#archive-summary", Static).update(summarize_archive(view))
        self.loaded = True
        (datas if contents.datas else tree).focus()

    def action_load(self) -> None:
        """Ask for confirmation of the load."""
        if self.view is not None and self.view.plan is not None:
            self.post_message(LoadRequested(self.view.plan))

    def action_leave(self) -> None:
        """Leave (an inspection: code 0; a load preview: nothing loaded, code 1)."""
        self.post_message(LeaveRequested())
