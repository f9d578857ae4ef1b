"""The inspect app: browse an archive, its checksums and whether a load would accept it.

Exit codes (``App.return_code``): 0, or 1 when the archive cannot be read.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.reader import ArchiveContents
from .archive_base import ArchiveViewApp
from .archive_view import ArchiveView, inspect_view

LoadContents = Callable[[], ArchiveContents]


class InspectApp(ArchiveViewApp):
    """Browse an archive; ``load_contents()`` reads it (blocking, in a worker)."""

    def __init__(
        self,
        load_contents: LoadContents,
        *,
        archive_label: str = "the archive",
        title: str = "diskette",
        subtitle: str = "",
    ) -> None:
        super().__init__(archive_label=archive_label, title=title, subtitle=subtitle)
        self.load_contents = load_contents

    def read_view(self) -> ArchiveView:
        """Read the archive, verify its checksums and judge its safety."""
        return inspect_view(self.load_contents())

    def leave(self, return_code: int | None = None) -> None:
        """Quit: code 0, or the error screen's."""
        self.exit(return_code=0 if return_code is None else return_code)
