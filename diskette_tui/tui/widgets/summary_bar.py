"""One line that follows every change of the selection: what will be written, where.

The line is laid out for the width it gets: warnings first, then the totals,
then the archive path — relative to the current folder (or ``~``) when it is
below it, and with its leading folders folded into ``…`` when the line would
wrap. The archive's file name (and so its features) is always shown whole.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widget import Widget

from ...core.plan import DumpPlan
from ...wording import snapshot_notice, summary_parts, warnings_part


def display_path(path: Path, width: int | None = None, cwd: Path | None = None) -> str:
    """``path`` as short as it reads well, in at most ``width`` cells if that can be done.

    Below ``cwd`` (default: the current folder) it is relative, below the home
    folder it starts with ``~``; then leading folders give way to ``…``, and
    last of all the file name stands alone.
    """
    cwd = Path.cwd() if cwd is None else cwd
    shown = str(path)
    for base, prefix in ((cwd, ""), (Path.home(), "~/")):
        try:
            shown = prefix + path.relative_to(base).as_posix()
            break
        except ValueError:
            continue
    if width is None or len(shown) <= width:
        return shown
    folders = [part for part in Path(shown).parent.parts if part not in ("/", ".")]
    for keep in range(len(folders) - 1, -1, -1):
        candidate = "/".join(["…", *folders[len(folders) - keep :], path.name])
        if len(candidate) <= width:
            return candidate
    return path.name


def _totals(plan: DumpPlan, with_models: bool = True) -> Text:
    """Warnings first, then :func:`~diskette_tui.wording.summary_parts`, styled."""
    dot = (" · ", "dim")
    parts: list = []
    warnings = warnings_part(plan)
    if warnings:
        parts += [(f"⚠ {warnings}", "yellow"), dot]
    if snapshot_notice(plan):
        parts += [("⚠ SQLite rollback journal: writers wait during the dump", "yellow"), dot]
    for index, part in enumerate(summary_parts(plan, with_models=with_models)):
        if index:
            parts.append(dot)
        parts.append((part.text, "yellow") if part.notice else part.text)
    return Text.assemble(*parts)


def summarize(plan: DumpPlan, read_only: bool = False, width: int | None = None) -> Text:
    """Warnings, definitions n of m, models, rows, files, size → archive.

    With ``width``, the line is made to fit in it when it can: the archive
    path is shortened (down to ``…/folder/name``), then the model count gives
    way, then the path goes down to the file name, and last (check mode) the
    words "would write". The file name itself is never cut.
    """
    if not plan.has_data and not plan.has_storages:
        return Text.assemble(_totals(plan), ("  nothing to write", "bold red"))
    path = plan.archive_path
    tail = Text(" (replaces it)", style="yellow") if plan.replaces_archive else Text()
    with_folder = len(path.name) + len(path.parent.name) + 3  # …/folder/name
    # (with models, "would write", the shortest path allowed), best first.
    layouts = [
        (True, read_only, with_folder),
        (False, read_only, with_folder),
        (False, read_only, len(path.name)),
        (False, False, len(path.name)),
    ]
    for with_models, would, shortest in layouts:  # the last one if none fits
        text = _totals(plan, with_models=with_models)
        text.append(" → would write " if would else " → ", style="dim")
        room = None if width is None else width - text.cell_len - tail.cell_len
        if room is None or room >= shortest:
            break
    text.append(display_path(path, room), style="bold")
    text.append_text(tail)
    return text


class SummaryBar(Widget):
    """The totals of the current selection, or the progress of a re-plan."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plan: DumpPlan | None = None
        self.read_only = False
        self.note: Text | None = None

    def show(self, plan: DumpPlan, read_only: bool = False) -> None:
        """Summarize ``plan``."""
        self.plan = plan
        self.read_only = read_only
        self.note = None
        self.refresh(layout=True)

    def show_note(self, note: str) -> None:
        """Show ``note`` (the progress of a re-plan) in place of the totals."""
        self.note = Text(note, style="italic")
        self.refresh(layout=True)

    def _text(self, width: int | None) -> Text:
        if self.note is not None:
            return self.note
        if self.plan is None:
            return Text()
        return summarize(self.plan, self.read_only, width)

    def render(self) -> Text:
        """The line for the current width."""
        return self._text(self.content_size.width or None)

    def get_content_height(self, container, viewport, width: int) -> int:
        """Lines the summary takes at ``width`` (one, unless even the name cannot fit)."""
        return max(1, len(self._text(width).wrap(self.app.console, max(width, 1))))

    def on_resize(self) -> None:
        """Lay the line out again for the new width."""
        self.refresh(layout=True)
