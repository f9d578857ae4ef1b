"""The archive being written: each definition's dump, then storage bytes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, ProgressBar, Static

from ...core.plan import DumpPlan
from ...core.progress import ProgressUpdate
from ...render import size
from .confirm import ConfirmationModal


def render_steps(steps, done: int, current: str, working: str) -> Text:
    """Lines of a step list: done ✓, current ●, waiting ·.

    ``steps`` are ``(key, label, detail)``; ``done`` steps are finished and
    the one whose key is ``current`` is in progress (``working`` follows it).
    """
    text = Text()
    width = max(len(label) for _key, label, _detail in steps) + 2
    for index, (key, label, detail) in enumerate(steps):
        name = label.ljust(width)
        if index < done:
            text.append("  ✓ ", style="bold green")
            text.append(name)
        elif key == current:
            text.append("  ● ", style="bold yellow")
            text.append(name, style="bold")
        else:
            text.append("  · ", style="dim")
            text.append(name, style="dim")
        text.append(detail, style="dim")
        if key == current and index >= done:
            text.append(f"  {working}", style="yellow")
        text.append("\n")
    text.rstrip()
    return text


class WritingScreen(Screen):
    """Progress of ``Dumper.execute``; ``escape`` or ``ctrl+c`` asks to stop it."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+c", "cancel", "Cancel", show=False, priority=True),
    ]

    def __init__(self, plan: DumpPlan, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.done = 0
        self.current = ""
        self.cancelling = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="writing"):
            yield Label(f"Writing {self.plan.archive_path}", id="writing-title")
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
            yield Label("", id="writing-status")
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
            self.query_one("#writing-status", Label).update("finishing…")

    def action_cancel(self) -> None:
        """Ask, then stop the writing: nothing is left at the final path."""
        if self.cancelling:
            return

        def answered(stop: bool | None) -> None:
            if stop:
                self.cancelling = True
                self.query_one("#writing-status", Label).update(
                    Text("cancelling… removing temporary files", style="yellow")
                )
                self.app.cancel_write()

        self.app.push_screen(
            ConfirmationModal(
                "Stop writing?",
                Text(
                    f"Nothing will be written at {self.plan.archive_path};\n"
                    "an existing archive of that name stays as it is."
                ),
                yes="Stop",
                no="Continue",
            ),
            answered,
        )
