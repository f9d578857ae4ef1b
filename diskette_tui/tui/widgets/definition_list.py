"""The definitions, with a checkbox each, in definition order (drains last)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from ...core.plan import DumpPlan


class DefinitionList(SelectionList[str]):
    """Definitions to tick in or out of the archive; values are definition names."""

    BINDINGS = [Binding("space", "select", "Toggle")]

    def show_plan(self, plan: DumpPlan) -> None:
        """Fill the list from a plan's definitions and their selection."""
        self.clear_options()
        self.add_options(
            [
                Selection(self._prompt(item), item.name, item.selected)
                for item in plan.definitions
            ]
        )
        if plan.definitions:
            self.highlighted = 0

    @staticmethod
    def _prompt(item) -> Text:
        prompt = Text(item.name)
        if item.is_drain:
            prompt.append("  (drain)", style="italic dim")
        return prompt

    @property
    def highlighted_name(self) -> str | None:
        """Name of the definition under the cursor."""
        if self.highlighted is None or not self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).value
