"""Confirm a dump: what the archive holds, where it goes, what it replaces."""

from __future__ import annotations

import humanize
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...core.plan import DumpPlan
from ...render import count, size
from .confirm import ConfirmationModal, name_list


def _selection_row(grid: Table, label: str, summary: str, names: list[str]) -> None:
    """``label``: the summary over the names, or "none" when nothing is selected."""
    if names:
        grid.add_row(label, Text.assemble(f"{summary}\n", (name_list(names), "dim")))
    else:
        grid.add_row(label, Text("none", style="dim"))


def describe_write(plan: DumpPlan) -> RenderableType:
    """What a dump of ``plan`` writes, where, how big, and what it replaces."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("archive", Text(str(plan.archive_path), style="bold"))
    definitions = plan.selected_definitions
    rows = "" if plan.rows is None else f", {count(plan.rows, 'row')}"
    _selection_row(
        grid,
        "data",
        f"{count(len(definitions), 'definition')}{rows}",
        [item.name for item in definitions],
    )
    _selection_row(
        grid,
        "storages",
        f"{count(plan.files, 'file')}, {size(plan.size)} before compression",
        [item.arcname for item in plan.selected_storages],
    )
    parts: list = [grid]
    if plan.archive_path.exists():
        existing = plan.archive_path.stat().st_size
        parts.append(
            Text.assemble(
                ("\n⚠ replaces ", "bold yellow"),
                (f"the existing archive of that name ({humanize.naturalsize(existing)})", "yellow"),
            )
        )
    warnings = len(plan.warnings)
    if warnings:
        parts.append(Text(f"⚠ {count(warnings, 'load-order warning')}", style="yellow"))
    return Group(*parts)


class WriteConfirmation(ConfirmationModal):
    """``Write this archive?`` — True on ``y``, False on ``n`` or ``escape`` (focus on Cancel)."""

    def __init__(self, plan: DumpPlan, **kwargs) -> None:
        super().__init__(
            "Write this archive?", describe_write(plan), yes="Write", no="Cancel", **kwargs
        )
        self.plan = plan
