"""Confirm a load: what goes into which database, which folders are merged or replaced."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...core.restore import LoadPlan
from ...wording import (
    ALL_OR_NOTHING,
    NOT_RESTORED,
    STAGED_FIRST,
    count,
    load_data_lines,
    load_notes,
    size,
)
from ..widgets.archive_tree import restore_action
from .confirm import ConfirmationModal


def _data_row(plan: LoadPlan, database: str) -> RenderableType:
    """The data files loaded, into which database, and those skipped and why."""
    first, *rest = load_data_lines(plan, database)
    if not plan.selected_datas:
        return Text(first, style="dim")
    return Text.assemble(first, "\n", ("\n".join(rest), "dim"))


def _storages_row(plan: LoadPlan) -> RenderableType:
    """Each storage restored: files, size, what it does to its target folder."""
    storages = plan.selected_storages
    if not storages:
        return Text(NOT_RESTORED if not plan.with_storages else "none", style="dim")
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", style="dim", no_wrap=True)
    table.add_column()
    for item in storages:
        name = Text(item.name)
        if item.through_link:
            name.append(f" → {item.target}", style="cyan")
        table.add_row(name, count(item.files, "file"), size(item.size), restore_action(item))
    return Group(Text.assemble("into ", (str(plan.storages_basepath), "bold")), table)


def _note(note: str) -> Text:
    """One of :func:`~diskette_tui.wording.load_notes`, styled by what it says."""
    if note == ALL_OR_NOTHING:
        head, _, tail = note.partition(": ")
        return Text.assemble((head + ": ", "bold"), tail)
    if note == STAGED_FIRST:
        return Text(note, style="dim")
    return Text(note, style="bold yellow" if "removes" in note else "yellow")


def describe_load(plan: LoadPlan, database: str = "") -> RenderableType:
    """What a load of ``plan`` changes: data into which database, storages into which folders."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("archive", Text(str(plan.archive), style="bold", overflow="fold"))
    grid.add_row("data", _data_row(plan, database))
    grid.add_row("storages", _storages_row(plan))
    return Group(grid, Text(""), *(_note(note) for note in load_notes(plan)))


class LoadConfirmation(ConfirmationModal):
    """``Load this archive?`` — True on ``y``, False on ``n`` or ``escape`` (focus on No)."""

    def __init__(self, plan: LoadPlan, database: str = "", **kwargs) -> None:
        super().__init__(
            "Load this archive?", describe_load(plan, database), yes="Load", no="Cancel", **kwargs
        )
        self.plan = plan
