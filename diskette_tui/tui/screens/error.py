"""A failure the user has to read before the app exits with code 1."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static


class ErrorScreen(Screen):
    """The problem lines of a failed plan or dump; any of q/enter/escape leaves."""

    BINDINGS = [
        Binding("q", "leave", "Quit"),
        Binding("enter", "leave", "Quit", show=False),
        Binding("escape", "leave", "Quit", show=False),
    ]

    def __init__(self, title: str, problems: list[str], note: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.headline = title
        self.problems = problems
        self.note = note

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="error"):
            yield Label(self.headline, id="error-title")
            text = Text()
            for problem in self.problems:
                text.append("✗ ", style="bold red")
                text.append(problem + "\n")
            yield Static(text, id="error-problems")
            if self.note:
                yield Static(Text(self.note, style="dim"), id="error-note")
        yield Footer()

    def action_leave(self) -> None:
        """Exit the app with code 1."""
        self.app.exit(return_code=1)
