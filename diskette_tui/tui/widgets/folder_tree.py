"""One tree builder for storages folded into folder indexes: the preview's and the archive's.

A storage's members are folded once into :class:`~..folders.Folder` nodes
(in the worker thread). The tree shows one folder at a time, filled when it
is first opened, and at most :data:`FILE_LIMIT` files per folder, so a
storage of 100,000 files costs a few hundred nodes until the user digs into it.
Labels line sizes up in columns: folder totals, file sizes, excluded files,
skipped links.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import humanize
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.css.styles import RenderStyles
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ...core.plan import ExcludedEntry, SkippedLink, StorageEntry
from ...render import count, size
from ..folders import Folder

#: Files listed in one folder before a "… more files" line.
FILE_LIMIT = 1000
#: Width of the name column at the top level; sizes line up to its right.
NAME_WIDTH = 52


def name_column(name: str, depth: int, width: int = NAME_WIDTH) -> str:
    """``name`` padded to the name column (``width`` at the top) of a node at ``depth``."""
    return name.ljust(max(width - 4 * depth, len(name) + 2))


def leaf_column(name: str, depth: int, width: int = NAME_WIDTH) -> str:
    """``name`` padded to the name column of a leaf at ``depth``."""
    # A leaf has no expand icon: two more columns line its sizes up with folders'.
    return name.ljust(max(width - 4 * depth + 2, len(name) + 4))


def name_width(content_width: int) -> int:
    """The top-level name column for a tree ``content_width`` cells wide (0: not laid out).

    :data:`NAME_WIDTH` when it fits, narrower so that totals and sizes keep
    their units at 80 columns: the expand icon and guide (4), the totals (23)
    and a scrollbar (2) take the rest.
    """
    if content_width <= 0:
        return NAME_WIDTH
    return max(16, min(NAME_WIDTH, content_width - 29))


def append_extras(label: Text, folder: Folder) -> None:
    """Add how many members below ``folder`` are excluded or skipped."""
    if folder.excluded_count:
        label.append(f"   {humanize.intcomma(folder.excluded_count)} excluded", style="dim")
    if folder.skipped_count:
        label.append(f"   {humanize.intcomma(folder.skipped_count)} skipped", style="yellow")


def folder_label(folder: Folder, depth: int, width: int = NAME_WIDTH) -> Text:
    """``pictures/   28 files   402.1 kB   1 excluded``."""
    if folder.file_count:
        totals = (count(folder.file_count, "file").rjust(12), (size(folder.size).rjust(11), "dim"))
    else:
        totals = (("no files".rjust(12), "dim"), " " * 11)
    label = Text.assemble((name_column(folder.name + "/", depth, width), "bold"), *totals)
    append_extras(label, folder)
    return label


def empty_folder_label(folder: Folder, depth: int, width: int = NAME_WIDTH) -> Text:
    """A folder with nothing below it, as a leaf: "no files" under the other totals."""
    return Text.assemble(
        (leaf_column(folder.name + "/", depth, width), "bold"), ("no files".rjust(12), "dim")
    )


def _base_name(arcname: str) -> str:
    return arcname.rsplit("/", 1)[-1]


def link_label(link: StorageEntry) -> Text:
    """``latest.png → pictures/2024.png``."""
    return Text.assemble(_base_name(link.arcname), " → ", (link.link_target or "", "cyan"))


def file_label(entry: StorageEntry, depth: int, width: int = NAME_WIDTH) -> Text:
    """A file's name and size, in the columns of its folder's totals."""
    name = leaf_column(_base_name(entry.arcname), depth, width)
    return Text.assemble(name, " " * 12, (size(entry.size).rjust(11), "dim"))


def skipped_label(link: SkippedLink, depth: int, width: int = NAME_WIDTH) -> Text:
    """A link left out of the archive, and why."""
    return Text.assemble(
        (leaf_column(_base_name(link.arcname), depth, width), "yellow"),
        ("skipped: ", "yellow"),
        (link.reason + (f" → {link.target}" if link.target else ""), "yellow"),
    )


def excluded_label(excluded: ExcludedEntry, depth: int, width: int = NAME_WIDTH) -> Text:
    """A member an exclusion pattern leaves out, struck through."""
    name = _base_name(excluded.arcname) + ("/" if excluded.is_dir else "")
    return Text.assemble(
        (leaf_column(name, depth, width), "dim strike"), (f"excluded by {excluded.pattern}", "dim")
    )


def more_line(folders: int, files: int, hint: str = "") -> Text | None:
    """``… 3 more folders and 1,200 more files`` (None: nothing more)."""
    said = [count(n, noun) for n, noun in ((folders, "more folder"), (files, "more file")) if n]
    if not said:
        return None
    return Text(f"… {' and '.join(said)}{hint}", style="dim italic")


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
    #: Open :meth:`batch` blocks: while above 0, adding nodes does not invalidate.
    _batch_depth = 0
    #: Styles looked up during one :meth:`render_lines` (None: not rendering).
    _styles_of_pass: dict | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__("storages", **kwargs)
        self.show_root = False
        self.guide_depth = 4
        #: Whether the files exclusion patterns leave out are listed.
        self.show_excluded = True
        self._populated: set[int] = set()
        #: The top-level name column, for the width the tree has (:func:`name_width`).
        self.name_width = NAME_WIDTH

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Add and open many nodes with one invalidation of the tree's caches, at the end.

        Textual's tree clears its line cache and asks for a layout at every
        node added or opened: a build of 250 rows did it 250 times.
        """
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if not self._batch_depth:
                self._invalidate()

    def _invalidate(self) -> None:
        """Invalidate the tree's caches, once at the end of a :meth:`batch`.

        Textual's own also lays the whole screen out again; the tree's size
        does not depend on its rows, and a new virtual size (rows, widest
        label) asks for that layout by itself when the lines are built.
        """
        if self._batch_depth:
            return
        self._clear_line_cache()
        self._updates += 1
        self.root._reset()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Tree's rows, with the widget's styles looked up once for all of them.

        Tree asks for its own style and its guides' styles at every row it
        renders (each a walk up the DOM); styles cannot change while the rows
        are rendered, so one pass remembers them (a quarter of a row's cost).
        """
        self._styles_of_pass = {}
        try:
            return super().render_lines(crop)
        finally:
            self._styles_of_pass = None

    @property
    def rich_style(self) -> Style:
        """The widget's style (remembered during :meth:`render_lines`)."""
        memo = self._styles_of_pass
        if memo is None:
            return super().rich_style
        if "" not in memo:
            memo[""] = super().rich_style
        return memo[""]

    def get_component_styles(self, *names: str) -> RenderStyles:
        """A component's styles (remembered during :meth:`render_lines`)."""
        memo = self._styles_of_pass
        if memo is None:
            return super().get_component_styles(*names)
        if names not in memo:
            memo[names] = super().get_component_styles(*names)
        return memo[names]

    def process_label(self, label: str | Text) -> Text:
        """A one-line label as it is, not copied (Tree's default splits it into a copy).

        The tree copies a label before styling it for a row, so one built here
        is never changed; a label with a line break (a file name may hold one)
        keeps its first line, as Tree's default does.
        """
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def get_label_width(self, node: TreeNode) -> int:
        """A row's width from its label's length, without rendering it (Tree's default does)."""
        icon = cell_len(self.ICON_NODE) if node.allow_expand else 0
        return node.label.cell_len + icon

    def on_resize(self) -> None:
        """Fit the name column to the new width; labels are made again if it changed."""
        width = name_width(self.content_size.width)
        if width != self.name_width:
            self.name_width = width
            self._relabel()

    def _relabel(self) -> None:
        """Build the tree again with the current :attr:`name_width`."""

    def _reset(self) -> None:
        """Remove every node (before building the tree again).

        Parents and children refer to each other: unlinked first, the old
        nodes are freed at once instead of waiting, 250 at each key of the
        filter, for the cycle collector.
        """
        pending = [self.root]
        while pending:
            node = pending.pop()
            pending.extend(node._children)
            node._children = []
            node._parent = None
        self.clear()
        self._populated.clear()

    def _populate(
        self, node: TreeNode, folder: Folder, depth: int, budget: int | None = None
    ) -> list[tuple[TreeNode, Folder]]:
        """Add the direct members of ``folder`` under ``node``, once.

        Without ``budget``, every member but at most :data:`FILE_LIMIT` files;
        with it, at most ``budget`` rows. What is left out is said on one
        "… more" line. Returns the sub-folders added that can be opened.
        """
        if id(node) in self._populated:
            return []
        self._populated.add(id(node))
        with self.batch():
            return self._add_members(node, folder, depth, budget)

    def _add_members(
        self, node: TreeNode, folder: Folder, depth: int, budget: int | None
    ) -> list[tuple[TreeNode, Folder]]:
        """:meth:`_populate`'s work: the members, then the "… more" line."""
        room = budget

        def take(members: list) -> list:
            nonlocal room
            if room is None:
                return members
            shown = members[: max(room, 0)]
            room -= len(shown)
            return shown

        folders = take(folder.sorted_folders())
        links = take(sorted(folder.links, key=lambda entry: entry.arcname))
        files = take(folder.files if budget is not None else folder.files[:FILE_LIMIT])
        skipped = take(folder.skipped)
        excluded = take(folder.excluded if self.show_excluded else [])
        openable = []
        for child in folders:
            child_node = self._add_folder(node, child, depth)
            if child_node.allow_expand:
                openable.append((child_node, child))
        for link in links:
            node.add_leaf(link_label(link))
        width = self.name_width
        for entry in files:
            node.add_leaf(file_label(entry, depth, width))
        for link in skipped:
            node.add_leaf(skipped_label(link, depth, width))
        for member in excluded:
            node.add_leaf(excluded_label(member, depth, width))
        hidden_files = len(folder.files) - len(files) + len(folder.links) - len(links)
        hidden_files += len(folder.skipped) - len(skipped)
        if self.show_excluded:
            hidden_files += len(folder.excluded) - len(excluded)
        line = more_line(len(folder.folders) - len(folders), hidden_files, self.more_hint())
        if line is not None:
            node.add_leaf(line)
        return openable

    def more_hint(self) -> str:
        """What follows a "… more files" line."""
        return self.MORE_FILES_HINT

    def _add_folder(self, parent: TreeNode, folder: Folder, depth: int) -> TreeNode:
        """Add a sub-folder, to be filled when opened (an empty one as a leaf)."""
        width = self.name_width
        if has_content(folder):
            return parent.add(folder_label(folder, depth, width), data=folder, allow_expand=True)
        return parent.add_leaf(empty_folder_label(folder, depth, width), data=folder)

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
