"""A failure the user has to read before the app exits (code 1 unless told otherwise)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from .outcome import OutcomeScreen


class ErrorScreen(OutcomeScreen):
    """The problem lines of a failed plan, dump, read or load; any of q/enter/escape leaves."""

    BINDINGS = [
        Binding("q", "leave", "Quit"),
        Binding("enter", "leave", "Quit", show=False),
        Binding("escape", "leave", "Quit", show=False),
    ]
    PANEL_ID = "error"

    def __init__(
        self, title: str, problems: list[str], note: str = "", return_code: int = 1, **kwargs
    ) -> None:
        super().__init__(title, return_code, **kwargs)
        self.problems = problems
        self.note = note

    def body(self) -> ComposeResult:
        """The problems, one ✗ line each, and the note that says what was left as it was."""
        text = Text()
        for problem in self.problems:
            text.append("✗ ", style="bold red")
            text.append(problem + "\n")
        yield Static(text, id="error-problems")
        if self.note:
            yield Static(Text(self.note, style="dim"), id="error-note")
