"""How an operation ended: a title over what happened; leaving posts LeaveRequested."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label

from ..messages import LeaveRequested

#: The keys of a screen that reports a finished write or load.
DONE_BINDINGS = [
    Binding("q", "leave", "Quit"),
    Binding("enter", "leave", "Done"),
]


class OutcomeScreen(Screen):
    """A headline over the widgets of :meth:`body`, in the panel ``#{PANEL_ID}``.

    The app's CSS styles the panel and its ``#{PANEL_ID}-title``. Leaving
    posts :class:`LeaveRequested` with :attr:`return_code` (None: the app chooses).
    """

    PANEL_ID = "outcome"

    def __init__(self, headline: str, return_code: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.headline = headline
        self.return_code = return_code

    def body(self) -> ComposeResult:
        """The widgets under the headline."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id=self.PANEL_ID):
            yield Label(self.headline, id=f"{self.PANEL_ID}-title")
            yield from self.body()
        yield Footer()

    def action_leave(self) -> None:
        """Ask the app to leave (with this screen's exit code, if it has one)."""
        self.post_message(LeaveRequested(self.return_code))
