"""The storages as a tree: folder totals, file sizes, excluded files, skipped links.

Folder nodes are filled when they are first expanded, and a folder shows at
most :data:`FILE_LIMIT` files, so a storage of 100,000 files costs a few
hundred nodes until the user digs into it.
"""

from __future__ import annotations

from dataclasses import dataclass

import humanize
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...core.plan import DumpPlan, StoragePlan
from ...render import count, size
from ..folders import Folder, build_indexes
from ..messages import StorageToggled

#: Files listed in one folder before a "… more files" line.
FILE_LIMIT = 1000
#: Width of the name column at the top level; sizes line up to its right.
NAME_WIDTH = 52
#: Nodes (folders and their files) opened automatically when a filter is applied.
FILTER_EXPAND_LIMIT = 2000


@dataclass
class StorageNode:
    """Data of a storage's top node."""

    storage: StoragePlan
    folder: Folder


def _name_column(name: str, depth: int) -> str:
    width = max(NAME_WIDTH - 4 * depth, len(name) + 2)
    return name.ljust(width)


def _leaf_column(name: str, depth: int) -> str:
    # A leaf has no expand icon: two more columns line its sizes up with folders'.
    return name.ljust(max(NAME_WIDTH - 4 * depth + 2, len(name) + 4))


def folder_label(folder: Folder, depth: int) -> Text:
    """``pictures/   28 files   402.1 kB   1 excluded``."""
    if folder.file_count:
        totals = (count(folder.file_count, "file").rjust(12), (size(folder.size).rjust(11), "dim"))
    else:
        totals = (("no files".rjust(12), "dim"), " " * 11)
    label = Text.assemble((_name_column(folder.name + "/", depth), "bold"), *totals)
    _append_extras(label, folder)
    return label


def _append_extras(label: Text, folder: Folder) -> None:
    if folder.excluded_count:
        label.append(f"   {humanize.intcomma(folder.excluded_count)} excluded", style="dim")
    if folder.skipped_count:
        label.append(f"   {humanize.intcomma(folder.skipped_count)} skipped", style="yellow")


def storage_label(storage: StoragePlan, folder: Folder, enabled: bool) -> Text:
    """The top line of a storage, with its checkbox."""
    selected = storage.selected and enabled
    box = ("[x] ", "bold green") if selected else ("[ ] ", "dim")
    label = Text.assemble(
        box,
        (_name_column(storage.arcname, 1), "bold" if selected else "dim"),
        count(folder.file_count, "file").rjust(12),
        (size(folder.size).rjust(11), "dim"),
    )
    _append_extras(label, folder)
    if not selected:
        label.stylize("dim")
    return label


def _walk(node: TreeNode):
    for child in node.children:
        yield child
        yield from _walk(child)


