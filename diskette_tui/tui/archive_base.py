"""What the inspect and load apps share: the archive screen and reading the archive behind it.

:class:`ArchiveViewApp` shows :class:`~.screens.ArchiveScreen` at once and
builds the :class:`~.archive_view.ArchiveView` in a thread worker
(:meth:`ArchiveViewApp.read_view`: a plain read for ``inspect``, a checked
load plan for ``load``); a failure shows the error and leaves with the
error's exit code.
"""

from __future__ import annotations

from textual import on, work

from ..exceptions import DisketteError
from .archive_view import ArchiveView
from .base import WorkerApp, problem_lines
from .messages import ArchiveRead, ArchiveReadFailed, LeaveRequested
from .screens import ArchiveScreen, ErrorScreen

READ_WORKER = "read-archive"


def read_failure(error: BaseException) -> ArchiveReadFailed:
    """A failed read: its problem lines and its exit code (2 for a configuration problem)."""
    code = error.exit_code if isinstance(error, DisketteError) else 1
    return ArchiveReadFailed(problem_lines(error), code)


class ArchiveViewApp(WorkerApp):
    """One archive, read in a worker and shown on an :class:`ArchiveScreen`.

    Subclasses say how the view is made (:meth:`read_view`), what the screen
    says meanwhile (:attr:`READING`), how a failure is titled and what it
    left untouched, and which exit code leaving has (:meth:`leave`).
    """

    CSS_PATH = "archive.tcss"
    WORKER_FAILURES = {READ_WORKER: read_failure}
    READING = "reading"
    READ_FAILURE = "The archive cannot be read"
    READ_FAILURE_NOTE = "Nothing was written."

    def __init__(
        self, *, archive_label: str, title: str, subtitle: str, database: str = ""
    ) -> None:
        super().__init__(title=title, subtitle=subtitle)
        self.browser = ArchiveScreen(f"{self.READING} {archive_label}…", database=database)

    def on_mount(self) -> None:
        """Show the reading view at once and read the archive behind it."""
        self.push_screen(self.browser)
        self.read_archive()

    def read_view(self) -> ArchiveView:
        """Read the archive (and plan its load) into what the screen shows (blocking)."""
        raise NotImplementedError

    @work(thread=True, exclusive=True, name=READ_WORKER, exit_on_error=False)
    def read_archive(self) -> ArchiveRead:
        """Run :meth:`read_view` in a thread worker."""
        return ArchiveRead(self.read_view())

    @on(ArchiveRead)
    def archive_read(self, message: ArchiveRead) -> None:
        """Show the archive (and the load plan)."""
        self.browser.show(message.view)
        self.keep_out_of_collections()

    @on(ArchiveReadFailed)
    def archive_read_failed(self, message: ArchiveReadFailed) -> None:
        """Show why the archive cannot be read or loaded; leaving exits with its code."""
        self.switch_screen(
            ErrorScreen(
                self.READ_FAILURE,
                message.problems,
                self.READ_FAILURE_NOTE + " Press q to leave.",
                return_code=message.exit_code,
            )
        )

    @on(LeaveRequested)
    def leave_requested(self, message: LeaveRequested) -> None:
        """A screen's ``q``."""
        self.leave(message.return_code)

    async def action_quit(self) -> None:
        """``ctrl+q``: as ``q`` (a running load is asked to stop, not abandoned)."""
        screen = self.screen
        self.leave(screen.return_code if isinstance(screen, ErrorScreen) else None)

    def leave(self, return_code: int | None = None) -> None:
        """Quit with ``return_code``, or (None) the code that matches where the user is."""
        raise NotImplementedError
