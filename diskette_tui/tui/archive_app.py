"""The archive app: browse an archive (``inspect``) or preview, confirm and run a load.

Reading the archive and loading it are blocking and run in thread workers;
their outcome is handled in one place, :meth:`ArchiveApp.on_worker_state_changed`,
which turns it into past-tense messages (:mod:`.archive_messages`).

Exit codes (``App.return_code``): inspect 0, or 1 when the archive cannot be
read. Load: 0 loaded; 1 when the load cannot be planned (unreadable, unsafe
or tampered archive: the error's own code, 2 for a configuration problem), when
it failed (rolled back) or when the user leaves without loading; 130 when the
user stopped it (rolled back).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from textual import on, work
from textual.app import App
from textual.worker import Worker, WorkerState, get_current_worker

from ..core.loader import LoadPlan, LoadResult
from ..core.progress import ProgressUpdate
from ..core.reader import ArchiveContents
from ..exceptions import DisketteError
from ..render import count
from .archive_messages import (
    ArchiveLoaded,
    ArchiveRead,
    ArchiveReadFailed,
    LoadCancelled,
    LoadFailed,
    LoadProgressed,
)
from .archive_view import ArchiveView, inspect_view, load_view
from .screens.archive import ArchiveScreen
from .screens.error import ErrorScreen
from .screens.load_confirm import LoadConfirmation
from .screens.loading import LoadedScreen, LoadingScreen

READ_WORKER = "read-archive"
LOAD_WORKER = "load-archive"
#: Seconds between two storage-bytes reports forwarded to the UI.
REPORT_INTERVAL = 0.05

LoadContents = Callable[[], ArchiveContents]
PlanLoad = Callable[[], LoadPlan]
ExecuteLoad = Callable[[LoadPlan, Callable[[ProgressUpdate], None]], LoadResult]


class LoadStopped(Exception):
    """The user stopped the load (the engine saw a KeyboardInterrupt and rolled back)."""


def problem_lines(error: BaseException) -> list[str]:
    """The lines to show for an error: a DisketteError's problems, else its text."""
    if isinstance(error, DisketteError) and error.problems:
        return list(error.problems)
    text = str(error)
    return [f"{type(error).__name__}: {text}" if text else type(error).__name__]


class ClosingErrorScreen(ErrorScreen):
    """The preview's error screen, leaving with a chosen exit code."""

    def __init__(self, title: str, problems: list[str], note: str, code: int, **kwargs) -> None:
        super().__init__(title, problems, note, **kwargs)
        self.code = code

    def action_leave(self) -> None:
        """Exit the app with this error's code."""
        self.app.exit(return_code=self.code)


