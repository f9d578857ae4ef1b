"""What the dump app and the archive apps share: thread workers, progress, stopping.

Blocking work (planning, writing, reading, loading) runs in thread workers.
A worker returns the past-tense message its success is (``PlanLoaded``,
``ArchiveWritten``…); what its error becomes is looked up by worker name in
the app's :attr:`WorkerApp.WORKER_FAILURES`. Both are posted from one place,
:meth:`WorkerApp.on_worker_state_changed`.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual import on
from textual.app import App
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from ..core.progress import ProgressCallback, ProgressUpdate
from ..exceptions import DisketteError
from .messages import ProgressReported, StopRequested

if TYPE_CHECKING:
    from textual.screen import Screen

    from .screens.progress import ProgressScreen

#: Seconds between two storage-bytes reports forwarded to the UI.
REPORT_INTERVAL = 0.05

#: What a worker's error becomes.
FailureMessage = Callable[[BaseException], Message]
Result = TypeVar("Result")


class OperationStopped(Exception):
    """The user stopped a write or a load (the engine saw a KeyboardInterrupt and cleaned up)."""


def problem_lines(error: BaseException) -> list[str]:
    """The lines to show for an error: a DisketteError's problems, else its text."""
    if isinstance(error, DisketteError) and error.problems:
        return list(error.problems)
    text = str(error)
    return [f"{type(error).__name__}: {text}" if text else type(error).__name__]


def failure_message(
    failed: Callable[[list[str]], Message], stopped: Callable[[], Message] | None = None
) -> FailureMessage:
    """A worker's error as a message: ``stopped()`` when the user stopped it, else ``failed``."""

    def message(error: BaseException) -> Message:
        if stopped is not None and isinstance(error, OperationStopped):
            return stopped()
        return failed(problem_lines(error))

    return message


class WorkerApp(App[None]):
    """An app whose blocking work runs in thread workers and can be stopped by the user."""

    ENABLE_COMMAND_PALETTE = False
    #: Worker name → what that worker's error becomes.
    WORKER_FAILURES: ClassVar[dict[str, FailureMessage]] = {}

    def __init__(self, *, title: str, subtitle: str) -> None:
        super().__init__()
        self.title = title
        self.sub_title = subtitle
        #: Where the running write or load shows its progress.
        self.progress_screen: ProgressScreen | None = None
        self._stop = threading.Event()

    def keep_out_of_collections(self) -> None:
        """Leave the objects alive now (a plan, its folder index, the widgets) out of GC sweeps.

        A storage of 100,000 files is a few 100,000 long-lived objects, and
        CPython's full collection walks every one of them: 300 ms, at whatever
        key press happens to allocate the object that triggers it. Called once
        what is shown is built; :meth:`on_unmount` gives them back to the
        collector (cycles among them are then collected as usual).
        """
        gc.freeze()

    def on_unmount(self) -> None:
        """Hand the objects kept out of collections back to the collector."""
        gc.unfreeze()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where workers' results and errors are handled."""
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            self.post_message(worker.result)
        elif event.state == WorkerState.ERROR:
            failure = self.WORKER_FAILURES.get(worker.name)
            if failure is not None:
                self.post_message(failure(worker.error))

    def ask_then(self, question: Screen[bool], start: Callable[[], None]) -> None:
        """Show ``question``; ``start()`` when the user answers yes."""

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                start()

        self.push_screen(question, answered)

    def start_progress(self, screen: ProgressScreen) -> None:
        """Show ``screen``, where the operation about to start reports its progress."""
        self._stop.clear()
        self.progress_screen = screen
        self.push_screen(screen)

    def run_stoppable(
        self,
        operation: Callable[[ProgressCallback], Result],
        progressed: Callable[[ProgressUpdate], ProgressReported],
    ) -> Result:
        """Run ``operation(progress)`` in the current thread worker.

        ``progress`` posts ``progressed(update)``: storage bytes arrive per read,
        so those are forwarded a few times per second, every other stage at
        once. After a :class:`StopRequested` (or when the worker is cancelled)
        it raises KeyboardInterrupt in the engine, which cleans up; that
        becomes :class:`OperationStopped`.
        """
        worker = get_current_worker()
        last = 0.0

        def progress(update: ProgressUpdate) -> None:
            nonlocal last
            if self._stop.is_set() or worker.is_cancelled:
                raise KeyboardInterrupt
            now = time.monotonic()
            if update.stage != "storage" or now - last >= REPORT_INTERVAL:
                last = now
                self.post_message(progressed(update))

        try:
            return operation(progress)
        except KeyboardInterrupt:
            raise OperationStopped() from None

    @on(StopRequested)
    def stop_requested(self, message: StopRequested) -> None:
        """The user pressed ``escape`` or ``ctrl+c`` on the progress screen."""
        self.ask_to_stop()

    def ask_to_stop(self) -> None:
        """Ask whether to stop the running write or load; on yes, stop the engine.

        The next progress report then raises KeyboardInterrupt in the engine,
        which cleans up (or rolls back) before the worker ends.
        """
        screen = self.progress_screen
        if screen is None or screen.cancelling:
            return

        def stop() -> None:
            screen.show_stopping()
            self._stop.set()

        self.ask_then(screen.stop_question(), stop)

    @on(ProgressReported)
    def progress_reported(self, message: ProgressReported) -> None:
        """Forward a write's or a load's progress to its screen."""
        if self.progress_screen is not None:
            self.progress_screen.report(message.update)
