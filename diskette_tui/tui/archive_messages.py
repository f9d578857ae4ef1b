"""Messages of the archive app (inspect and load): past-tense events posted by workers."""

from __future__ import annotations

from textual.message import Message

from ..core.loader import LoadPlan, LoadResult
from ..core.progress import ProgressUpdate
from .archive_view import ArchiveView


class ArchiveRead(Message):
    """The archive is read (and, for a load, checked and planned): ``view`` says it all."""

    def __init__(self, view: ArchiveView) -> None:
        super().__init__()
        self.view = view


class ArchiveReadFailed(Message):
    """The archive cannot be read, or a load of it cannot be planned (nothing written)."""

    def __init__(self, problems: list[str], exit_code: int) -> None:
        super().__init__()
        self.problems = problems
        self.exit_code = exit_code


class LoadProgressed(Message):
    """The load is running: storage bytes staged, or a data file about to be loaded."""

    def __init__(self, update: ProgressUpdate) -> None:
        super().__init__()
        self.update = update


class ArchiveLoaded(Message):
    """Everything the plan asked for is loaded; ``duration`` in seconds."""

    def __init__(self, plan: LoadPlan, result: LoadResult, duration: float) -> None:
        super().__init__()
        self.plan = plan
        self.result = result
        self.duration = duration


class LoadFailed(Message):
    """The load failed and was rolled back; ``problems`` are the lines to show."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__()
        self.problems = problems


class LoadCancelled(Message):
    """The user stopped the load; the engine rolled it back."""
