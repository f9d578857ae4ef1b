"""The dump preview: definitions, the highlighted one's detail, storages, totals."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, SelectionList

from ...core.plan import DumpPlan
from ...core.progress import ProgressUpdate
from ...render import count, size
from ..folders import Folder
from ..messages import SelectionChanged, StorageToggled
from ..widgets import DefinitionDetail, DefinitionList, ScanStatus, StorageTree, SummaryBar

#: Actions that need a plan: hidden from the footer while it loads.
PLAN_ACTIONS = {
    "dump",
    "toggle_data",
    "toggle_storages",
    "select_all",
    "select_none",
    "toggle_excluded",
    "filter",
}


class PreviewScreen(Screen):
    """What a dump would write, with the selection the user makes."""

    BINDINGS = [
        Binding("d", "dump", "Dump"),
        Binding("D", "toggle_data", "Data on/off"),
        Binding("S", "toggle_storages", "Storages on/off"),
        Binding("a", "select_all", "All"),
        Binding("n", "select_none", "None"),
        Binding("x", "toggle_excluded", "Excluded files"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "close_filter", "Close filter", show=False),
        Binding("q", "quit_preview", "Quit"),
    ]

    #: Whether the plan is loaded (flips the ``-loaded`` class: the scan view goes away).
    loaded = reactive(False)

    def __init__(self, read_only: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.read_only = read_only
        self.plan: DumpPlan | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield ScanStatus(id="scan")
        with Vertical(id="main"):
            with Horizontal(id="top"):
                yield DefinitionList(id="definitions")
                yield DefinitionDetail(id="detail")
            yield StorageTree(id="storages")
            yield Input(
                placeholder="filter storage files by name (enter: keep, escape: clear)",
                id="filter",
            )
            yield SummaryBar(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        """Titles of the panels."""
        self.query_one(DefinitionList).border_title = "Definitions"
        self.query_one(StorageTree).border_title = "Storages"

    def watch_loaded(self, loaded: bool) -> None:
        """Swap the scan view for the preview, and offer the plan's actions."""
        self.set_class(loaded, "-loaded")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """No ``d`` in check mode; no plan actions before the plan is there."""
        if action == "dump" and self.read_only:
            return False
        if action in PLAN_ACTIONS and not self.loaded:
            return False
        return True

    # Loading -----------------------------------------------------------------

    def report_scan(self, update: ProgressUpdate) -> None:
        """Show the progress of the plan computation."""
        self.query_one(ScanStatus).report(update)

    def show_plan(self, plan: DumpPlan, indexes: dict[str, Folder]) -> None:
        """Display a freshly loaded plan and focus the definitions."""
        self.plan = plan
        definitions = self.query_one(DefinitionList)
        definitions.show_plan(plan)
        self.query_one(StorageTree).show_plan(plan, indexes)
        self.loaded = True
        self._refresh()
        if plan.definitions:
            definitions.focus()
        else:
            self.query_one(StorageTree).focus()

    # Selection ---------------------------------------------------------------

    def _set_plan(self, plan: DumpPlan) -> None:
        self.plan = plan
        self._refresh()
        self.post_message(SelectionChanged(plan))

    def _refresh(self) -> None:
        plan = self.plan
        if plan is None:
            return
        definitions = self.query_one(DefinitionList)
        definitions.border_title = "Definitions"
        definitions.border_subtitle = (
            f"{len(plan.selected_definitions)} of {len(plan.definitions)}"
            if plan.with_data
            else "data left out"
        )
        definitions.set_class(not plan.with_data, "-off")
        tree = self.query_one(StorageTree)
        tree.refresh_selection(plan)
        tree.set_class(not plan.with_storages, "-off")
        tree.border_subtitle = (
            f"{count(plan.files, 'file')} · {size(plan.size)}"
            if plan.with_storages
            else "storages left out"
        )
        tree.border_title = "Storages" + (f"  filter: {tree.match}" if tree.match else "")
        self.query_one(DefinitionDetail).show(plan, definitions.highlighted_name)
        self.query_one(SummaryBar).show(plan, self.read_only)

    @on(SelectionList.SelectedChanged, "#definitions")
    def definitions_changed(self, event: SelectionList.SelectedChanged) -> None:
        """Tick or untick a definition."""
        if self.plan is None:
            return
        selected = set(event.selection_list.selected)
        if selected != {item.name for item in self.plan.definitions if item.selected}:
            self._set_plan(self.plan.select(definitions=selected))

    @on(SelectionList.SelectionHighlighted, "#definitions")
    def definition_highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        """Describe the definition under the cursor."""
        self.query_one(DefinitionDetail).show(self.plan, event.selection.value)

    @on(StorageToggled)
    def storage_toggled(self, event: StorageToggled) -> None:
        """Tick or untick a storage."""
        if self.plan is None:
            return
        selected = {item.arcname for item in self.plan.storages if item.selected}
        selected ^= {event.arcname}
        self._set_plan(self.plan.select(storages=selected))

    def action_toggle_data(self) -> None:
        """Leave the data dumps out, or put them back."""
        self._set_plan(self.plan.select(with_data=not self.plan.with_data))

    def action_toggle_storages(self) -> None:
        """Leave the storages out, or put them back."""
        self._set_plan(self.plan.select(with_storages=not self.plan.with_storages))

    def action_select_all(self) -> None:
        """Every definition and storage, data and storages on."""
        plan = self.plan.select(
            definitions=[item.name for item in self.plan.definitions],
            storages=[item.arcname for item in self.plan.storages],
            with_data=True,
            with_storages=True,
        )
        self.query_one(DefinitionList).select_all()
        self._set_plan(plan)

    def action_select_none(self) -> None:
        """No definition and no storage."""
        plan = self.plan.select(definitions=[], storages=[])
        self.query_one(DefinitionList).deselect_all()
        self._set_plan(plan)

    def action_toggle_excluded(self) -> None:
        """Show or hide the files that exclusion patterns leave out."""
        shown = self.query_one(StorageTree).toggle_excluded()
        self.notify("excluded files shown" if shown else "excluded files hidden", timeout=2)

    # Filter --------------------------------------------------------------------

    def action_filter(self) -> None:
        """Open the storage filter."""
        field = self.query_one("#filter", Input)
        field.add_class("-open")
        field.focus()

    def action_close_filter(self) -> None:
        """Clear and close the filter."""
        field = self.query_one("#filter", Input)
        if not field.has_class("-open"):
            return
        field.value = ""
        field.remove_class("-open")
        self.query_one(StorageTree).set_filter("")
        self._refresh()
        self.query_one(StorageTree).focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        """Filter the tree as the user types."""
        self.query_one(StorageTree).set_filter(event.value.strip())
        self._refresh()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self, event: Input.Submitted) -> None:
        """Keep the filter and go browse the tree."""
        if not event.value.strip():
            self.action_close_filter()
            return
        self.query_one(StorageTree).focus()

    # Leaving -------------------------------------------------------------------

    def action_dump(self) -> None:
        """Ask to write the archive of the current selection."""
        if self.read_only or self.plan is None:
            return
        if not self.plan.has_data and not self.plan.has_storages:
            self.notify(
                "Nothing selected: tick a definition or a storage.",
                title="Nothing to write",
                severity="warning",
            )
            return
        self.app.confirm_dump(self.plan)

    def action_quit_preview(self) -> None:
        """Leave without writing (exit code 0)."""
        self.app.exit(return_code=0)