class ArchiveApp(App[None]):
    """Inspect an archive (``execute`` None) or preview, confirm and run a load of it.

    For an inspection ``read`` is ``load_contents() -> ArchiveContents``; for a
    load it is ``load_plan() -> LoadPlan`` (reads, checks and verifies the
    archive: nothing is written before the user confirms) and ``execute(plan,
    progress) -> LoadResult`` runs it.
    """

    CSS_PATH = "archive.tcss"
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        read: LoadContents | PlanLoad,
        execute: ExecuteLoad | None = None,
        *,
        archive_label: str = "the archive",
        title: str = "diskette",
        subtitle: str = "",
        database: str = "",
    ) -> None:
        super().__init__()
        self.read = read
        self.execute = execute
        self.for_load = execute is not None
        self.title = title
        self.sub_title = subtitle
        self.database = database
        self.browser = ArchiveScreen(archive_label, for_load=self.for_load, database=database)
        self.loading: LoadingScreen | None = None
        self._stop_load = threading.Event()
        #: The plan last sent to ``execute`` (tests read it).
        self.loaded_plan: LoadPlan | None = None

    def on_mount(self) -> None:
        """Show the reading view at once and read the archive behind it."""
        self.push_screen(self.browser)
        self.read_archive()

    # Workers -------------------------------------------------------------------

    @work(thread=True, exclusive=True, name=READ_WORKER, exit_on_error=False)
    def read_archive(self) -> ArchiveView:
        """Read the archive (inspect) or plan the load (blocking); fold it for display."""
        if self.for_load:
            return load_view(self.read())
        return inspect_view(self.read())

    @work(thread=True, exclusive=True, name=LOAD_WORKER, exit_on_error=False)
    def run_load(self, plan: LoadPlan) -> tuple[LoadResult, float]:
        """Run the load (blocking); stop with KeyboardInterrupt when asked."""
        last = 0.0
        started = time.monotonic()
        worker = get_current_worker()

        def progress(update: ProgressUpdate) -> None:
            nonlocal last
            if self._stop_load.is_set() or worker.is_cancelled:
                raise KeyboardInterrupt
            now = time.monotonic()
            # Storage bytes arrive per file: forward a few per second, and every data step.
            if update.stage != "storage" or now - last >= REPORT_INTERVAL:
                last = now
                self.post_message(LoadProgressed(update))

        try:
            result = self.execute(plan, progress)
        except KeyboardInterrupt:
            raise LoadStopped() from None
        return result, time.monotonic() - started

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place where the workers' results and errors are handled."""
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            if worker.name == READ_WORKER:
                self.post_message(ArchiveRead(worker.result))
            elif worker.name == LOAD_WORKER:
                result, duration = worker.result
                self.post_message(ArchiveLoaded(self.loaded_plan, result, duration))
        elif event.state == WorkerState.ERROR:
            error = worker.error
            if worker.name == READ_WORKER:
                code = error.exit_code if isinstance(error, DisketteError) else 1
                self.post_message(ArchiveReadFailed(problem_lines(error), code))
            elif isinstance(error, LoadStopped):
                self.post_message(LoadCancelled())
            else:
                self.post_message(LoadFailed(problem_lines(error)))

    # Reading -------------------------------------------------------------------

    @on(ArchiveRead)
    def archive_read(self, message: ArchiveRead) -> None:
        """Show the archive (and the load plan)."""
        self.browser.show(message.view)

    @on(ArchiveReadFailed)
    def archive_read_failed(self, message: ArchiveReadFailed) -> None:
        """Show why the archive cannot be read or loaded; leaving exits with its code."""
        title = "The archive cannot be loaded" if self.for_load else "The archive cannot be read"
        note = "Nothing was loaded or written." if self.for_load else "Nothing was written."
        self.switch_screen(
            ClosingErrorScreen(title, message.problems, note + " Press q to leave.",
                               message.exit_code)
        )

    # Loading -------------------------------------------------------------------

    def confirm_load(self, plan: LoadPlan) -> None:
        """Ask for confirmation, then load exactly ``plan``."""
        if not self.for_load:
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.start_load(plan)

        self.push_screen(LoadConfirmation(plan, self.database), answered)

    def start_load(self, plan: LoadPlan) -> None:
        """Switch to the loading screen and run ``execute``."""
        self._stop_load.clear()
        self.loaded_plan = plan
        self.loading = LoadingScreen(plan)
        self.push_screen(self.loading)
        self.run_load(plan)

    def cancel_load(self) -> None:
        """Make the next progress report raise KeyboardInterrupt in the engine."""
        self._stop_load.set()

    @on(LoadProgressed)
    def load_progressed(self, message: LoadProgressed) -> None:
        """Forward load progress to the loading screen."""
        if self.loading is not None:
            self.loading.report(message.update)

    @on(ArchiveLoaded)
    def archive_loaded(self, message: ArchiveLoaded) -> None:
        """Show what was loaded."""
        self.loading = None
        self.switch_screen(LoadedScreen(message.plan, message.result, message.duration))

    @on(LoadFailed)
    def load_failed(self, message: LoadFailed) -> None:
        """Show why the load failed; leaving exits with code 1."""
        self.loading = None
        plan = self.loaded_plan
        note = "The database was rolled back" if plan and plan.selected_datas else "No data loaded"
        note += " and the storage folders are as they were"
        if plan and any(
            item.mode == "merge" and item.exists for item in plan.selected_storages
        ):
            note += " (a merge that failed while moving files in may have moved some)"
        self.switch_screen(ClosingErrorScreen("The load failed", message.problems,
                                              note + ". Press q to leave.", 1))

    @on(LoadCancelled)
    def load_cancelled(self, message: LoadCancelled) -> None:
        """The engine rolled back: leave with code 130."""
        self.exit(return_code=130, message="Cancelled: nothing loaded (rolled back).")

    # Leaving -------------------------------------------------------------------

    def leave(self) -> None:
        """Quit from wherever the user is, with the exit code that matches."""
        if self.loading is not None:
            if self.screen is self.loading:  # not again over its "Stop loading?" question
                self.loading.action_cancel()
        elif isinstance(self.screen, LoadedScreen):
            self.exit(return_code=0, message=_loaded_message(self.screen))
        elif self.for_load:
            self.exit(return_code=1, message="Nothing loaded.")
        else:
            self.exit(return_code=0)

    async def action_quit(self) -> None:
        """``ctrl+q``: as ``q`` (a running load is asked to stop, not abandoned)."""
        if isinstance(self.screen, ErrorScreen):
            self.screen.action_leave()
        else:
            self.leave()


def _loaded_message(screen: LoadedScreen) -> str:
    """The line left in the terminal after a load: what went in, from which archive."""
    result = screen.result
    parts = []
    if result.loaded:
        objects = sum(value or 0 for value in result.loaded.values())
        parts.append(f"{count(len(result.loaded), 'data file')} ({count(objects, 'object')})")
    if result.storages:
        parts.append(f"{count(result.files, 'storage file')}")
    return f"Loaded {' and '.join(parts) or 'nothing'} from {screen.plan.archive.name}."
