"""What a finished load did: objects per data file, storages and their targets."""

from __future__ import annotations

import humanize
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from ...core.restore import LoadPlan, LoadResult
from ...core.plan import DATA_DIRNAME
from ...render import count
from ..widgets.archive_tree import restore_action
from .outcome import DONE_BINDINGS, OutcomeScreen


def describe_loaded(plan: LoadPlan, result: LoadResult, duration: float) -> Table:
    """A grid of a finished load: objects per data file, storages and their targets."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column()
    if result.loaded:
        for index, (name, objects) in enumerate(result.loaded.items()):
            grid.add_row(
                "data" if index == 0 else "",
                Text(name.removeprefix(DATA_DIRNAME + "/")),
                Text(count(objects, "object"), style="cyan"),
                "",
            )
        total = sum(objects or 0 for objects in result.loaded.values())
        grid.add_row(
            "",
            Text("committed", style="dim"),
            Text(count(total, "object"), style="bold cyan"),
            Text("in one transaction", style="dim"),
        )
    else:
        grid.add_row("data", Text("none loaded", style="dim"), "", "")
    planned = {item.name: item for item in plan.selected_storages}
    if result.storages:
        for index, (name, target) in enumerate(result.storages.items()):
            item = planned.get(name)
            grid.add_row(
                "storages" if index == 0 else "",
                Text(str(target)),
                Text(count(item.files, "file") if item else "", style="cyan"),
                restore_action(item, short=True) if item else "",
            )
        grid.add_row(
            "",
            Text("written", style="dim"),
            Text(count(result.files, "file"), style="bold cyan"),
            "",
        )
    else:
        grid.add_row("storages", Text("none restored", style="dim"), "", "")
    grid.add_row(
        "took",
        Text(humanize.precisedelta(duration, minimum_unit="milliseconds"), style="dim"),
        "",
        "",
    )
    return grid


class LoadedScreen(OutcomeScreen):
    """The finished load; ``q`` or ``enter`` leaves (the app exits with code 0)."""

    BINDINGS = DONE_BINDINGS
    PANEL_ID = "loaded"

    def __init__(self, plan: LoadPlan, result: LoadResult, duration: float, **kwargs) -> None:
        super().__init__(f"✓ Loaded {plan.archive}", **kwargs)
        self.plan = plan
        self.result = result
        self.duration = duration

    def body(self) -> ComposeResult:
        """What was loaded."""
        yield Static(describe_loaded(self.plan, self.result, self.duration), id="loaded-body")
