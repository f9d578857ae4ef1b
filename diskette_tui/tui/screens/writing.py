"""The archive being written: each definition's dump, then storage bytes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Header, Label, ProgressBar, Static

from ...core.plan import DumpPlan
from ...core.progress import ProgressUpdate
from ...render import size
from .progress import ProgressScreen, render_steps


class WritingScreen(ProgressScreen):
    """Progress of ``Dumper.execute``; ``escape`` or ``ctrl+c`` asks to stop it."""

    STOP_QUESTION = "Stop writing?"
    STOPPING = "cancelling… removing temporary files"
    STATUS_ID = "writing-status"

    plan: DumpPlan

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="writing"):
            yield Label(Text(f"Writing {self.plan.archive_path}"), id="writing-title")
            if self.plan.selected_definitions:
                yield Label("Data", classes="writing-section")
                yield Static(self._steps(), id="writing-steps")
                yield ProgressBar(
                    total=len(self.plan.selected_definitions), show_eta=False, id="data-bar"
                )
            if self.plan.selected_storages:
                yield Label("Storages", classes="writing-section")
                yield Label(self._bytes_text(0), id="storage-label")
                yield ProgressBar(total=max(self.plan.size, 1), id="storage-bar")
            yield Label("", id=self.STATUS_ID)
        yield Footer()

    def _steps(self) -> Text:
        return render_steps(
            [(item.name, item.name, item.archive_name) for item in self.plan.selected_definitions],
            self.done,
            self.current,
            "dumping…",
        )

    def _bytes_text(self, completed: int) -> str:
        return f"{size(completed)} of {size(self.plan.size)}"

    def report(self, update: ProgressUpdate) -> None:
        """Show one progress report of ``Dumper.execute``."""
        if update.stage == "data" and self.plan.selected_definitions:
            self.done = update.completed
            self.current = update.item
            self.query_one("#writing-steps", Static).update(self._steps())
            self.query_one("#data-bar", ProgressBar).update(progress=update.completed)
        elif update.stage == "storage" and self.plan.selected_storages:
            self.query_one("#storage-label", Label).update(self._bytes_text(update.completed))
            self.query_one("#storage-bar", ProgressBar).update(progress=update.completed)
        elif update.stage == "finish":
            self.query_one(f"#{self.STATUS_ID}", Label).update("finishing…")

    def stop_consequences(self) -> Text:
        """Nothing at the final path; an archive already there stays."""
        return Text(
            f"Nothing will be written at {self.plan.archive_path};\n"
            "an existing archive of that name stays as it is."
        )
