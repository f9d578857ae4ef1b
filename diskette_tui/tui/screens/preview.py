"""The dump preview: definitions, the highlighted one's detail, storages, totals.

``e`` computes the plan again with the storage exclusion patterns off (or on):
the storages panel shows a loading indicator and the summary the scan
progress, and the user's selection — ticked definitions and storages, data and
storages on/off, the filter, open folders, excluded files shown or not — is
carried over to the new plan, which is then the one written.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, SelectionList, Static

from ...core.plan import DumpPlan
from ...core.progress import ProgressUpdate
from ...render import count, size
from ..folders import Folder
from ..messages import DumpRequested, LeaveRequested, ReplanRequested, StorageToggled
from ..widgets import (
    DefinitionDetail,
    DefinitionList,
    KeyFooter,
    ScanStatus,
    StorageTree,
    SummaryBar,
)
from ..widgets.scan_status import describe_scan

#: Actions that need a plan: hidden from the footer while it loads.
PLAN_ACTIONS = {
    "dump",
    "toggle_data",
    "toggle_storages",
    "select_all",
    "select_none",
    "toggle_excluded",
    "toggle_patterns",
    "filter",
    "focus_detail",
}
#: Footer groups: two keys, one description.
ON_OFF = Binding.Group("Data/Storages")
ALL_NONE = Binding.Group("All/None")
#: Actions that wait for a re-plan (``e``) to finish.
RELOAD_ACTIONS = {"dump", "toggle_patterns"}


def filter_title(title: str, match: str) -> Text:
    """A panel title and the filter typed (as typed: ``[/`` is not markup)."""
    return Text(f"{title}  filter: {match}" if match else title)


def keep_selection(old: DumpPlan, new: DumpPlan) -> DumpPlan:
    """``new`` with the selection the user made on ``old``."""
    return new.select(
        definitions=[item.name for item in old.definitions if item.selected],
        storages=[item.arcname for item in old.storages if item.selected],
        with_data=old.with_data,
        with_storages=old.with_storages,
    )


class PreviewScreen(Screen):
    """What a dump would write, with the selection the user makes."""

    # Most needed first: at 80 columns the footer may end before "e Patterns".
    BINDINGS = [
        Binding("d", "dump", "Dump"),
        Binding("q", "quit_preview", "Quit"),
        Binding("slash", "filter", "Filter"),
        Binding("w", "focus_detail", "Detail"),
        Binding("D", "toggle_data", "Data on/off", group=ON_OFF),
        Binding("S", "toggle_storages", "Storages on/off", group=ON_OFF),
        Binding("a", "select_all", "All", group=ALL_NONE),
        Binding("n", "select_none", "None", group=ALL_NONE),
        Binding("x", "toggle_excluded", "Excluded"),
        Binding("e", "toggle_patterns", "Patterns"),
        Binding("escape", "close_filter", "Close filter", show=False),
    ]

    #: Whether the plan is loaded (flips the ``-loaded`` class: the scan view goes away).
    loaded = reactive(False)
    #: Whether the plan is being computed again (``e``): the storages are dimmed.
    reloading = reactive(False)
    #: Whether the keys typed go to the ``/`` filter (the focus stays on its pane).
    typing = reactive(False, init=False)

    def __init__(self, read_only: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.read_only = read_only
        self.plan: DumpPlan | None = None
        #: The ``/`` filter as typed.
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield ScanStatus(id="scan")
        with Vertical(id="main"):
            with Horizontal(id="top"):
                yield DefinitionList(id="definitions")
                yield DefinitionDetail(id="detail")
            # The filter's row is always there, under the tree: ``/`` and ``escape``
            # repaint it, with no new layout (a layout costs Textual some 50 ms here).
            with Vertical(id="storages-pane"):
                yield StorageTree(id="storages")
                yield Static(id="filter")
            yield SummaryBar(id="summary")
        # Compact: the preview's ten keys fit in 120 columns.
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        """Titles of the panels."""
        self.query_one(DefinitionList).border_title = "Definitions"
        self.query_one(StorageTree).border_title = "Storages"
        self._show_filter()

    def watch_loaded(self, loaded: bool) -> None:
        """Swap the scan view for the preview, and offer the plan's actions."""
        self.set_class(loaded, "-loaded")
        self.refresh_bindings()

    def watch_typing(self, typing: bool) -> None:
        """Hide the footer's keys while the filter is typed in: they would type."""
        footer = self.query_one(KeyFooter)
        # Run by the footer: a rebuild of its keys must happen in its own context.
        footer.call_later(footer.bindings_changed, self)

    def watch_reloading(self, reloading: bool) -> None:
        """Dim the storages while they are scanned again (the summary shows the progress)."""
        self.query_one(StorageTree).set_class(reloading, "-reloading")
        self._refresh()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """No ``d`` in check mode; no plan actions before the plan is there.

        ``e`` needs storages to scan; while it runs, ``d`` and ``e`` are greyed out.
        """
        if action == "dump" and self.read_only:
            return False
        if action in PLAN_ACTIONS and not self.loaded:
            return False
        if action == "toggle_patterns" and not (self.plan and self.plan.storages):
            return False
        if action in RELOAD_ACTIONS and self.reloading:
            return None
        return True

    # Loading -----------------------------------------------------------------

    def report_scan(self, update: ProgressUpdate) -> None:
        """Show the progress of the plan computation."""
        if self.reloading:
            text = describe_scan(update)
            if text is not None:
                self.query_one(SummaryBar).show_note(text)
        else:
            self.query_one(ScanStatus).report(update)

    def show_plan(self, plan: DumpPlan, indexes: dict[str, Folder]) -> None:
        """Display a freshly loaded plan.

        The first plan focuses the definitions; a re-plan keeps the user's
        selection (made on the plan shown until now) and the focus.
        """
        previous = self.plan
        if previous is not None:
            plan = keep_selection(previous, plan)
        self.plan = plan
        definitions = self.query_one(DefinitionList)
        tree = self.query_one(StorageTree)
        definitions.show_plan(plan)
        tree.show_plan(plan, indexes)
        self.loaded = True
        self.reloading = False
        self._refresh()
        if previous is not None:
            self._patterns_changed(previous, plan)
        elif plan.definitions:
            definitions.focus()
        else:
            tree.focus()

    def _patterns_changed(self, previous: DumpPlan, plan: DumpPlan) -> None:
        files = sum(storage.files for storage in plan.storages)
        before = sum(storage.files for storage in previous.storages)
        state = "applied" if plan.with_storages_excludes else "ignored"
        self.notify(
            f"{count(files, 'file')} in the storages ({files - before:+,})",
            title=f"Exclusion patterns {state}",
            timeout=3,
            markup=False,
        )

    def reload_failed(self, problems: list[str]) -> None:
        """A re-plan failed: say why and keep the plan shown."""
        self.reloading = False
        self._refresh()
        self.notify(
            "\n".join(problems),
            title="The storages cannot be scanned",
            severity="error",
            markup=False,  # problems quote names and paths: never markup
        )

    # Selection ---------------------------------------------------------------

    def _set_plan(self, plan: DumpPlan) -> None:
        self.plan = plan
        self._refresh()

    def _refresh(self) -> None:
        plan = self.plan
        if plan is None:
            return
        definitions = self.query_one(DefinitionList)
        definitions.border_title = filter_title("Definitions", definitions.match)
        definitions.border_subtitle = (
            f"{len(plan.selected_definitions)} of {len(plan.definitions)}"
            if plan.with_data
            else "data left out"
        )
        definitions.set_class(not plan.with_data, "-off")
        tree = self.query_one(StorageTree)
        tree.refresh_selection(plan)
        tree.set_class(not plan.with_storages, "-off")
        patterns = "" if plan.with_storages_excludes else " · patterns off"
        tree.border_subtitle = (
            "scanning…"
            if self.reloading
            else f"{count(plan.files, 'file')} · {size(plan.size)}{patterns}"
            if plan.with_storages
            else "storages left out"
        )
        tree.border_title = filter_title("Storages", tree.match)
        self.query_one(DefinitionDetail).show(plan, definitions.highlighted_name)
        if not self.reloading:  # the summary shows the scan progress meanwhile
            self.query_one(SummaryBar).show(plan, self.read_only)

    @on(SelectionList.SelectedChanged, "#definitions")
    def definitions_changed(self, event: SelectionList.SelectedChanged) -> None:
        """Tick or untick a definition (those the filter hides keep their state)."""
        if self.plan is None:
            return
        listed = self.query_one(DefinitionList).listed_names
        selected = set(event.selection_list.selected) | {
            item.name for item in self.plan.definitions if item.selected and item.name not in listed
        }
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

    def action_toggle_patterns(self) -> None:
        """Compute the plan again with the storage exclusion patterns off, or on again."""
        if self.plan is None or self.reloading:
            return
        self.reloading = True
        with_excludes = not self.plan.with_storages_excludes
        way = "with" if with_excludes else "without"
        self.query_one(SummaryBar).show_note(f"scanning the storages {way} exclusion patterns…")
        self.post_message(ReplanRequested(with_excludes))

    def action_toggle_excluded(self) -> None:
        """Show or hide the files that exclusion patterns leave out."""
        shown = self.query_one(StorageTree).toggle_excluded()
        self.notify("excluded files shown" if shown else "excluded files hidden", timeout=2)

    def action_focus_detail(self) -> None:
        """Go to the detail pane (its warnings come last): it scrolls from the keyboard."""
        self.query_one(DefinitionDetail).focus()

    # Filter --------------------------------------------------------------------

    def action_filter(self) -> None:
        """Open the filter of definitions and storage files, to type in.

        The focus stays where it is (a focus change costs Textual a new layout):
        the keys typed go to the filter through :meth:`on_key`.
        """
        self.typing = True
        self.query_one("#filter", Static).add_class("-open")
        self._show_filter()

    def action_close_filter(self) -> None:
        """Clear and close the filter."""
        field = self.query_one("#filter", Static)
        if not field.has_class("-open"):
            return
        self.typing = False
        self.filter_text = ""
        field.remove_class("-open")
        self._show_filter()
        self._set_filter("")

    def on_key(self, event: events.Key) -> None:
        """While the filter is typed in, letters, ``backspace`` and ``enter`` are the filter's.

        Stopped here, a key reaches no binding (``a``, ``space``, ``w`` type);
        the arrows, ``tab`` and ``escape`` keep their meaning.
        """
        if not self.typing:
            return
        if event.key == "enter":
            self._submit_filter()
        elif event.key == "backspace":
            self._edit_filter(self.filter_text[:-1])
        elif event.is_printable and event.character:
            self._edit_filter(self.filter_text + event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Another pane taken (``tab``, a click): the keys are no longer the filter's."""
        if self.typing:
            self.typing = False
            self._show_filter()

    def _edit_filter(self, text: str) -> None:
        self.filter_text = text
        self._show_filter()
        self._set_filter(text.strip())

    def _show_filter(self) -> None:
        """The field as typed: ``/ text`` and a cursor while typing, a hint when empty."""
        field = self.query_one("#filter", Static)
        field.set_class(self.typing, "-typing")
        if not field.has_class("-open"):
            field.update("/ filter definitions and storage files by name")
            return
        line = Text("/ ", style="bold")
        line.append(self.filter_text)
        if self.typing:
            line.append("▏", style="bold")
        if not self.filter_text:
            line.append(" type a name (enter: keep, escape: clear)", style="dim")
        field.update(line)

    def _set_filter(self, match: str) -> None:
        # The plan is unchanged: only the titles say the filter (no summary or detail
        # redrawn), each set when its filter changed (setting a title repaints its panel).
        tree = self.query_one(StorageTree)
        if match != tree.match:
            tree.set_filter(match)
            tree.border_title = filter_title("Storages", tree.match)
        definitions = self.query_one(DefinitionList)
        if self.plan is not None and match != definitions.match:
            definitions.set_match(self.plan, match)
            definitions.border_title = filter_title("Definitions", definitions.match)

    def _submit_filter(self) -> None:
        """Keep the filter and go browse what it found (storage files first)."""
        if not self.filter_text.strip():
            self.action_close_filter()
            return
        self.typing = False
        self._show_filter()
        tree = self.query_one(StorageTree)
        definitions = self.query_one(DefinitionList)
        found_files = any(
            folder.file_count or folder.excluded_count or folder.skipped_count or folder.folders
            for folder in tree.indexes.values()
        )
        if definitions.option_count and not found_files:
            definitions.focus()
        else:
            tree.focus()

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
        self.post_message(DumpRequested(self.plan))

    def action_quit_preview(self) -> None:
        """Leave without writing (the app exits with code 0)."""
        self.post_message(LeaveRequested())
