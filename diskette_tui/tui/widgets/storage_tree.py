"""The storages of a dump plan as a tree, each with its checkbox.

Built by :class:`~.folder_tree.FolderTree` (folder totals, file sizes,
excluded files, skipped links, filled lazily). Open folders are kept when the
tree is built again (a new selection, the filter, a re-plan), and a filter
opens the folders that hold what it found, level by level. However many
files match, a build adds about :data:`TREE_ROW_LIMIT` rows in all: "… more"
lines say what is left, and a closed folder still opens (lazily) on request.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...core.plan import DumpPlan, StoragePlan
from ...render import count, size
from ..folders import FilteredIndexes, Folder, build_indexes
from ..messages import StorageToggled
from .folder_tree import NAME_WIDTH, FolderTree, append_extras, name_column

#: Rows a build of the tree adds at most, all storages together (plus a "… more"
#: line per storage): a filter matching 100,000 files costs a few hundred nodes.
TREE_ROW_LIMIT = 250


@dataclass
class StorageNode:
    """Data of a storage's top node."""

    storage: StoragePlan
    folder: Folder


def storage_label(
    storage: StoragePlan, folder: Folder, enabled: bool, width: int = NAME_WIDTH
) -> Text:
    """The top line of a storage, with its checkbox and its patterns' meaning."""
    selected = storage.selected and enabled
    box = ("[x] ", "bold green") if selected else ("[ ] ", "dim")
    label = Text.assemble(
        box,
        (name_column(storage.arcname, 1, width), "bold" if selected else "dim"),
        count(folder.file_count, "file").rjust(12),
        (size(folder.size).rjust(11), "dim"),
    )
    append_extras(label, folder)
    if storage.pattern_syntax:  # what its patterns mean: gitignore or fnmatch
        label.append(f"   {storage.pattern_syntax}", style="dim")
    if not selected:
        label.stylize("dim")
    return label


def _walk(node: TreeNode):
    for child in node.children:
        yield child
        yield from _walk(child)


class StorageTree(FolderTree):
    """The storages of a plan; ``space`` ticks a storage or opens a folder."""

    BINDINGS = [
        Binding("space", "toggle", "Toggle"),
        Binding("enter", "toggle_node", "Open/close", show=False),
    ]

    MORE_FILES_HINT = " (/ to filter)"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plan: DumpPlan | None = None
        #: The storages' folder indexes: whole, and cut down to the filter ``match``.
        self.full_indexes: dict[str, Folder] = {}
        self.indexes: dict[str, Folder] = {}
        self._filtered = FilteredIndexes({})
        self.match = ""
        #: Folders the user opened (kept open when the tree is built again).
        self._expanded: set[str] = set()

    def more_hint(self) -> str:
        """``(/ to filter)``, or while filtering, how to see the rest."""
        return " (type more to narrow the filter)" if self.match else self.MORE_FILES_HINT

    # Building ------------------------------------------------------------------

    def show_plan(self, plan: DumpPlan, indexes: dict[str, Folder] | None = None) -> None:
        """Build the tree of ``plan``.

        ``indexes`` are the storages' whole folder indexes (the worker builds
        them; None: built here). Open folders, the filter and the
        excluded-files switch are kept.
        """
        self.plan = plan
        self.full_indexes = build_indexes(plan) if indexes is None else indexes
        self._filtered = FilteredIndexes(self.full_indexes)
        self.indexes = self._filtered.get(self.match)
        self._rebuild()

    def set_filter(self, match: str) -> None:
        """Keep only members whose archive name contains ``match``."""
        if self.plan is None or match == self.match:
            return
        self.match = match
        self.indexes = self._filtered.get(match)
        self._rebuild()

    def toggle_excluded(self) -> bool:
        """Show or hide excluded files; return whether they are now shown."""
        self.show_excluded = not self.show_excluded
        self._rebuild()
        return self.show_excluded

    @staticmethod
    def _key(node: TreeNode | None) -> str | None:
        """The archive name of a storage or folder node (a file: its folder's)."""
        while node is not None:
            if isinstance(node.data, StorageNode):
                return node.data.storage.arcname
            if isinstance(node.data, Folder):
                return node.data.arcname
            node = node.parent
        return None

    def _relabel(self) -> None:
        """The width changed: build the tree again."""
        self._rebuild()

    def _rebuild(self) -> None:
        """Build the tree again: storages, open folders, what the filter found."""
        key = self._key(self.cursor_node)
        self._reset()
        if self.plan is None:
            return
        if not self.plan.storages:
            self.root.add_leaf(Text("no storage configured", style="dim"))
            return
        with self.prevent(Tree.NodeExpanded), self.batch():  # not the user opening folders
            self._fill_storages(self.plan)
            self.root.expand()
        # The cursor stays on its folder (or storage) when it is still there.
        target = next(
            (node for node in _walk(self.root) if key is not None and self._key(node) == key),
            self.root.children[0],
        )
        self.call_after_refresh(lambda: self.move_cursor(target, animate=False))

    def _fill_storages(self, plan: DumpPlan) -> None:
        """Add the storages, then fill them and open folders level by level.

        A filter opens every folder that holds a match, otherwise only those
        the user opened, as long as :data:`TREE_ROW_LIMIT` allows.
        """
        budget = TREE_ROW_LIMIT - len(plan.storages)
        pending: deque[tuple[TreeNode, Folder, int]] = deque()
        for storage in plan.storages:
            folder = self.indexes[storage.arcname]
            node = self.root.add(
                storage_label(storage, folder, plan.with_storages, self.name_width),
                data=StorageNode(storage, folder),
                allow_expand=True,
            )
            node.expand()
            pending.append((node, folder, 1))
        while pending:
            node, folder, depth = pending.popleft()
            if depth > 1 and budget <= 0:
                continue  # stays closed; it fills when opened
            if depth > 1:
                node.expand()
            # One row of the budget is kept for the "… more" line.
            openable = self._populate(node, folder, depth, max(budget - 1, 0))
            budget -= len(node.children)
            for child_node, child in openable:
                if self.match or child.arcname in self._expanded:
                    pending.append((child_node, child, depth + 1))

    # Selection -----------------------------------------------------------------

    def refresh_selection(self, plan: DumpPlan) -> None:
        """Redraw the storage checkboxes after the selection changed."""
        self.plan = plan
        by_name = {storage.arcname: storage for storage in plan.storages}
        for node in self.root.children:
            if isinstance(node.data, StorageNode):
                storage = by_name[node.data.storage.arcname]
                node.data.storage = storage
                label = storage_label(
                    storage, node.data.folder, plan.with_storages, self.name_width
                )
                node.set_label(label)

    # Events and actions -----------------------------------------------------------

    def _folder_opened(self, folder: Folder) -> None:
        """Remember an open folder (the tree keeps it open when built again)."""
        self._expanded.add(folder.arcname)

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed) -> None:
        """Forget an open folder."""
        if isinstance(event.node.data, Folder):
            self._expanded.discard(event.node.data.arcname)

    def action_toggle(self) -> None:
        """Tick a storage in or out; on a folder, open or close it."""
        node = self.cursor_node
        if node is None:
            return
        if isinstance(node.data, StorageNode):
            self.post_message(StorageToggled(node.data.storage.arcname))
        elif node.allow_expand:
            node.toggle()
