"""What the highlighted definition dumps, leaves out, and warns about."""

from __future__ import annotations

import humanize
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...core.plan import DefinitionPlan, DumpPlan
from ...wording import data_warning_lines

#: Option names of a definition as people read them.
OPTION_LABELS = {
    "natural_foreign": "natural foreign keys",
    "natural_primary": "natural primary keys",
    "use_base_manager": "all objects (--all)",
}


def _labels(labels, style="") -> Text:
    return Text(", ".join(labels), style=style) if labels else Text("none", style="dim")


def describe_definition(plan: DumpPlan, item: DefinitionPlan) -> Group:
    """A renderable of one definition: file, options, models, exclusions, warnings."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_column(justify="right", no_wrap=True)
    options = [label for key, label in OPTION_LABELS.items() if item.options.get(key)]
    grid.add_row("file", Text.assemble(item.archive_name, "  ", (item.format, "dim")), "")
    if options:
        grid.add_row("options", Text(" · ".join(options)), "")
    verb = "collects" if item.is_drain else "include"
    if not item.models:
        grid.add_row(verb, Text("nothing", style="dim"), "")
    for index, model in enumerate(item.models):
        rows = "?" if model.rows is None else humanize.intcomma(model.rows)
        noun = "row" if model.rows == 1 else "rows"
        label = Text(model.label)
        grid.add_row(verb if index == 0 else "", label, Text(f"{rows} {noun}", style="cyan"))
    if item.excludes:
        grid.add_row("exclude", _labels(item.excludes), "")
    if item.implicit_excludes:
        grid.add_row(
            "",
            Text.assemble(_labels(item.implicit_excludes, "dim"), (" (implicit)", "dim italic")),
            "",
        )
    others, nobody = plan.drain_leaves(item)
    if others:
        grid.add_row("left to others", _labels(others, "dim"), "")
    if nobody:
        grid.add_row("dumped by nobody", _labels(nobody, "dim"), "")
    parts = [grid]
    warnings = [w.message for w in plan.warnings_for(item.name)] if item.selected else []
    warnings += data_warning_lines(plan, item.name) if item.selected else []
    if warnings:
        parts.append(Text(""))
        for warning in warnings:
            parts.append(Text.assemble(("⚠ ", "bold yellow"), (warning, "yellow")))
    comments = item.payload.get("comments")
    if comments:
        parts.append(Text(""))
        parts.append(Text(comments, style="dim italic"))
    return Group(*parts)


class DefinitionDetail(VerticalScroll):
    """Scrollable detail of the definition highlighted in the list.

    It takes the focus (``tab``, or ``w`` in the preview) and scrolls from the
    keyboard (up/down, page up/down, home/end): its warnings come last and
    may sit below the pane's bottom on a small terminal.
    """

    BINDINGS = [Binding("pagedown", "page_down", "Scroll", key_display="PgDn")]

    def compose(self):
        yield Static(id="detail-body")

    def show(self, plan: DumpPlan | None, name: str | None) -> None:
        """Describe definition ``name`` of ``plan`` (against its current selection)."""
        body = self.query_one("#detail-body", Static)
        item = next((d for d in plan.definitions if d.name == name), None) if plan else None
        if item is None:
            self.border_title = "Definition"
            self.border_subtitle = ""
            body.update(Text("no definition", style="dim"))
            return
        self.border_title = Text(item.name + ("  (drain)" if item.is_drain else ""))
        if not plan.with_data:
            self.border_subtitle = "data left out (D)"
        else:
            self.border_subtitle = "selected" if item.selected else "not selected"
        body.update(describe_definition(plan, item))
