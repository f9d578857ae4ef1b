"""The dump app: compute the plan, let the user choose, confirm, write, report.

Exit codes (``App.return_code``): 0 written or quit, 1 the plan or the dump
failed (after the user has read the error and pressed ``q``/``enter``), 130
the user stopped the writing.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from textual import on, work
from textual.worker import get_current_worker

from ..core.archive import ArchiveResult
from ..core.plan import DumpPlan
from ..core.progress import ProgressCallback, ProgressUpdate
from ..core.requests import DumpRequest
from .base import WorkerApp, failure_message
from .folders import build_indexes
from .messages import (
    ArchiveWritten,
    DumpCancelled,
    DumpFailed,
    DumpRequested,
    LeaveRequested,
    PlanFailed,
    PlanLoaded,
    ReplanRequested,
    ScanProgressed,
    WriteProgressed,
)
from .screens import ErrorScreen, PreviewScreen, ResultScreen, WriteConfirmation, WritingScreen

PLAN_WORKER = "load-plan"
WRITE_WORKER = "write-archive"


class DumpEngine(Protocol):
    """What the app needs of the engine: :class:`~diskette_tui.core.dumper.Dumper`."""

    def plan(self, request: DumpRequest, progress=None, is_cancelled=None) -> DumpPlan:
        """Compute what ``request`` would write (blocking)."""

    def execute(self, plan: DumpPlan, progress: ProgressCallback | None = None) -> ArchiveResult:
        """Write ``plan`` atomically (blocking)."""


class DumpApp(WorkerApp):
    """Preview a dump, then write it (or, read-only, only browse it)."""

    CSS_PATH = "diskette.tcss"
    WORKER_FAILURES = {
        PLAN_WORKER: failure_message(PlanFailed),
        WRITE_WORKER: failure_message(DumpFailed, stopped=DumpCancelled),
    }

    def __init__(
        self,
        dumper: DumpEngine,
        request: DumpRequest,
        *,
        read_only: bool = False,
        title: str = "diskette",
        subtitle: str = "",
    ) -> None:
        super().__init__(title=title, subtitle=subtitle)
        self.dumper = dumper
        #: What the user asks for now; the preview's ``e`` replaces it.
        self.request = request
        self.read_only = read_only
        self.preview = PreviewScreen(read_only=read_only)
        #: The plan last sent to ``execute`` (tests read it).
        self.written_plan: DumpPlan | None = None
        #: What ``execute`` wrote (the command line sums it up once the app has closed).
        self.result: ArchiveResult | None = None

    def on_mount(self) -> None:
        """Show the preview at once and compute the plan behind it."""
        self.push_screen(self.preview)
        self.compute_plan()

    # Plan ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, name=PLAN_WORKER, exit_on_error=False)
    def compute_plan(self, with_storages_excludes: bool | None = None):
        """Compute the plan and the storages' folder indexes (blocking).

        ``with_storages_excludes`` None keeps the request's choice (the command
        line's ``--no-storages-excludes``).
        """
        worker = get_current_worker()

        def progress(update: ProgressUpdate) -> None:
            if not worker.is_cancelled:
                self.post_message(ScanProgressed(update))

        def is_cancelled() -> bool:
            return worker.is_cancelled

        request = self.request
        if with_storages_excludes is not None:
            request = dataclasses.replace(request, with_storages_excludes=with_storages_excludes)
        plan = self.dumper.plan(request, progress=progress, is_cancelled=is_cancelled)
        return PlanLoaded(plan, build_indexes(plan))

    @on(ScanProgressed)
    def scan_progressed(self, message: ScanProgressed) -> None:
        """Forward plan progress to the preview."""
        self.preview.report_scan(message.update)

    @on(PlanLoaded)
    def plan_loaded(self, message: PlanLoaded) -> None:
        """Show the plan."""
        self.preview.show_plan(message.plan, message.indexes)
        self.keep_out_of_collections()

    @on(ReplanRequested)
    def replan_requested(self, message: ReplanRequested) -> None:
        """Compute the plan again, with the storage exclusion patterns on or off."""
        self.compute_plan(message.with_storages_excludes)

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

    @on(DumpRequested)
    def dump_requested(self, message: DumpRequested) -> None:
        """Ask for confirmation, then write exactly the selection of the plan."""
        if self.read_only:
            return
        plan = message.plan
        selection = plan.select(
            definitions=[item.name for item in plan.definitions if item.selected],
            storages=[item.arcname for item in plan.storages if item.selected],
            with_data=plan.with_data,
            with_storages=plan.with_storages,
        )
        self.ask_then(WriteConfirmation(selection), lambda: self.start_writing(selection))

    def start_writing(self, plan: DumpPlan) -> None:
        """Switch to the writing screen and run ``execute``."""
        self.written_plan = plan
        self.start_progress(WritingScreen(plan))
        self.write(plan)

    @work(thread=True, exclusive=True, name=WRITE_WORKER, exit_on_error=False)
    def write(self, plan: DumpPlan) -> ArchiveWritten:
        """Write the archive (blocking); the user may stop it."""
        result = self.run_stoppable(
            lambda progress: self.dumper.execute(plan, progress=progress), WriteProgressed
        )
        return ArchiveWritten(result)

    @on(ArchiveWritten)
    def archive_written(self, message: ArchiveWritten) -> None:
        """Show what was written."""
        self.result = message.result
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

    # Leaving -------------------------------------------------------------------------

    @on(LeaveRequested)
    def leave_requested(self, message: LeaveRequested) -> None:
        """Quit: code 0 from the preview or the result, the error screen's own code."""
        self.exit(return_code=0 if message.return_code is None else message.return_code)
