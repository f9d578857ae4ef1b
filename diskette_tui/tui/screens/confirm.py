"""A yes/no question over the current screen: write the archive? stop loading?"""

from __future__ import annotations

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmationModal(ModalScreen[bool]):
    """Ask a question; dismiss with True (``y``) or False (``n``, ``escape``)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(
        self, title: str, body: RenderableType, yes: str = "Yes", no: str = "No", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.question = title
        self.body = body
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            yield Static(self.body, id="dialog-body")
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes_label} (y)", variant="primary", id="yes")
                yield Button(f"{self.no_label} (n)", id="no")

    def on_mount(self) -> None:
        """Leave the focus on "no": ``enter`` must not write by accident."""
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click answers like the key."""
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Close the dialog with ``answer``."""
        self.dismiss(answer)
