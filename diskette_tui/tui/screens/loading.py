"""The load running: staging the storages, then the data in one transaction.

``Loader.execute`` works in three steps and reports two of them: storage
bytes while it extracts and checks the archive into temporary folders, then
each data file before it is loaded in the transaction. Moving the staged
folders into place comes last and is quick.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Header, Label, ProgressBar, Static

from ...core.restore import LoadPlan
from ...core.plan import DATA_DIRNAME
from ...core.progress import ProgressUpdate
from ...render import count, size
from .progress import ProgressScreen, render_steps


class LoadingScreen(ProgressScreen):
    """Progress of ``Loader.execute``; ``escape`` or ``ctrl+c`` asks to stop and roll back."""

    STOP_QUESTION = "Stop loading?"
    STOPPING = "cancelling… rolling back"
    STATUS_ID = "loading-status"

    plan: LoadPlan

    def compose(self) -> ComposeResult:
        plan = self.plan
        yield Header()
        with Vertical(id="loading"):
            yield Label(Text(f"Loading {plan.archive}"), id="loading-title")
            if plan.selected_storages:
                yield Label("Extracting and checking storages", classes="loading-section")
                yield Label(self._bytes_text(0), id="stage-label")
                yield ProgressBar(total=max(plan.size, 1), show_eta=False, id="stage-bar")
            if plan.selected_datas:
                yield Label("Data, in one transaction", classes="loading-section")
                yield Static(self._steps(), id="loading-steps")
                yield ProgressBar(total=len(plan.selected_datas), show_eta=False, id="data-bar")
            yield Label("", id=self.STATUS_ID)
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
        status = self.query_one(f"#{self.STATUS_ID}", Label)
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

    def stop_consequences(self) -> Text:
        """The database rolled back, the storage folders as they were."""
        return Text(
            "The load stops before its next step: the database is rolled back\n"
            "and the storage folders stay as they were."
        )
