"""Plain terminal rendering of plans and results with rich (not the Textual app)."""

from __future__ import annotations

import humanize
from rich.console import Console
from rich.markup import escape

from .wording import count, plan_summary, size

__all__ = ["count", "plan_summary", "render_plan", "render_result", "size"]


def render_plan(plan, console: Console, verbose: int = 0, archive: bool = True) -> None:
    """Print a plan: definitions and their models, storages, warnings, totals.

    ``archive`` False leaves out the archive path and totals (``diskette apps``).
    """
    if archive:
        replaced = (
            " [yellow](replaces the existing archive)[/yellow]" if plan.replaces_archive else ""
        )
        console.print(f"[bold]Archive[/bold]  {escape(str(plan.archive_path))}{replaced}")
    if plan.with_data:
        _render_definitions(plan, console)
    if plan.with_storages:
        _render_storages(plan, console, verbose)
    if plan.warnings:
        console.print("[bold]Warnings[/bold]")
        for warning in plan.warnings:
            console.print(
                f"  [yellow]⚠[/yellow] {escape(warning.definition)}: {escape(warning.message)}"
            )
    if archive:
        console.print(f"[bold]Total[/bold]  {escape(plan_summary(plan))}")


def _render_definitions(plan, console: Console) -> None:
    """Each definition: selected or not, its file, models and exclusions."""
    console.print("[bold]Definitions[/bold]")
    for item in plan.definitions:
        mark = "[green]✓[/green]" if item.selected else "[dim]·[/dim]"
        drain = " [cyan](drain)[/cyan]" if item.is_drain else ""
        skipped = "" if item.selected else " [dim](not selected)[/dim]"
        console.print(
            f"  {mark} [bold]{escape(item.name)}[/bold]{drain}  {item.archive_name}  "
            f"{count(len(item.models), 'model')}, {count(item.rows, 'row')}{skipped}"
        )
        models = ", ".join(
            f"{m.label} ({humanize.intcomma(m.rows)})" if m.rows is not None else m.label
            for m in item.models
        )
        verb = "collects" if item.is_drain else "include"
        console.print(f"      {verb} {escape(models) or '[dim]nothing[/dim]'}")
        if item.excludes:
            console.print(f"      exclude {', '.join(item.excludes)}")
        if item.implicit_excludes:
            console.print(f"      [dim]not included {', '.join(item.implicit_excludes)}[/dim]")
        left = [label for label in item.drain_excludes if label not in item.excludes]
        if left:
            console.print(f"      [dim]left to other definitions {', '.join(left)}[/dim]")


def _render_storages(plan, console: Console, verbose: int) -> None:
    """Each storage: selected or not, files and size, what it excludes and skips."""
    console.print("[bold]Storages[/bold]")
    if not plan.storages:
        console.print("  [dim]no storage configured[/dim]")
    for storage in plan.storages:
        mark = "[green]✓[/green]" if storage.selected else "[dim]·[/dim]"
        extras = []
        if storage.excluded:
            extras.append(f"{len(storage.excluded)} excluded")
        if storage.skipped_links:
            extras.append(f"{len(storage.skipped_links)} skipped")
        extra = f"  [dim]({', '.join(extras)})[/dim]" if extras else ""
        console.print(
            f"  {mark} [bold]{escape(storage.arcname)}[/bold]  "
            f"{count(storage.files, 'file')}  {size(storage.size)}{extra}"
        )
        if verbose:
            _render_entries(storage, console)
        for entry in storage.excluded:
            slash = "/" if entry.is_dir else ""
            name, pattern = escape(entry.arcname), escape(entry.pattern)
            console.print(f"      [dim]excluded {name}{slash} by {pattern}[/dim]")
        for entry in storage.skipped_links:
            console.print(
                f"      [yellow]skipped[/yellow] {escape(entry.arcname)} → "
                f"{escape(entry.target)} ({entry.reason})"
            )


def _render_entries(storage, console: Console) -> None:
    """Every file (with its size) and link of a storage (``-v``)."""
    for entry in storage.entries:
        if entry.kind == "file":
            console.print(f"      {escape(entry.arcname)}  [dim]{size(entry.size)}[/dim]")
        elif entry.kind == "link":
            console.print(f"      {escape(entry.arcname)} → {escape(entry.link_target)}")


def render_result(result, console: Console) -> None:
    """Print what a dump wrote: path, size, sha256, objects per data file, files."""
    console.print(f"[green]Wrote[/green] {escape(str(result.path))}")
    console.print(f"  size    {size(result.size)} ({humanize.intcomma(result.size)} bytes)")
    console.print(f"  sha256  {result.sha256}")
    for name, objects in result.objects.items():
        console.print(f"  {escape(name)}  {count(objects, 'object')}")
    console.print(f"  storage files  {humanize.intcomma(result.files)}")
    console.print(
        f"  took    {humanize.precisedelta(result.duration, minimum_unit='milliseconds')}"
    )
