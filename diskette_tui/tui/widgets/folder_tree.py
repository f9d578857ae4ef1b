"""One tree builder for storages folded into folder indexes: the preview's and the archive's.

A storage's members are folded once into :class:`~..folders.Folder` nodes
(in the worker thread). The tree shows one folder at a time, filled when it
is first opened, and at most :data:`FILE_LIMIT` files per folder, so a
storage of 100,000 files costs a few hundred nodes until the user digs into it.
Labels line sizes up in columns: folder totals, file sizes, excluded files,
skipped links.
"""

from __future__ import annotations

import humanize
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...core.plan import ExcludedEntry, SkippedLink, StorageEntry
from ...render import count, size
from ..folders import Folder

#: Files listed in one folder before a "… more files" line.
FILE_LIMIT = 1000
#: Width of the name column at the top level; sizes line up to its right.
NAME_WIDTH = 52


def name_column(name: str, depth: int) -> str:
    """``name`` padded to the name column of a node with an expand icon at ``depth``."""
    width = max(NAME_WIDTH - 4 * depth, len(name) + 2)
    return name.ljust(width)


def leaf_column(name: str, depth: int) -> str:
    """``name`` padded to the name column of a leaf at ``depth``."""
    # A leaf has no expand icon: two more columns line its sizes up with folders'.
    return name.ljust(max(NAME_WIDTH - 4 * depth + 2, len(name) + 4))


def append_extras(label: Text, folder: Folder) -> None:
    """Add how many members below ``folder`` are excluded or skipped."""
    if folder.excluded_count:
        label.append(f"   {humanize.intcomma(folder.excluded_count)} excluded", style="dim")
    if folder.skipped_count:
        label.append(f"   {humanize.intcomma(folder.skipped_count)} skipped", style="yellow")


def folder_label(folder: Folder, depth: int) -> Text:
    """``pictures/   28 files   402.1 kB   1 excluded``."""
    if folder.file_count:
        totals = (count(folder.file_count, "file").rjust(12), (size(folder.size).rjust(11), "dim"))
    else:
        totals = (("no files".rjust(12), "dim"), " " * 11)
    label = Text.assemble((name_column(folder.name + "/", depth), "bold"), *totals)
    append_extras(label, folder)
    return label


def empty_folder_label(folder: Folder, depth: int) -> Text:
    """A folder with nothing below it, as a leaf: "no files" under the other totals."""
    return Text.assemble(
        (leaf_column(folder.name + "/", depth), "bold"), ("no files".rjust(12), "dim")
    )


def _base_name(arcname: str) -> str:
    return arcname.rsplit("/", 1)[-1]


def link_label(link: StorageEntry) -> Text:
    """``latest.png → pictures/2024.png``."""
    return Text.assemble(_base_name(link.arcname), " → ", (link.link_target or "", "cyan"))


def file_label(entry: StorageEntry, depth: int) -> Text:
    """A file's name and size, in the columns of its folder's totals."""
    return Text.assemble(
        leaf_column(_base_name(entry.arcname), depth), " " * 12, (size(entry.size).rjust(11), "dim")
    )


def skipped_label(link: SkippedLink, depth: int) -> Text:
    """A link left out of the archive, and why."""
    return Text.assemble(
        (leaf_column(_base_name(link.arcname), depth), "yellow"),
        ("skipped: ", "yellow"),
        (link.reason + (f" → {link.target}" if link.target else ""), "yellow"),
    )


def excluded_label(excluded: ExcludedEntry, depth: int) -> Text:
    """A member an exclusion pattern leaves out, struck through."""
    name = _base_name(excluded.arcname) + ("/" if excluded.is_dir else "")
    return Text.assemble(
        (leaf_column(name, depth), "dim strike"), (f"excluded by {excluded.pattern}", "dim")
    )


def has_content(folder: Folder) -> bool:
    """Whether opening ``folder`` shows anything."""
    return bool(folder.folders or folder.files or folder.links or folder.excluded or folder.skipped)


class FolderTree(Tree):
    """Storages as folder trees, each folder filled the first time it is opened.

    Subclasses build the storages' top nodes and call :meth:`_populate` on
    them; :meth:`_add_folder` says how a sub-folder is added.
    """

    #: Appended to the "… N more files" line.
    MORE_FILES_HINT = ""

    def __init__(self, **kwargs) -> None:
        super().__init__("storages", **kwargs)
        self.show_root = False
        self.guide_depth = 4
        #: Whether the files exclusion patterns leave out are listed.
        self.show_excluded = True
        self._populated: set[int] = set()

    def _reset(self) -> None:
        """Remove every node (before building the tree again)."""
        self.clear()
        self._populated.clear()

    def _populate(self, node: TreeNode, folder: Folder, depth: int) -> None:
        """Add the direct members of ``folder`` under ``node``, once."""
        if id(node) in self._populated:
            return
        self._populated.add(id(node))
        for child in folder.sorted_folders():
            self._add_folder(node, child, depth)
        for link in sorted(folder.links, key=lambda entry: entry.arcname):
            node.add_leaf(link_label(link))
        for entry in folder.files[:FILE_LIMIT]:
            node.add_leaf(file_label(entry, depth))
        if len(folder.files) > FILE_LIMIT:
            more = humanize.intcomma(len(folder.files) - FILE_LIMIT)
            node.add_leaf(Text(f"… {more} more files{self.MORE_FILES_HINT}", style="dim italic"))
        for link in folder.skipped:
            node.add_leaf(skipped_label(link, depth))
        if self.show_excluded:
            for excluded in folder.excluded:
                node.add_leaf(excluded_label(excluded, depth))

    def _add_folder(self, parent: TreeNode, folder: Folder, depth: int) -> None:
        """Add a sub-folder, to be filled when opened (an empty one as a leaf)."""
        if has_content(folder):
            parent.add(folder_label(folder, depth), data=folder, allow_expand=True)
        else:
            parent.add_leaf(empty_folder_label(folder, depth), data=folder)

    def _depth(self, node: TreeNode) -> int:
        depth = 0
        while node.parent is not None and node.parent is not self.root:
            depth += 1
            node = node.parent
        return depth

    def _folder_opened(self, folder: Folder) -> None:
        """Called when the user opens ``folder``, before it is filled."""

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        """Fill a folder the first time it is opened."""
        node = event.node
        if isinstance(node.data, Folder):
            self._folder_opened(node.data)
            self._populate(node, node.data, self._depth(node) + 1)
