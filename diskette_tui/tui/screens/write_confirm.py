"""Confirm a dump: what the archive holds, where it goes, what it replaces."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...core.plan import DumpPlan
from ...wording import replace_notice, unreadable_notice, warnings_notice, write_rows
from .confirm import ConfirmationModal


def describe_write(plan: DumpPlan) -> RenderableType:
    """What a dump of ``plan`` writes, where, how big, and what it replaces.

    The words are :mod:`diskette_tui.wording`'s; this only lays them out.
    """
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for row in write_rows(plan):
        if row.label == "archive":
            # Folded, never cut: a path too long for the screen goes on over two lines.
            grid.add_row(row.label, Text(row.value, style="bold", overflow="fold"))
        elif row.detail:
            grid.add_row(row.label, Text.assemble(f"{row.value}\n", (row.detail, "dim")))
        else:
            grid.add_row(row.label, Text(row.value, style="dim"))
    parts: list = [grid]
    replaced = replace_notice(plan)
    if replaced:
        head, _, tail = replaced.partition("the existing")
        parts.append(Text.assemble(("\n" + head, "bold yellow"), ("the existing" + tail, "yellow")))
    warnings = warnings_notice(plan)
    if warnings:
        parts.append(Text(warnings, style="yellow"))
    unreadable = unreadable_notice(plan)
    if unreadable:
        parts.append(Text(unreadable, style="yellow" if plan.skip_unreadable else "bold red"))
    return Group(*parts)


class WriteConfirmation(ConfirmationModal):
    """``Write this archive?`` — True on ``y``, False on ``n`` or ``escape`` (focus on Cancel)."""

    def __init__(self, plan: DumpPlan, **kwargs) -> None:
        super().__init__(
            "Write this archive?", describe_write(plan), yes="Write", no="Cancel", **kwargs
        )
        self.plan = plan
