"""The storages of an archive as a tree, with the dump preview's folder totals and labels.

The folders come from :func:`~..archive_view.build_archive_indexes` (the
preview's :class:`~..folders.Folder` index) and the tree is the preview's
:class:`~.folder_tree.FolderTree`. For a load, each storage's line says what
restoring it does.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from ...core.restore import StorageLoadPlan
from ..archive_view import ArchiveView
from ...wording import storage_action
from ..folders import Folder
from ..messages import StorageToggled
from .folder_tree import NAME_WIDTH, FolderTree, folder_label

#: The colour of each thing restoring a storage can do to its target.
ACTION_STYLES = {"new folder": "green", "replace": "yellow", "merge": "cyan"}


def restore_action(storage: StorageLoadPlan, short: bool = False) -> Text:
    """What restoring one storage does to its target folder (``short``: for the tree)."""
    return Text(storage_action(storage, short), ACTION_STYLES.get(storage.action, ""))


def storage_line(
    folder: Folder, storage: StorageLoadPlan | None, planned: bool, width: int = NAME_WIDTH
) -> Text:
    """The top line of a storage: totals, and for a load what happens at its target."""
    label = folder_label(folder, 0, width)
    if not planned:
        return label
    label.append("   ")
    if storage is None or not storage.selected:
        reason = f"skip ({storage.reason})" if storage is not None else "not restored"
        label.append(reason, "dim")
        label.stylize("dim")
    else:
        label.append_text(restore_action(storage, short=True))
    return label


class ArchiveTree(FolderTree):
    """The storages of an archive; ``enter`` opens a folder, ``space`` too, except on
    a storage's own line in a load preview, where it ticks the storage on or off."""

    BINDINGS = [
        Binding("space", "toggle", "Toggle"),
        Binding("enter", "toggle_node", "Open/close", show=False),
    ]

    view: ArchiveView | None = None

    def action_toggle(self) -> None:
        """Tick a storage in or out of the load (the screen re-plans); on a folder, open it."""
        node = self.cursor_node
        if node is None:
            return
        planned = self.view is not None and self.view.plan is not None
        if planned and node.parent is self.root and isinstance(node.data, Folder):
            self.post_message(StorageToggled(node.data.arcname))
        elif node.allow_expand:
            node.toggle()

    def _relabel(self) -> None:
        """The width changed: show the archive again (folders closed)."""
        if self.view is not None:
            self.show(self.view)

    def show(self, view: ArchiveView) -> None:
        """Build the tree of ``view``'s storages, each opened one level."""
        self.view = view
        self._reset()
        contents = view.contents
        plan = view.plan
        restored = {item.name: item for item in plan.storages if plan.with_storages} if plan else {}
        if not contents.storages:
            self.root.add_leaf(Text("no storages in this archive", style="dim"))
            return
        with self.batch():
            for name in contents.storages:
                folder = view.indexes[name]
                node = self.root.add(
                    storage_line(folder, restored.get(name), plan is not None, self.name_width),
                    data=folder,
                    allow_expand=True,
                )
                self._populate(node, folder, 1)
                node.expand()
            self.root.expand()
        first = self.root.children[0]
        self.call_after_refresh(lambda: self.move_cursor(first, animate=False))
