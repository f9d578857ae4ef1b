"""What the app is doing while the plan is computed: definitions read, entries scanned."""

from __future__ import annotations

import humanize
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, LoadingIndicator, ProgressBar

from ...core.progress import ProgressUpdate


def describe_scan(update: ProgressUpdate) -> str | None:
    """One line for a progress report of ``Dumper.plan`` (None: not a plan stage)."""
    if update.stage == "plan":
        return f"counting rows… definition {update.completed + 1} of {update.total}: {update.item}"
    if update.stage == "scan":
        return f"scanning {update.item}… {humanize.intcomma(update.completed)} entries"
    return None


class ScanStatus(Vertical):
    """A loading indicator with a line of progress."""

    def compose(self) -> ComposeResult:
        yield LoadingIndicator()
        yield Label("reading the configuration…", id="scan-label")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="scan-bar")

    def report(self, update: ProgressUpdate) -> None:
        """Show one progress report of ``Dumper.plan``."""
        text = describe_scan(update)
        if text is None:
            return
        self.query_one("#scan-label", Label).update(Text(text))  # names: never markup
        bar = self.query_one("#scan-bar", ProgressBar)
        if update.stage == "plan":
            bar.update(total=update.total, progress=update.completed)
        else:
            bar.update(total=None)
