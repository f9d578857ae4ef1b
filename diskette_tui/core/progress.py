"""Progress reports the engine sends to whoever drives it (CLI, TUI, tests)."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable


@dataclass(frozen=True)
class ProgressUpdate:
    """One step of a long operation.

    ``stage`` is ``"scan"`` (walking a storage), ``"data"`` (dumping one
    definition), ``"storage"`` (archiving storage bytes) or ``"finish"``.
    ``item`` names what is being worked on (definition name, storage or file
    archive name). ``completed`` and ``total`` count definitions for ``data``,
    bytes for ``storage`` and entries seen for ``scan`` (``total`` may be None).
    """

    stage: str
    item: str
    completed: int
    total: int | None = None


#: A progress callback; it may raise (KeyboardInterrupt...) to stop the work.
ProgressCallback = Callable[[ProgressUpdate], None]


def no_progress(update: ProgressUpdate) -> None:
    """Progress callback that ignores every update."""
