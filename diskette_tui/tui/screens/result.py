"""What the dump wrote: path, size, checksum, objects per data file, files."""

from __future__ import annotations

import humanize
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from ...core.archive import ArchiveResult
from ...render import count, size
from .outcome import DONE_BINDINGS, OutcomeScreen


def describe_result(result: ArchiveResult) -> Table:
    """A grid of an :class:`ArchiveResult`.

    Two columns, so that the sha256 (64 characters) and the path keep a whole
    line at 80 columns; the objects of each data file line up in a grid of their own.
    """
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("archive", Text(str(result.path), style="bold", overflow="fold"))
    exact = (f"  ({humanize.intcomma(result.size)} bytes)", "dim")
    grid.add_row("size", Text.assemble(size(result.size), exact))
    grid.add_row("sha256", Text(result.sha256, style="cyan", overflow="fold"))
    if result.objects:
        datas = Table.grid(padding=(0, 2))
        datas.add_column()
        datas.add_column(justify="right", no_wrap=True)
        for name, objects in result.objects.items():
            objects_text = Text(count(objects, "object"), style="cyan", justify="right")
            datas.add_row(Text(name), objects_text)
        grid.add_row("data", datas)
    grid.add_row("storages", count(result.files, "file"))
    took = humanize.precisedelta(result.duration, minimum_unit="milliseconds")
    grid.add_row("took", Text(took, style="dim"))
    return grid


class ResultScreen(OutcomeScreen):
    """The written archive; ``q`` or ``enter`` leaves with exit code 0."""

    BINDINGS = DONE_BINDINGS
    PANEL_ID = "result"

    def __init__(self, result: ArchiveResult, **kwargs) -> None:
        super().__init__("✓ Archive written", **kwargs)
        self.result = result

    def body(self) -> ComposeResult:
        """What was written."""
        yield Static(describe_result(self.result), id="result-body")
