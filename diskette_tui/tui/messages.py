"""Messages of the preview app: past-tense events, posted by workers or screens."""

from __future__ import annotations

from textual.message import Message

from ..core.archive import ArchiveResult
from ..core.plan import DumpPlan
from ..core.progress import ProgressUpdate


class PlanLoaded(Message):
    """The plan is computed; ``indexes`` are the storages' folder indexes for ``match``."""

    def __init__(self, plan: DumpPlan, indexes: dict, match: str = "") -> None:
        super().__init__()
        self.plan = plan
        self.indexes = indexes
        self.match = match


class ScanProgressed(Message):
    """The plan is being computed: a definition read or storage entries seen."""

    def __init__(self, update: ProgressUpdate) -> None:
        super().__init__()
        self.update = update


class PlanFailed(Message):
    """The plan could not be computed; ``problems`` are the lines to show."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__()
        self.problems = problems


class SelectionChanged(Message):
    """The user changed what goes into the archive; ``plan`` holds the new selection."""

    def __init__(self, plan: DumpPlan) -> None:
        super().__init__()
        self.plan = plan


class WriteProgressed(Message):
    """The archive is being written: a definition dumped or storage bytes archived."""

    def __init__(self, update: ProgressUpdate) -> None:
        super().__init__()
        self.update = update


class ArchiveWritten(Message):
    """The archive is complete at its final path."""

    def __init__(self, result: ArchiveResult) -> None:
        super().__init__()
        self.result = result


class DumpFailed(Message):
    """Writing failed; nothing was written at the final path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__()
        self.problems = problems


class DumpCancelled(Message):
    """The user stopped the writing; the engine removed its temporary files."""


class StorageToggled(Message):
    """The user ticked a storage in or out of the archive."""

    def __init__(self, arcname: str) -> None:
        super().__init__()
        self.arcname = arcname
