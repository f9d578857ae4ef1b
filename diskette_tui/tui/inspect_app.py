"""The inspect app: browse an archive, its checksums and whether a load would accept it.

Exit codes (``App.return_code``): 0, or 1 when the archive cannot be read.
"""

from __future__ import annotations

from pathlib import Path

from ..core.reader import scan
from .archive_base import ArchiveViewApp
from .archive_view import ArchiveView, inspect_view


class InspectApp(ArchiveViewApp):
    """Browse ``archive``: it is read once, in a worker, and never changed."""

    def __init__(
        self,
        archive: Path,
        *,
        archive_label: str = "the archive",
        title: str = "diskette",
        subtitle: str = "",
    ) -> None:
        super().__init__(archive_label=archive_label, title=title, subtitle=subtitle)
        self.archive = Path(archive)

    def read_view(self) -> ArchiveView:
        """Read the archive, verify its checksums and judge its safety."""
        return inspect_view(scan(self.archive))

    def leave(self, return_code: int | None = None) -> None:
        """Quit: code 0, or the error screen's."""
        self.exit(return_code=0 if return_code is None else return_code)
