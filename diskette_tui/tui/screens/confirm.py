"""A yes/no question over the current screen: write the archive? stop loading?"""

from __future__ import annotations

from rich.console import RenderableType
from rich.measure import Measurement
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


#: The dialog's width for short texts, and what its border and padding take.
DIALOG_WIDTH = 84
DIALOG_FRAME = 6


class ConfirmationModal(ModalScreen[bool]):
    """Ask a question; dismiss with True (``y``) or False (``n``, ``escape``).

    ``ctrl+c`` answers as ``escape`` (no), unless ``ctrl_c_answers_yes``: to
    "Stop writing?", a second ``ctrl+c`` means stop.
    """

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
        Binding("ctrl+c", "ctrl_c", "Cancel", show=False, priority=True),
    ]

    def __init__(
        self,
        title: str,
        body: RenderableType,
        yes: str = "Yes",
        no: str = "No",
        ctrl_c_answers_yes: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.question = title
        self.body = body
        self.yes_label = yes
        self.no_label = no
        self.ctrl_c_answers_yes = ctrl_c_answers_yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            yield Static(self.body, id="dialog-body")
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes_label} (y)", variant="primary", id="yes")
                yield Button(f"{self.no_label} (n)", id="no")

    def on_mount(self) -> None:
        """Leave the focus on "no": ``enter`` must not write by accident.

        The dialog is widened to its text's width (the CSS keeps it within the
        screen, where a long path folds over two lines rather than being cut).
        """
        self.query_one("#no", Button).focus()
        console = self.app.console
        options = console.options.update_width(max(self.app.size.width, DIALOG_WIDTH))
        text_width = Measurement.get(console, options, self.body).maximum
        dialog = self.query_one("#dialog")
        dialog.styles.width = max(DIALOG_WIDTH, text_width + DIALOG_FRAME)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click answers like the key."""
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Close the dialog with ``answer``."""
        self.dismiss(answer)

    def action_ctrl_c(self) -> None:
        """``ctrl+c``: no, as ``escape`` (yes to a question about stopping)."""
        self.dismiss(self.ctrl_c_answers_yes)
