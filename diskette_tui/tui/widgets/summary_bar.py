"""One line that follows every change of the selection: what will be written, where."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ...core.plan import DumpPlan
from ...render import count, size


def summarize(plan: DumpPlan, read_only: bool = False) -> Text:
    """Definitions n of m, models, rows, files, size → archive, warnings."""
    dot = (" · ", "dim")
    parts: list = []
    if plan.with_data:
        parts += [
            f"{len(plan.selected_definitions)} of {len(plan.definitions)} definitions",
            dot,
            count(plan.model_count, "model"),
            dot,
            count(plan.rows, "row"),
        ]
    else:
        parts.append(("no data", "yellow"))
    parts.append(dot)
    if plan.with_storages:
        parts += [count(plan.files, "file"), dot, size(plan.size)]
    else:
        parts.append(("no storages", "yellow"))
    text = Text.assemble(*parts)
    if not plan.has_data and not plan.has_storages:
        text.append("  nothing to write", style="bold red")
    else:
        text.append(" → " if not read_only else " → would write ", style="dim")
        text.append(str(plan.archive_path), style="bold")
        if plan.archive_path.exists():
            text.append(" (replaces it)", style="yellow")
    warnings = len(plan.warnings)
    if warnings:
        text.append(" · ", style="dim")
        text.append(f"⚠ {count(warnings, 'warning')}", style="yellow")
    return text


class SummaryBar(Static):
    """The totals of the current selection."""

    def show(self, plan: DumpPlan, read_only: bool = False) -> None:
        """Summarize ``plan``."""
        self.update(summarize(plan, read_only))
