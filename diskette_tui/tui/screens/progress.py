"""What the writing and the loading screens share: a step list, and stopping on request."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Label

from ...core.progress import ProgressUpdate
from ..messages import StopRequested
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


class ProgressScreen(Screen):
    """Progress of a running write or load; ``escape`` or ``ctrl+c`` asks to stop it.

    The screen posts :class:`StopRequested`; the app asks :meth:`stop_question`
    and, on yes, calls :meth:`show_stopping` and stops the engine at its next
    report. Subclasses say what the question is (:attr:`STOP_QUESTION`,
    :meth:`stop_consequences`), what the status line then says
    (:attr:`STOPPING`) and show the engine's reports (:meth:`report`).
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+c", "cancel", "Cancel", show=False, priority=True),
    ]
    STOP_QUESTION = "Stop?"
    #: The status line once the user has asked to stop.
    STOPPING = "stopping…"
    #: The id of the status line.
    STATUS_ID = "status"

    def __init__(self, plan, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.done = 0
        self.current = ""
        #: Whether the user confirmed stopping (the engine is cleaning up).
        self.cancelling = False

    def report(self, update: ProgressUpdate) -> None:
        """Show one progress report of the engine."""
        raise NotImplementedError

    def stop_consequences(self) -> Text:
        """What stopping leaves behind (the body of the question)."""
        raise NotImplementedError

    def stop_question(self) -> ConfirmationModal:
        """The question the app asks before stopping (focus on Continue)."""
        return ConfirmationModal(
            self.STOP_QUESTION,
            self.stop_consequences(),
            yes="Stop",
            no="Continue",
            ctrl_c_answers_yes=True,
        )

    def show_stopping(self) -> None:
        """The user confirmed: say that the engine cleans up or rolls back."""
        self.cancelling = True
        self.query_one(f"#{self.STATUS_ID}", Label).update(Text(self.STOPPING, style="yellow"))

    def action_cancel(self) -> None:
        """Ask to stop (once: not again while the engine cleans up)."""
        if not self.cancelling:
            self.post_message(StopRequested())
