"""The load running (staging, data, storages), then what it did.

``Loader.execute`` works in three steps and reports two of them: storage
bytes while it extracts and checks the archive into temporary folders, then
each data file before it is loaded in the transaction. Moving the staged
folders into place comes last and is quick.
"""

from __future__ import annotations

import humanize
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, ProgressBar, Static

from ...core.loader import LoadPlan, LoadResult
from ...core.plan import DATA_DIRNAME
from ...core.progress import ProgressUpdate
from ...render import count, size
from ..widgets.archive_tree import restore_action
from .confirm import ConfirmationModal
from .progress import render_steps


class LoadingScreen(Screen):
    """Progress of ``Loader.execute``; ``escape`` or ``ctrl+c`` asks to stop and roll back."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+c", "cancel", "Cancel", show=False, priority=True),
    ]

    def __init__(self, plan: LoadPlan, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.done = 0
        self.current = ""
        self.cancelling = False

    def compose(self) -> ComposeResult:
        plan = self.plan
        yield Header()
        with Vertical(id="loading"):
            yield Label(f"Loading {plan.archive}", id="loading-title")
            if plan.selected_storages:
                yield Label("Extracting and checking storages", classes="loading-section")
                yield Label(self._bytes_text(0), id="stage-label")
                yield ProgressBar(total=max(plan.size, 1), show_eta=False, id="stage-bar")
            if plan.selected_datas:
                yield Label("Data, in one transaction", classes="loading-section")
                yield Static(self._steps(), id="loading-steps")
                yield ProgressBar(total=len(plan.selected_datas), show_eta=False, id="data-bar")
            yield Label("", id="loading-status")
        yield Footer()

    def _bytes_text(self, completed: int) -> str:
        return f"{size(completed)} of {size(self.plan.size)}"

    def _steps(self) -> Text:
        return render_steps(
            [
                (
                    item.name,
                    item.name.removeprefix(DATA_DIRNAME + "/"),
                    count(item.objects, "object"),
                )
                for item in self.plan.selected_datas
            ],
            self.done,
            self.current,
            "loading…",
        )

    def report(self, update: ProgressUpdate) -> None:
        """Show one progress report of ``Loader.execute``."""
        status = self.query_one("#loading-status", Label)
        if update.stage == "storage" and self.plan.selected_storages:
            self.query_one("#stage-label", Label).update(self._bytes_text(update.completed))
            self.query_one("#stage-bar", ProgressBar).update(progress=update.completed)
        elif update.stage == "data" and self.plan.selected_datas:
            if self.plan.selected_storages:
                self.query_one("#stage-bar", ProgressBar).update(progress=self.plan.size)
                self.query_one("#stage-label", Label).update(self._bytes_text(self.plan.size))
            self.done = update.completed
            self.current = update.item
            self.query_one("#loading-steps", Static).update(self._steps())
            self.query_one("#data-bar", ProgressBar).update(progress=update.completed)
            if update.completed == update.total and self.plan.selected_storages:
                status.update("moving the storages into place…")

    def action_cancel(self) -> None:
        """Ask, then stop at the next step: the engine rolls everything back."""
        if self.cancelling:
            return

        def answered(stop: bool | None) -> None:
            if stop:
                self.cancelling = True
                self.query_one("#loading-status", Label).update(
                    Text("cancelling… rolling back", style="yellow")
                )
                self.app.cancel_load()

        self.app.push_screen(
            ConfirmationModal(
                "Stop loading?",
                Text(
                    "The load stops before its next step: the database is rolled back\n"
                    "and the storage folders stay as they were."
                ),
                yes="Stop",
                no="Continue",
            ),
            answered,
        )


def describe_loaded(plan: LoadPlan, result: LoadResult, duration: float) -> Table:
    """A grid of a finished load: objects per data file, storages and their targets."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column()
    if result.loaded:
        for index, (name, objects) in enumerate(result.loaded.items()):
            grid.add_row(
                "data" if index == 0 else "",
                name.removeprefix(DATA_DIRNAME + "/"),
                Text(count(objects, "object"), style="cyan"),
                "",
            )
        total = sum(objects or 0 for objects in result.loaded.values())
        grid.add_row(
            "", Text("committed", style="dim"), Text(count(total, "object"), style="bold cyan"),
            Text("in one transaction", style="dim"),
        )
    else:
        grid.add_row("data", Text("none loaded", style="dim"), "", "")
    planned = {item.name: item for item in plan.selected_storages}
    if result.storages:
        for index, (name, target) in enumerate(result.storages.items()):
            item = planned.get(name)
            grid.add_row(
                "storages" if index == 0 else "",
                str(target),
                Text(count(item.files, "file") if item else "", style="cyan"),
                restore_action(item, short=True) if item else "",
            )
        grid.add_row(
            "", Text("written", style="dim"), Text(count(result.files, "file"), style="bold cyan"),
            "",
        )
    else:
        grid.add_row("storages", Text("none restored", style="dim"), "", "")
    grid.add_row(
        "took",
        Text(humanize.precisedelta(duration, minimum_unit="milliseconds"), style="dim"), "", "",
    )
    return grid


class LoadedScreen(Screen):
    """The finished load; ``q`` or ``enter`` leaves with exit code 0."""

    BINDINGS = [
        Binding("q", "leave", "Quit"),
        Binding("enter", "leave", "Done"),
    ]

    def __init__(self, plan: LoadPlan, result: LoadResult, duration: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.result = result
        self.duration = duration

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="loaded"):
            yield Label(f"✓ Loaded {self.plan.archive}", id="loaded-title")
            yield Static(describe_loaded(self.plan, self.result, self.duration), id="loaded-body")
        yield Footer()

    def action_leave(self) -> None:
        """Exit the app with code 0."""
        self.app.leave()
