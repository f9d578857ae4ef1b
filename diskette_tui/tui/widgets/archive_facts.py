"""The facts of an archive: file, manifest, environment, checksums, safety, load targets."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ...core.plan import CHECKSUMS_FILENAME
from ...render import count, size
from ..archive_view import ArchiveView


def _more(lines, limit: int = 1) -> str:
    lines = list(lines)
    text = "; ".join(lines[:limit])
    if len(lines) > limit:
        text += f" (+{len(lines) - limit} more)"
    return text


def checksum_status(view: ArchiveView) -> Text:
    """``✓ 67 members match SHA256SUMS``, or what is wrong or unknown."""
    contents = view.contents
    plan = view.plan
    if plan is not None:
        if plan.verification == "ok":
            return Text.assemble(
                ("✓ ", "bold green"),
                f"{count(len(contents.checksums or {}), 'member')} match {CHECKSUMS_FILENAME}",
            )
        if plan.verification == "unverifiable":
            return Text(f"⚠ no {CHECKSUMS_FILENAME}: the content cannot be verified", "yellow")
        return Text("not checked (--no-verify)", "yellow")
    report = view.report
    if report is None:
        return Text("?", "dim")
    if report.ok:
        return Text.assemble(
            ("✓ ", "bold green"), f"{count(report.checked, 'member')} match {CHECKSUMS_FILENAME}"
        )
    if report.status == "unverifiable":
        return Text(
            f"⚠ no {CHECKSUMS_FILENAME} (written by diskette?): cannot be verified", "yellow"
        )
    return Text(f"✗ {_more(report.problems(), 2)}", "bold red")


def describe_facts(view: ArchiveView, database: str = "") -> Table:
    """A grid of what the manifest says, how the archive checks out and, for a load, where to."""
    contents = view.contents
    manifest = contents.manifest
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row(
        "archive",
        Text.assemble((str(contents.path), "bold"), ("  ", ""), (size(contents.size), "dim")),
    )
    made_by = manifest.get("generator") or "diskette"
    written = Text.assemble(
        str(manifest.get("creation") or "?"),
        (" by ", "dim"),
        made_by,
        (f" · manifest version {manifest.get('version', '?')}", "dim"),
    )
    grid.add_row("written", written)
    environment = manifest.get("environment")
    if isinstance(environment, dict) and environment:
        grid.add_row(
            "environment",
            Text(" · ".join(f"{key} {value}" for key, value in environment.items()), "dim"),
        )
    grid.add_row("checksums", checksum_status(view))
    plan = view.plan
    if plan is None:
        if view.refusals:
            grid.add_row(
                "safety",
                Text(f"✗ diskette load refuses it: {_more(view.refusals)}", "bold red"),
            )
        else:
            grid.add_row(
                "safety",
                Text.assemble(("✓ ", "bold green"), "every member stays inside its place"),
            )
        return grid
    if plan.with_data:
        grid.add_row(
            "load data into",
            Text.assemble(
                (database or "the project's database", "bold"),
                (f"  mode {plan.request.data_mode} · one transaction: all or nothing", "dim"),
            ),
        )
    else:
        grid.add_row("load data into", Text("nothing: data not loaded (--no-data)", "dim"))
    if plan.with_storages:
        grid.add_row(
            "storages into",
            Text.assemble(
                (str(plan.storages_basepath), "bold"), (f"  mode {plan.storages_mode}", "dim")
            ),
        )
    else:
        grid.add_row("storages into", Text("nothing: storages not restored (--no-storages)", "dim"))
    return grid


class ArchiveFacts(Static):
    """The archive's facts; empty until :meth:`show`."""

    def show(self, view: ArchiveView, database: str = "") -> None:
        """Describe ``view``."""
        self.update(describe_facts(view, database))
