"""The load app: preview a load of an archive, confirm it, run it, report.

Nothing is written before the user confirms: ``load_plan()`` reads, checks and
verifies the archive. Exit codes (``App.return_code``): 0 loaded; 1 when the
load cannot be planned (unreadable, unsafe or tampered archive: the error's
own code, 2 for a configuration problem), when it failed (rolled back) or
when the user leaves without loading; 130 when the user stopped it (rolled back).
"""

from __future__ import annotations

import time
from typing import Protocol

from rich.text import Text
from textual import on, work

from ..core.restore import LoadPlan, LoadResult
from ..core.progress import ProgressCallback
from ..core.requests import LoadRequest
from ..render import count
from .archive_base import ArchiveViewApp
from .archive_view import ArchiveView, load_view
from .base import failure_message
from .messages import (
    ArchiveLoaded,
    LoadCancelled,
    LoadFailed,
    LoadProgressed,
    LoadReplanRequested,
    LoadRequested,
)
from .screens import ErrorScreen, LoadConfirmation, LoadedScreen, LoadingScreen

LOAD_WORKER = "load-archive"


class LoadEngine(Protocol):
    """What the app needs of the engine: :class:`~diskette_tui.core.restore.Loader`."""

    def plan(self, request: LoadRequest, progress=None) -> LoadPlan:
        """Read, check and verify the archive; say what the load would do (blocking)."""

    def execute(self, plan: LoadPlan, progress: ProgressCallback | None = None) -> LoadResult:
        """Run the load, all or nothing (blocking)."""


class LoadApp(ArchiveViewApp):
    """Preview, confirm and run the load ``request`` asks for; the loader runs it in workers."""

    READING = "checking and planning the load of"
    READ_FAILURE = "The archive cannot be loaded"
    READ_FAILURE_NOTE = "Nothing was loaded or written."
    WORKER_FAILURES = {
        **ArchiveViewApp.WORKER_FAILURES,
        LOAD_WORKER: failure_message(LoadFailed, stopped=LoadCancelled),
    }

    def __init__(
        self,
        loader: LoadEngine,
        request: LoadRequest,
        *,
        archive_label: str = "the archive",
        title: str = "diskette",
        subtitle: str = "",
        database: str = "",
    ) -> None:
        super().__init__(
            archive_label=archive_label, title=title, subtitle=subtitle, database=database
        )
        self.loader = loader
        self.request = request
        self.database = database
        #: The plan last sent to ``execute`` (tests read it).
        self.loaded_plan: LoadPlan | None = None

    def read_view(self) -> ArchiveView:
        """Plan the load: the archive read, checked and verified."""
        return load_view(self.loader.plan(self.request))

    @on(LoadReplanRequested)
    def replan_requested(self, message: LoadReplanRequested) -> None:
        """Plan the load again with the user's new choices (the screen shows the new plan)."""
        self.request = message.request
        self.read_archive()

    # Loading -------------------------------------------------------------------

    @on(LoadRequested)
    def load_requested(self, message: LoadRequested) -> None:
        """Ask for confirmation, then load exactly the plan."""
        plan = message.plan
        self.ask_then(LoadConfirmation(plan, self.database), lambda: self.start_load(plan))

    def start_load(self, plan: LoadPlan) -> None:
        """Switch to the loading screen and run ``execute``."""
        self.loaded_plan = plan
        self.start_progress(LoadingScreen(plan))
        self.load_archive(plan)

    @work(thread=True, exclusive=True, name=LOAD_WORKER, exit_on_error=False)
    def load_archive(self, plan: LoadPlan) -> ArchiveLoaded:
        """Run the load (blocking); the user may stop it (the engine rolls back)."""
        started = time.monotonic()
        result = self.run_stoppable(
            lambda progress: self.loader.execute(plan, progress=progress), LoadProgressed
        )
        return ArchiveLoaded(plan, result, time.monotonic() - started)

    @on(ArchiveLoaded)
    def archive_loaded(self, message: ArchiveLoaded) -> None:
        """Show what was loaded."""
        self.progress_screen = None
        self.switch_screen(LoadedScreen(message.plan, message.result, message.duration))

    @on(LoadFailed)
    def load_failed(self, message: LoadFailed) -> None:
        """Show why the load failed; leaving exits with code 1."""
        self.progress_screen = None
        plan = self.loaded_plan
        note = "The database was rolled back" if plan and plan.selected_datas else "No data loaded"
        note += " and the storage folders are as they were"
        if plan and any(item.mode == "merge" and item.exists for item in plan.selected_storages):
            note += " (a merge that failed while moving files in may have moved some)"
        self.switch_screen(
            ErrorScreen("The load failed", message.problems, note + ". Press q to leave.")
        )

    @on(LoadCancelled)
    def load_cancelled(self, message: LoadCancelled) -> None:
        """The engine rolled back: leave with code 130."""
        self.exit(return_code=130, message="Cancelled: nothing loaded (rolled back).")

    # Leaving -------------------------------------------------------------------

    def leave(self, return_code: int | None = None) -> None:
        """Quit from wherever the user is, with the exit code that matches."""
        loading = self.progress_screen
        if return_code is not None:
            self.exit(return_code=return_code)
        elif loading is not None:
            if self.screen is loading:  # not again over its "Stop loading?" question
                self.ask_to_stop()
        elif isinstance(self.screen, LoadedScreen):
            self.exit(return_code=0, message=Text(loaded_message(self.screen)))
        else:
            self.exit(return_code=1, message="Nothing loaded.")


def loaded_message(screen: LoadedScreen) -> str:
    """The line left in the terminal after a load: what went in, from which archive."""
    result = screen.result
    parts = []
    if result.loaded:
        objects = sum(value or 0 for value in result.loaded.values())
        parts.append(f"{count(len(result.loaded), 'data file')} ({count(objects, 'object')})")
    if result.storages:
        parts.append(f"{count(result.files, 'storage file')}")
    return f"Loaded {' and '.join(parts) or 'nothing'} from {screen.plan.archive.name}."
