"""The data files of an archive, in load order: definition, object count, size.

For a load, a first column says which files are loaded and why the others are not.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ...core.plan import DATA_DIRNAME
from ...render import count, size
from ..archive_view import ArchiveView


def _right(text: str, style: str = "") -> Text:
    return Text(text, style=style, justify="right")


class DataFiles(DataTable):
    """One row per data file the manifest lists."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)

    def show(self, view: ArchiveView) -> None:
        """Fill the table from ``view`` (a load plan adds the load column)."""
        self.clear(columns=True)
        contents = view.contents
        plan = view.plan
        if plan is not None:
            self.add_column("load", key="load")
        self.add_column("file", key="file")
        self.add_column("definition", key="definition")
        self.add_column(_right("objects"), key="objects")
        self.add_column(_right("size"), key="size")
        definitions = contents.definition_names()
        decisions = {item.name: item for item in plan.datas} if plan is not None else {}
        for name in contents.datas:
            counted = contents.data.get(name)
            member = contents.member(name)
            if counted is None or counted.error:
                objects = Text(f"? ({counted.error if counted else 'missing'})", "red")
            else:
                objects = _right(count(counted.objects, "object"), "cyan")
            row = [
                Text(name.removeprefix(DATA_DIRNAME + "/")),
                Text(definitions.get(name) or "—", "" if definitions.get(name) else "dim"),
                objects,
                _right(size(member.size) if member else "?", "dim"),
            ]
            if plan is not None:
                row.insert(0, self._decision(plan, decisions.get(name)))
            self.add_row(*row, key=name)
        if not contents.datas:
            self.add_row(
                *([""] if plan is not None else []),
                Text("no data files", "dim"),
                "",
                "",
                "",
            )

    @staticmethod
    def _decision(plan, item) -> Text:
        if not plan.with_data:
            return Text("skip (--no-data)", "dim")
        if item is None:
            return Text("skip", "dim")
        if item.selected:
            return Text("✓ load", "bold green")
        return Text(f"skip ({item.reason})", "dim")
