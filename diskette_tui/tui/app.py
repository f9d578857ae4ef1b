"""The preview app: load the plan, let the user choose, confirm, write, report.

Everything that touches the database or the disk runs in thread workers; their
outcome is handled in one place, :meth:`DisketteApp.on_worker_state_changed`,
which turns it into past-tense messages (:mod:`.messages`).

Exit codes (``App.return_code``): 0 written or quit, 1 the plan or the dump
failed (after the user has read the error and pressed ``q``/``enter``), 130
the user stopped the writing.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable

from textual import on, work
from textual.app import App
from textual.worker import Worker, WorkerState, get_current_worker

from ..core.archive import ArchiveResult
from ..core.plan import DumpPlan
from ..core.progress import ProgressUpdate
from ..exceptions import DisketteError
from .folders import build_indexes
from .messages import (
    ArchiveWritten,
    DumpCancelled,
    DumpFailed,
    PlanFailed,
    PlanLoaded,
    ScanProgressed,
    WriteProgressed,
)
from .screens import (
    ConfirmationModal,
    ErrorScreen,
    PreviewScreen,
    ResultScreen,
    WritingScreen,
    describe_write,
)

LOAD_WORKER = "load-plan"
WRITE_WORKER = "write-archive"
#: Seconds between two storage-bytes reports forwarded to the UI.
REPORT_INTERVAL = 0.05

#: ``load_plan(progress, is_cancelled, use_excludes=True)``: ``use_excludes`` is
#: optional (the preview's ``e`` needs it; without it the key is not offered).
LoadPlan = Callable[..., DumpPlan]
Execute = Callable[[DumpPlan, Callable[[ProgressUpdate], None]], ArchiveResult]


class WriteCancelled(Exception):
    """The user stopped the writing (the engine saw a KeyboardInterrupt)."""


def accepts_keyword(function: Callable, name: str) -> bool:
    """Whether ``function`` can be called with the keyword argument ``name``."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        parameter.kind == parameter.VAR_KEYWORD
        or (parameter.name == name and parameter.kind != parameter.POSITIONAL_ONLY)
        for parameter in parameters
    )


def problem_lines(error: BaseException) -> list[str]:
    """The lines to show for an error: a DisketteError's problems, else its text."""
    if isinstance(error, DisketteError) and error.problems:
        return list(error.problems)
    text = str(error)
    return [f"{type(error).__name__}: {text}" if text else type(error).__name__]


