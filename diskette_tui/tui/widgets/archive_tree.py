"""The storages of an archive as a tree, with the dump preview's folder totals and labels.

The folders come from :func:`~..archive_view.build_archive_indexes` (the
preview's :class:`~..folders.Folder` index) and are filled when first opened,
so an archive of 100,000 media files costs a few hundred nodes until the
user digs in. For a load, each storage's line says what restoring it does.
"""

from __future__ import annotations

import humanize
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...core.loader import StorageLoadPlan
from ...render import size
from ..archive_view import ArchiveView
from ..folders import Folder
from .storage_tree import FILE_LIMIT, NAME_WIDTH, folder_label


def _leaf_name(name: str, depth: int) -> str:
    # A leaf has no expand icon: two more columns line its sizes up with folders'.
    return name.ljust(max(NAME_WIDTH - 4 * depth + 2, len(name) + 4))


def restore_action(storage: StorageLoadPlan, short: bool = False) -> Text:
    """What restoring one storage does to its target folder (``short``: for the tree)."""
    if not storage.exists:
        return Text("new folder", "green")
    if storage.mode == "replace":
        if short:
            return Text(f"replace, {storage.removed} removed", "yellow")
        text = Text(f"replace: {storage.overwritten} overwritten", "yellow")
        if storage.removed:
            text.append(f", {storage.removed} removed", "bold yellow")
        return text
    if short:
        return Text(f"merge, {storage.overwritten} of {storage.existing} overwritten", "cyan")
    return Text(f"merge: {storage.overwritten} of {storage.existing} existing overwritten", "cyan")


def storage_line(folder: Folder, storage: StorageLoadPlan | None, planned: bool) -> Text:
    """The top line of a storage: totals, and for a load what happens at its target."""
    label = folder_label(folder, 0)
    if not planned:
        return label
    label.append("   ")
    if storage is None:
        label.append("not restored", "dim")
        label.stylize("dim")
    else:
        label.append_text(restore_action(storage, short=True))
    return label


class ArchiveTree(Tree):
    """The storages of an archive; ``space`` or ``enter`` opens a folder."""

    def __init__(self, **kwargs) -> None:
        super().__init__("storages", **kwargs)
        self.show_root = False
        self.guide_depth = 4
        self._populated: set[int] = set()

    def show(self, view: ArchiveView) -> None:
        """Build the tree of ``view``'s storages, each opened one level."""
        self.clear()
        self._populated.clear()
        contents = view.contents
        plan = view.plan
        restored = {item.name: item for item in plan.selected_storages} if plan else {}
        if not contents.storages:
            self.root.add_leaf(Text("no storages in this archive", style="dim"))
            return
        for name in contents.storages:
            folder = view.indexes[name]
            node = self.root.add(
                storage_line(folder, restored.get(name), plan is not None),
                data=folder,
                allow_expand=True,
            )
            self._populate(node, folder, 1)
            node.expand()
        self.root.expand()
        first = self.root.children[0]
        self.call_after_refresh(lambda: self.move_cursor(first, animate=False))

    def _populate(self, node: TreeNode, folder: Folder, depth: int) -> None:
        """Add the direct members of ``folder`` under ``node``, once."""
        if id(node) in self._populated:
            return
        self._populated.add(id(node))
        for child in folder.sorted_folders():
            has_content = bool(child.folders or child.files or child.links)
            if has_content:
                node.add(folder_label(child, depth), data=child, allow_expand=True)
            else:
                # No expand icon: the leaf column keeps "no files" under the other totals.
                node.add_leaf(
                    Text.assemble(
                        (_leaf_name(child.name + "/", depth), "bold"), ("no files".rjust(12), "dim")
                    ),
                    data=child,
                )
        for link in sorted(folder.links, key=lambda entry: entry.arcname):
            node.add_leaf(
                Text.assemble(
                    link.arcname.rsplit("/", 1)[-1], " → ", (link.link_target or "", "cyan")
                )
            )
        # Archive order is the writer's walk order (diskette 0.6.0's is arbitrary): sort.
        for entry in sorted(folder.files, key=lambda entry: entry.arcname)[:FILE_LIMIT]:
            node.add_leaf(
                Text.assemble(
                    _leaf_name(entry.arcname.rsplit("/", 1)[-1], depth),
                    " " * 12,
                    (size(entry.size).rjust(11), "dim"),
                )
            )
        if len(folder.files) > FILE_LIMIT:
            more = len(folder.files) - FILE_LIMIT
            node.add_leaf(Text(f"… {humanize.intcomma(more)} more files", style="dim italic"))

    def _depth(self, node: TreeNode) -> int:
        depth = 0
        while node.parent is not None and node.parent is not self.root:
            depth += 1
            node = node.parent
        return depth

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        """Fill a folder the first time it is opened."""
        node = event.node
        if isinstance(node.data, Folder):
            self._populate(node, node.data, self._depth(node) + 1)
