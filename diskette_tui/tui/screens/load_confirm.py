"""Confirm a load: what goes into which database, which folders are merged or replaced."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...core.loader import LoadPlan
from ...core.plan import DATA_DIRNAME
from ...render import count, size
from ..widgets.archive_tree import restore_action
from .confirm import ConfirmationModal, name_list


def _short(name: str) -> str:
    return name.removeprefix(DATA_DIRNAME + "/")


def _data_row(plan: LoadPlan, database: str) -> RenderableType:
    """The data files loaded, into which database, and those skipped and why."""
    datas = plan.selected_datas
    if not datas:
        reason = "not loaded (--no-data)" if not plan.with_data else "no data file to load"
        return Text(reason, style="dim")
    lines = Text.assemble(
        f"{count(len(datas), 'file')}, {count(plan.objects, 'object')} → ",
        (database or "the project's database", "bold"),
        "\n",
        (name_list(_short(item.name) for item in datas), "dim"),
    )
    skipped = [item for item in plan.datas if not item.selected]
    if skipped:
        lines.append(
            "\nskipped: " + name_list(f"{_short(item.name)} ({item.reason})" for item in skipped),
            style="dim",
        )
    return lines


def _storages_row(plan: LoadPlan) -> RenderableType:
    """Each storage restored: files, size, what it does to its target folder."""
    storages = plan.selected_storages
    if not storages:
        reason = "not restored (--no-storages)" if not plan.with_storages else "none"
        return Text(reason, style="dim")
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(justify="right", style="dim", no_wrap=True)
    table.add_column()
    for item in storages:
        name = Text(item.name)
        if item.target != plan.storages_basepath / item.name:
            name.append(f" → {item.target}", style="cyan")  # a storage folder that is a link
        table.add_row(name, count(item.files, "file"), size(item.size), restore_action(item))
    return Group(Text.assemble("into ", (str(plan.storages_basepath), "bold")), table)


def _notes(plan: LoadPlan) -> list[Text]:
    """All or nothing, staging, files a replace removes, checksums not verified."""
    notes: list[Text] = []
    if plan.selected_datas:
        notes.append(
            Text.assemble(
                ("All or nothing: ", "bold"),
                "the data files load in one transaction; if one fails, the database is "
                "rolled back and no storage folder is touched.",
            )
        )
    storages = plan.selected_storages
    if storages:
        notes.append(
            Text(
                "The storages are extracted and checked in temporary folders before any is "
                "put in place.",
                style="dim",
            )
        )
    removed = sum(item.removed for item in storages)
    if removed:
        notes.append(
            Text(
                f"⚠ replace removes {count(removed, 'existing file')} that "
                f"{'is' if removed == 1 else 'are'} not in the archive",
                style="bold yellow",
            )
        )
    if plan.verification == "unverifiable":
        notes.append(Text("⚠ no SHA256SUMS: the content cannot be verified", "yellow"))
    elif plan.verification == "skipped":
        notes.append(Text("⚠ checksums not checked (--no-verify)", "yellow"))
    return notes


def describe_load(plan: LoadPlan, database: str = "") -> RenderableType:
    """What a load of ``plan`` changes: data into which database, storages into which folders."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("archive", Text(str(plan.archive), style="bold"))
    grid.add_row("data", _data_row(plan, database))
    grid.add_row("storages", _storages_row(plan))
    return Group(grid, Text(""), *_notes(plan))


class LoadConfirmation(ConfirmationModal):
    """``Load this archive?`` — True on ``y``, False on ``n`` or ``escape`` (focus on No)."""

    def __init__(self, plan: LoadPlan, database: str = "", **kwargs) -> None:
        super().__init__(
            "Load this archive?", describe_load(plan, database), yes="Load", no="Cancel", **kwargs
        )
        self.plan = plan
