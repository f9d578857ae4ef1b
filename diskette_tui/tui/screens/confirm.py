"""A yes/no question over the current screen: write the archive? stop writing?"""

from __future__ import annotations

import humanize
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from ...core.plan import DumpPlan
from ...render import count, size


def _names(items, limit=4) -> str:
    names = [item for item in items]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f", … (+{len(names) - limit})"
    return ", ".join(names)


def describe_write(plan: DumpPlan) -> RenderableType:
    """What a dump of ``plan`` writes, where, how big, and what it replaces."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("archive", Text(str(plan.archive_path), style="bold"))
    definitions = plan.selected_definitions
    if definitions:
        rows = "" if plan.rows is None else f", {count(plan.rows, 'row')}"
        grid.add_row(
            "data",
            Text.assemble(
                f"{count(len(definitions), 'definition')}{rows}\n",
                (_names(item.name for item in definitions), "dim"),
            ),
        )
    else:
        grid.add_row("data", Text("none", style="dim"))
    storages = plan.selected_storages
    if storages:
        grid.add_row(
            "storages",
            Text.assemble(
                f"{count(plan.files, 'file')}, {size(plan.size)} before compression\n",
                (_names(item.arcname for item in storages), "dim"),
            ),
        )
    else:
        grid.add_row("storages", Text("none", style="dim"))
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


class ConfirmationModal(ModalScreen[bool]):
    """Ask a question; dismiss with True (``y``) or False (``n``, ``escape``)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(
        self, title: str, body: RenderableType, yes: str = "Yes", no: str = "No", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.question = title
        self.body = body
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="question")
            yield Static(self.body, id="dialog-body")
            with Horizontal(id="buttons"):
                yield Button(f"{self.yes_label} (y)", variant="primary", id="yes")
                yield Button(f"{self.no_label} (n)", id="no")

    def on_mount(self) -> None:
        """Leave the focus on "no": ``enter`` must not write by accident."""
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click answers like the key."""
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Close the dialog with ``answer``."""
        self.dismiss(answer)
