"""Messages of the Textual apps: what happened (past tense) and what a screen asks for.

Workers' outcomes become past-tense events (``PlanLoaded``, ``ArchiveWritten``,
``ArchiveLoaded``…) in :meth:`.base.WorkerApp.on_worker_state_changed`. Screens
never call their app: they post requests (``DumpRequested``, ``StopRequested``…)
that the app handles with ``@on``. Every message is a dataclass; Textual's
:class:`~textual.message.Message` initializes itself in ``__post_init__``.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..core.archive import ArchiveResult
from ..core.restore import LoadPlan, LoadResult
from ..core.plan import DumpPlan
from ..core.progress import ProgressUpdate
from ..core.requests import LoadRequest
from .archive_view import ArchiveView
from .folders import Folder

# Progress -----------------------------------------------------------------------


@dataclass
class ProgressReported(Message):
    """A write or a load reported progress (the app forwards it to its progress screen)."""

    update: ProgressUpdate


@dataclass
class ScanProgressed(Message):
    """The plan is being computed: a definition read or storage entries seen.

    Not a :class:`ProgressReported`: the preview shows it, not a progress screen.
    """

    update: ProgressUpdate


@dataclass
class WriteProgressed(ProgressReported):
    """The archive is being written: a definition dumped or storage bytes archived."""


@dataclass
class LoadProgressed(ProgressReported):
    """The load is running: storage bytes staged, or a data file about to be loaded."""


# The dump ------------------------------------------------------------------------


@dataclass
class PlanLoaded(Message):
    """The plan is computed; ``indexes`` are the storages' whole folder indexes."""

    plan: DumpPlan
    indexes: dict[str, Folder]


@dataclass
class PlanFailed(Message):
    """The plan could not be computed; ``problems`` are the lines to show."""

    problems: list[str]


@dataclass
class ArchiveWritten(Message):
    """The archive is complete at its final path."""

    result: ArchiveResult


@dataclass
class DumpFailed(Message):
    """Writing failed; nothing was written at the final path."""

    problems: list[str]


@dataclass
class DumpCancelled(Message):
    """The user stopped the writing; the engine removed its temporary files."""


# The archive: inspect and load --------------------------------------------------------


@dataclass
class ArchiveRead(Message):
    """The archive is read (and, for a load, checked and planned): ``view`` says it all."""

    view: ArchiveView


@dataclass
class ArchiveReadFailed(Message):
    """The archive cannot be read, or a load of it cannot be planned (nothing written)."""

    problems: list[str]
    exit_code: int


@dataclass
class ArchiveLoaded(Message):
    """Everything the plan asked for is loaded; ``duration`` in seconds."""

    plan: LoadPlan
    result: LoadResult
    duration: float


@dataclass
class LoadFailed(Message):
    """The load failed and was rolled back; ``problems`` are the lines to show."""

    problems: list[str]


@dataclass
class LoadCancelled(Message):
    """The user stopped the load; the engine rolled it back."""


# Requests from screens -------------------------------------------------------------------


@dataclass
class StorageToggled(Message):
    """The user ticked a storage in or out of the archive (the tree tells the preview)."""

    arcname: str


@dataclass
class ReplanRequested(Message):
    """Compute the plan again, with the storage exclusion patterns on or off (``e``)."""

    with_storages_excludes: bool


@dataclass
class LoadReplanRequested(Message):
    """Plan the load again with the choices the user made in the load preview."""

    request: LoadRequest


@dataclass
class DumpRequested(Message):
    """Write the archive of ``plan``'s selection (after the user confirms)."""

    plan: DumpPlan


@dataclass
class LoadRequested(Message):
    """Load exactly ``plan`` (after the user confirms)."""

    plan: LoadPlan


@dataclass
class StopRequested(Message):
    """The user wants to stop the running write or load (the app asks first)."""


@dataclass
class LeaveRequested(Message):
    """The user wants to leave from the current screen.

    ``return_code`` is the screen's own exit code when it has one (an error
    screen); None lets the app choose from what has happened.
    """

    return_code: int | None = None
