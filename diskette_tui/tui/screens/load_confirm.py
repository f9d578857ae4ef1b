"""Confirm a load: what goes into which database, which folders are merged or replaced."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ...core.loader import LoadPlan
from ...core.plan import DATA_DIRNAME
from ...render import count, size
from ..widgets.archive_tree import restore_action
from .confirm import ConfirmationModal


def _names(names, limit: int = 4) -> str:
    names = list(names)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f", … (+{len(names) - limit})"
    return ", ".join(names)


def describe_load(plan: LoadPlan, database: str = "") -> RenderableType:
    """What a load of ``plan`` changes: data into which database, storages into which folders."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("archive", Text(str(plan.archive), style="bold"))
    datas = plan.selected_datas
    if datas:
        skipped = [item for item in plan.datas if not item.selected]
        lines = Text.assemble(
            f"{count(len(datas), 'file')}, {count(plan.objects, 'object')} → ",
            (database or "the project's database", "bold"),
            "\n",
            (_names(item.name.removeprefix(DATA_DIRNAME + "/") for item in datas), "dim"),
        )
        if skipped:
            lines.append(
                "\nskipped: "
                + _names(
                    f"{item.name.removeprefix(DATA_DIRNAME + '/')} ({item.reason})"
                    for item in skipped
                ),
                style="dim",
            )
        grid.add_row("data", lines)
    else:
        reason = "not loaded (--no-data)" if not plan.with_data else "no data file to load"
        grid.add_row("data", Text(reason, style="dim"))
    storages = plan.selected_storages
    if storages:
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
        grid.add_row(
            "storages",
            Group(Text.assemble("into ", (str(plan.storages_basepath), "bold")), table),
        )
    else:
        reason = "not restored (--no-storages)" if not plan.with_storages else "none"
        grid.add_row("storages", Text(reason, style="dim"))
    parts: list = [grid, Text("")]
    if datas:
        parts.append(
            Text.assemble(
                ("All or nothing: ", "bold"),
                "the data files load in one transaction; if one fails, the database is "
                "rolled back and no storage folder is touched.",
            )
        )
    if storages:
        parts.append(
            Text(
                "The storages are extracted and checked in temporary folders before any is "
                "put in place.",
                style="dim",
            )
        )
    removed = sum(item.removed for item in storages)
    if removed:
        parts.append(
            Text(
                f"⚠ replace removes {count(removed, 'existing file')} that "
                f"{'is' if removed == 1 else 'are'} not in the archive",
                style="bold yellow",
            )
        )
    if plan.verification == "unverifiable":
        parts.append(Text("⚠ no SHA256SUMS: the content cannot be verified", "yellow"))
    elif plan.verification == "skipped":
        parts.append(Text("⚠ checksums not checked (--no-verify)", "yellow"))
    return Group(*parts)


class LoadConfirmation(ConfirmationModal):
    """``Load this archive?`` — True on ``y``, False on ``n`` or ``escape`` (focus on No)."""

    def __init__(self, plan: LoadPlan, database: str = "", **kwargs) -> None:
        super().__init__(
            "Load this archive?", describe_load(plan, database), yes="Load", no="Cancel", **kwargs
        )
        self.plan = plan
