"""The definitions, with a checkbox each, in definition order (drains last)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList, SelectionList
from textual.widgets.selection_list import Selection

from ...core.plan import DumpPlan


class DefinitionList(SelectionList[str]):
    """Definitions to tick in or out of the archive; values are definition names.

    The ``/`` filter narrows the list to the names that contain ``match``
    (case-insensitive); definitions filtered out keep their selection in the plan.
    """

    BINDINGS = [Binding("space", "select", "Toggle")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.match = ""

    def show_plan(self, plan: DumpPlan, match: str | None = None) -> None:
        """Fill the list from a plan's definitions and their selection.

        ``match`` None keeps the current filter. The cursor stays on the same
        definition when it is still listed.
        """
        if match is not None:
            self.match = match
        current = self.highlighted_name
        needle = self.match.lower()
        shown = [item for item in plan.definitions if needle in item.name.lower()]
        self.clear_options()
        self.add_options(
            [Selection(self._prompt(item), item.name, item.selected) for item in shown]
        )
        if shown:
            names = [item.name for item in shown]
            self.highlighted = names.index(current) if current in names else 0

    def set_match(self, plan: DumpPlan, match: str) -> None:
        """Filter the list by ``match``; rebuilt only when the definitions listed change.

        The ``/`` filter calls this at every key: typing into a list that stays
        the same (say, a filter that only matches storage files) repaints nothing.
        """
        needle = match.lower()
        names = [item.name for item in plan.definitions if needle in item.name.lower()]
        listed = [self.get_option_at_index(index).value for index in range(self.option_count)]
        if names == listed:
            self.match = match
        else:
            self.show_plan(plan, match)

    @staticmethod
    def _prompt(item) -> Text:
        prompt = Text(item.name)
        if item.is_drain:
            prompt.append("  (drain)", style="italic dim")
        return prompt

    @property
    def listed_names(self) -> set[str]:
        """Names of the definitions the filter lets through."""
        return {self.get_option_at_index(index).value for index in range(self.option_count)}

    @property
    def highlighted_name(self) -> str | None:
        """Name of the definition under the cursor."""
        if self.highlighted is None or not self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).value

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Drop a highlight the list no longer holds, before ``SelectionList`` reads it.

        The filter rebuilds the list at every key; a highlight posted by the
        previous build can arrive after the next one emptied or shortened the
        list (typing fast, in a real terminal), and ``SelectionList`` would
        then fail on an option that no longer exists and take the app down.
        """
        if event.option_index >= self.option_count:
            event.prevent_default()
            event.stop()