class StorageTree(Tree):
    """The storages of a plan; ``space`` ticks a storage or opens a folder."""

    BINDINGS = [
        Binding("space", "toggle", "Toggle"),
        Binding("enter", "toggle_node", "Open/close", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__("storages", **kwargs)
        self.show_root = False
        self.guide_depth = 4
        self.plan: DumpPlan | None = None
        self.indexes: dict[str, Folder] = {}
        self.show_excluded = True
        self.match = ""
        self._expanded: set[str] = set()
        self._populated: set[int] = set()

    # Building ------------------------------------------------------------------

    def show_plan(
        self, plan: DumpPlan, indexes: dict[str, Folder] | None = None, match: str = ""
    ) -> None:
        """Build the tree of ``plan``.

        ``indexes`` (from the worker) are used when they were built for the
        current filter ``match``; otherwise they are computed here. Open
        folders, the filter and the excluded-files switch are kept.
        """
        self.plan = plan
        if indexes is not None and match == self.match:
            self.indexes = indexes
        else:
            self.indexes = build_indexes(plan, self.match)
        self._rebuild()

    def set_filter(self, match: str) -> None:
        """Keep only members whose archive name contains ``match``."""
        if self.plan is None or match == self.match:
            return
        self.match = match
        self.indexes = build_indexes(self.plan, match)
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

    def _rebuild(self) -> None:
        key = self._key(self.cursor_node)
        self.clear()
        self._populated.clear()
        if self.plan is None:
            return
        if not self.plan.storages:
            self.root.add_leaf(Text("no storage configured", style="dim"))
            return
        budget = [FILTER_EXPAND_LIMIT if self.match else 0]
        for storage in self.plan.storages:
            folder = self.indexes[storage.arcname]
            node = self.root.add(
                storage_label(storage, folder, self.plan.with_storages),
                data=StorageNode(storage, folder),
                allow_expand=True,
            )
            self._populate(node, folder, 1, budget)
            node.expand()
        self.root.expand()
        # The cursor stays on its folder (or storage) when it is still there.
        target = next(
            (node for node in _walk(self.root) if key is not None and self._key(node) == key),
            self.root.children[0],
        )
        self.call_after_refresh(lambda: self.move_cursor(target, animate=False))

    def _populate(self, node: TreeNode, folder: Folder, depth: int, budget: list[int]) -> None:
        """Add the direct members of ``folder`` under ``node``."""
        if id(node) in self._populated:
            return
        self._populated.add(id(node))
        for child in folder.sorted_folders():
            has_content = bool(
                child.folders or child.files or child.links or child.excluded or child.skipped
            )
            sub = node.add(
                folder_label(child, depth),
                data=child,
                allow_expand=has_content,
            )
            opened = child.arcname in self._expanded or budget[0] > 0
            if has_content and opened:
                budget[0] -= 1 + min(len(child.files), FILE_LIMIT)
                self._populate(sub, child, depth + 1, budget)
                sub.expand()
        for link in sorted(folder.links, key=lambda e: e.arcname):
            node.add_leaf(
                Text.assemble(
                    link.arcname.rsplit("/", 1)[-1], " → ", (link.link_target or "", "cyan")
                )
            )
        for entry in folder.files[:FILE_LIMIT]:
            node.add_leaf(
                Text.assemble(
                    _leaf_column(entry.arcname.rsplit("/", 1)[-1], depth),
                    " " * 12,
                    (size(entry.size).rjust(11), "dim"),
                )
            )
        if len(folder.files) > FILE_LIMIT:
            more = len(folder.files) - FILE_LIMIT
            node.add_leaf(
                Text(f"… {humanize.intcomma(more)} more files (/ to filter)", style="dim italic")
            )
        for link in folder.skipped:
            node.add_leaf(
                Text.assemble(
                    (_leaf_column(link.arcname.rsplit("/", 1)[-1], depth), "yellow"),
                    ("skipped: ", "yellow"),
                    (f"{link.reason} → {link.target}", "yellow"),
                )
            )
        if self.show_excluded:
            for excluded in folder.excluded:
                name = excluded.arcname.rsplit("/", 1)[-1] + ("/" if excluded.is_dir else "")
                node.add_leaf(
                    Text.assemble(
                        (_leaf_column(name, depth), "dim strike"),
                        (f"excluded by {excluded.pattern}", "dim"),
                    )
                )

    def _depth(self, node: TreeNode) -> int:
        depth = 0
        while node.parent is not None and node.parent is not self.root:
            depth += 1
            node = node.parent
        return depth

    # Selection -----------------------------------------------------------------

    def refresh_selection(self, plan: DumpPlan) -> None:
        """Redraw the storage checkboxes after the selection changed."""
        self.plan = plan
        by_name = {storage.arcname: storage for storage in plan.storages}
        for node in self.root.children:
            if isinstance(node.data, StorageNode):
                storage = by_name[node.data.storage.arcname]
                node.data.storage = storage
                node.set_label(storage_label(storage, node.data.folder, plan.with_storages))

    # Events and actions -----------------------------------------------------------

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        """Fill a folder the first time it is opened; remember what is open."""
        node = event.node
        if isinstance(node.data, Folder):
            self._expanded.add(node.data.arcname)
            self._populate(node, node.data, self._depth(node) + 1, [0])

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