class DisketteApp(App[None]):
    """Preview a dump, then write it (or, read-only, only browse it)."""

    CSS_PATH = "diskette.tcss"
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        load_plan: LoadPlan,
        execute: Execute,
        *,
        read_only: bool = False,
        title: str = "diskette",
        subtitle: str = "",
    ) -> None:
        super().__init__()
        self.load_plan = load_plan
        #: Whether ``load_plan`` takes ``use_excludes`` (the patterns toggle ``e``).
        self.can_toggle_patterns = accepts_keyword(load_plan, "use_excludes")
        self.execute = execute
        self.read_only = read_only
        self.title = title
        self.sub_title = subtitle
        self.preview = PreviewScreen(read_only=read_only)
        self.writing: WritingScreen | None = None
        self._cancel_write = threading.Event()
        #: The plan last sent to ``execute`` (tests read it).
        self.written_plan: DumpPlan | None = None

    def on_mount(self) -> None:
        """Show the preview at once and compute the plan behind it."""
        self.push_screen(self.preview)
        self.load()

    # Workers -------------------------------------------------------------------

    @work(thread=True, exclusive=True, name=LOAD_WORKER, exit_on_error=False)
    def load(self, use_excludes: bool | None = None, match: str = ""):
        """Compute the plan and the storages' folder indexes (blocking).

        ``use_excludes`` None lets ``load_plan`` choose (the command line's
        ``--no-storages-excludes``); ``match`` is the storage filter to index with.
        """
        worker = get_current_worker()

        def progress(update: ProgressUpdate) -> None:
            if not worker.is_cancelled:
                self.post_message(ScanProgressed(update))

        if use_excludes is None:
            plan = self.load_plan(progress, lambda: worker.is_cancelled)
        else:
            plan = self.load_plan(progress, lambda: worker.is_cancelled, use_excludes=use_excludes)
        return plan, build_indexes(plan, match), match

    def reload_plan(self, use_excludes: bool, match: str = "") -> None:
        """Compute the plan again, with the storage exclusion patterns on or off."""
        self.load(use_excludes, match)

    @work(thread=True, exclusive=True, name=WRITE_WORKER, exit_on_error=False)
    def write(self, plan: DumpPlan) -> ArchiveResult:
        """Write the archive (blocking); stop with KeyboardInterrupt when asked."""
        last = 0.0

        def progress(update: ProgressUpdate) -> None:
            nonlocal last
            if self._cancel_write.is_set():
                raise KeyboardInterrupt
            now = time.monotonic()
            # Storage bytes arrive per read: forward a few per second, and every other stage.
            if update.stage != "storage" or now - last >= REPORT_INTERVAL:
                last = now
                self.post_message(WriteProgressed(update))

        try:
            return self.execute(plan, progress)
        except KeyboardInterrupt:
            raise WriteCancelled() from None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where workers' results and errors are handled."""
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            if worker.name == LOAD_WORKER:
                plan, indexes, match = worker.result
                self.post_message(PlanLoaded(plan, indexes, match))
            elif worker.name == WRITE_WORKER:
                self.post_message(ArchiveWritten(worker.result))
        elif event.state == WorkerState.ERROR:
            error = worker.error
            if worker.name == LOAD_WORKER:
                self.post_message(PlanFailed(problem_lines(error)))
            elif isinstance(error, WriteCancelled):
                self.post_message(DumpCancelled())
            else:
                self.post_message(DumpFailed(problem_lines(error)))

    # Plan ------------------------------------------------------------------------

    @on(ScanProgressed)
    def scan_progressed(self, message: ScanProgressed) -> None:
        """Forward plan progress to the preview."""
        self.preview.report_scan(message.update)

    @on(PlanLoaded)
    def plan_loaded(self, message: PlanLoaded) -> None:
        """Show the plan."""
        self.preview.show_plan(message.plan, message.indexes, message.match)

    @on(PlanFailed)
    def plan_failed(self, message: PlanFailed) -> None:
        """Show why the plan could not be computed; leaving exits with code 1.

        A failed re-plan (``e``) only says why and keeps the plan shown.
        """
        if self.preview.reloading:
            self.preview.reload_failed(message.problems)
            return
        self.switch_screen(
            ErrorScreen(
                "The dump cannot be prepared",
                message.problems,
                "Nothing was written. Press q to leave.",
            )
        )

    # Writing -----------------------------------------------------------------------

    def confirm_dump(self, plan: DumpPlan) -> None:
        """Ask for confirmation, then write exactly the selection of ``plan``."""
        if self.read_only:
            return
        selection = plan.select(
            definitions=[item.name for item in plan.definitions if item.selected],
            storages=[item.arcname for item in plan.storages if item.selected],
            with_data=plan.with_data,
            with_storages=plan.with_storages,
        )

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.start_writing(selection)

        self.push_screen(
            ConfirmationModal(
                "Write this archive?", describe_write(selection), yes="Write", no="Cancel"
            ),
            answered,
        )

    def start_writing(self, plan: DumpPlan) -> None:
        """Switch to the writing screen and run ``execute``."""
        self._cancel_write.clear()
        self.written_plan = plan
        self.writing = WritingScreen(plan)
        self.push_screen(self.writing)
        self.write(plan)

    def cancel_write(self) -> None:
        """Make the next progress report raise KeyboardInterrupt in the engine."""
        self._cancel_write.set()

    @on(WriteProgressed)
    def write_progressed(self, message: WriteProgressed) -> None:
        """Forward write progress to the writing screen."""
        if self.writing is not None:
            self.writing.report(message.update)

    @on(ArchiveWritten)
    def archive_written(self, message: ArchiveWritten) -> None:
        """Show what was written."""
        self.switch_screen(ResultScreen(message.result))

    @on(DumpFailed)
    def dump_failed(self, message: DumpFailed) -> None:
        """Show why the dump failed; leaving exits with code 1."""
        self.switch_screen(
            ErrorScreen(
                "The dump failed",
                message.problems,
                "Nothing was written at the final path; an existing archive of that "
                "name is untouched. Press q to leave.",
            )
        )

    @on(DumpCancelled)
    def dump_cancelled(self, message: DumpCancelled) -> None:
        """The engine cleaned up: leave with code 130."""
        self.exit(return_code=130, message="Cancelled: nothing written.")
