"""What the app is doing while the plan is computed: definitions read, entries scanned."""

from __future__ import annotations

import humanize
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, LoadingIndicator, ProgressBar

from ...core.progress import ProgressUpdate


class ScanStatus(Vertical):
    """A loading indicator with a line of progress."""

    def compose(self) -> ComposeResult:
        yield LoadingIndicator()
        yield Label("reading the configuration…", id="scan-label")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="scan-bar")

    def report(self, update: ProgressUpdate) -> None:
        """Show one progress report of ``Dumper.plan``."""
        label = self.query_one("#scan-label", Label)
        bar = self.query_one("#scan-bar", ProgressBar)
        if update.stage == "plan":
            label.update(
                f"counting rows… definition {update.completed + 1} of {update.total}: {update.item}"
            )
            bar.update(total=update.total, progress=update.completed)
        elif update.stage == "scan":
            label.update(
                f"scanning {update.item}… {humanize.intcomma(update.completed)} entries"
            )
            bar.update(total=None)
