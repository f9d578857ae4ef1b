"""Plain terminal rendering of plans and results with rich (not the Textual app)."""

from __future__ import annotations

import humanize
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from .wording import (
    DUMPED_BY_NOBODY,
    count,
    leftovers_line,
    data_warning_lines,
    plan_summary,
    remapped_line,
    post_load_lines,
    size,
    skipped_line,
    skipped_why,
    snapshot_notice,
    warning_lines,
)

__all__ = [
    "count",
    "plan_summary",
    "render_plan",
    "render_result",
    "render_warnings",
    "size",
    "tagged",
]


def tagged(tag: str, style: str, message: object) -> Text:
    """``error: message`` as rich Text: ``tag:`` in ``style``, then ``message`` as is.

    ``message`` (user text: names, labels, paths, exception messages) is never
    parsed as markup, so ``[/x]`` cannot crash and ``[tool.diskette]`` keeps
    its brackets. A rich Text prints on any rich console and shows in Textual
    widgets too.
    """
    return Text.assemble((f"{tag}:", style), " ", str(message))


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
    notice = snapshot_notice(plan)
    data_warnings = data_warning_lines(plan) if plan.with_data else []
    if plan.warnings or notice or data_warnings:
        console.print("[bold]Warnings[/bold]")
        if notice:
            console.print(f"  [yellow]⚠[/yellow] database: {escape(notice)}")
        for warning in plan.warnings:
            console.print(
                f"  [yellow]⚠[/yellow] {escape(warning.definition)}: {escape(warning.message)}"
            )
        for line in data_warnings:
            console.print(f"  [yellow]⚠[/yellow] {escape(line)}")
    remapped = remapped_line(plan) if plan.with_data else ""
    if remapped:
        console.print(f"[dim]ℹ {escape(remapped)}[/dim]")
    if archive:
        console.print(f"[bold]Total[/bold]  {escape(plan_summary(plan))}")


def render_warnings(plan, console: Console) -> None:
    """Every warning of a plan, one ``warning:`` line each (``dump --yes``, even with -q)."""
    for line in warning_lines(plan):
        console.print(tagged("warning", "yellow", line))


def render_result_warnings(result, console: Console) -> None:
    """The files a dump left out while writing (changed since the scan), one ``warning:`` each.

    Printed even with -q, as :func:`render_warnings` is.
    """
    for entry in result.skipped:
        console.print(tagged("warning", "yellow", skipped_line(entry)))


def _render_definitions(plan, console: Console) -> None:
    """Each definition: selected or not, its file, models and exclusions."""
    console.print("[bold]Definitions[/bold]")
    for item in plan.definitions:
        mark = "[green]✓[/green]" if item.selected else "[dim]·[/dim]"
        drain = " [cyan](drain)[/cyan]" if item.is_drain else ""
        skipped = "" if item.selected else " [dim](not selected)[/dim]"
        console.print(
            f"  {mark} [bold]{escape(item.name)}[/bold]{drain}  {escape(item.archive_name)}  "
            f"{count(len(item.models), 'model')}, {count(item.rows, 'row')}{skipped}"
        )
        models = ", ".join(
            f"{m.label} ({humanize.intcomma(m.rows)})" if m.rows is not None else m.label
            for m in item.models
        )
        verb = "collects" if item.is_drain else "include"
        console.print(f"      {verb} {escape(models) or '[dim]nothing[/dim]'}")
        if item.excludes:
            console.print(f"      exclude {escape(', '.join(item.excludes))}")
        if item.implicit_excludes:
            console.print(
                f"      [dim]not included {escape(', '.join(item.implicit_excludes))}[/dim]"
            )
        others, nobody = plan.drain_leaves(item)
        if others:
            console.print(f"      [dim]left to other definitions {escape(', '.join(others))}[/dim]")
        if nobody:
            console.print(f"      [dim]{DUMPED_BY_NOBODY} {escape(', '.join(nobody))}[/dim]")


def _render_storages(plan, console: Console, verbose: int) -> None:
    """Each storage: selected or not, files and size, what it excludes and skips,
    and what its patterns mean (gitignore or fnmatch)."""
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
        if storage.pattern_syntax:
            extras.append(f"{storage.pattern_syntax} patterns")
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
                f"      [yellow]skipped[/yellow] {escape(entry.arcname)} "
                f"{escape(skipped_why(entry))}"
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
    removed = leftovers_line(getattr(result, "removed_leftovers", ()), "dumps")
    if removed:
        console.print(escape(removed))


# -- restore side ----------------------------------------------------------------

#: How the load preview states each verification status.
CHECKSUM_STATUS = {
    "ok": "checksums ok",
    "unverifiable": "NO checksums (unverifiable)",
    "skipped": "checksums not checked",
}


def render_load_plan(plan, console: Console) -> None:
    """The preview of a load, as plain text: archive, data files, storages, totals."""
    manifest = plan.manifest
    console.print("[bold]diskette — load preview[/bold]")
    console.print(
        f"archive   {escape(str(plan.archive))} ({size(plan.archive_size)}) · "
        f"{escape(plan.made_by)} · created {escape(str(manifest.get('creation', '?')))} · "
        f"{CHECKSUM_STATUS[plan.verification]}"
    )
    if plan.with_data:
        _render_load_datas(plan, console)
        _render_target_state(plan, console)
    else:
        console.print("data      not loaded (--no-data)")
    if plan.with_storages:
        console.print(
            f"storages  into {escape(str(plan.storages_basepath))} · mode {plan.storages_mode}"
        )
        if not plan.storages:
            console.print("  (no storages)")
        for item in plan.storages:
            line = f"  {item.name}  {count(item.files, 'file')}  {size(item.size)} → {item.target}"
            effect = _restore_effect(item) if item.selected else f"skipped, {item.reason}"
            console.print(escape(f"{line}  ({effect})"))
    else:
        console.print("storages  not restored (--no-storages)")
    console.print(
        f"total     {count(len(plan.selected_datas), 'data file')} · "
        f"{count(plan.objects, 'object')} · {count(plan.files, 'file')} · {size(plan.size)}"
    )


def _render_load_datas(plan, console: Console) -> None:
    console.print("data      loaded in one transaction: all files or none")
    if not plan.datas:
        console.print("  (no data files)")
    width = max((len(item.name) for item in plan.datas), default=0)
    for item in plan.datas:
        action = "load" if item.selected else "skip"
        line = f"  {action}  {item.name:<{width}}  {count(item.objects, 'object')}"
        if item.definition:
            line += f"  · {item.definition}"
        if item.reason:
            line += f"  ({item.reason})"
        console.print(escape(line), style=None if item.selected else "dim")
    for line in post_load_lines(plan):
        console.print(escape(f"  {line}"))


def _render_target_state(plan, console: Console) -> None:
    """The target database: which one, the data mode and, per model, what it does there."""
    from .wording import (
        NO_REFERENCE_MAPS,
        data_mode_line,
        references_line,
        target_model_lines,
    )

    state = plan.target_state
    if state is None:
        return
    console.print(f"target    {escape(state.database)}")
    console.print(f"mode      {escape(data_mode_line(state))}")
    for line in target_model_lines(state):
        console.print(f"  {escape(line)}")
    console.print(f"refs      {escape(references_line(state.references))}")
    if state.references.by_id_unchecked:
        console.print(f"[yellow]warning:[/yellow] {escape(NO_REFERENCE_MAPS)}")


def _restore_effect(storage) -> str:
    """What restoring a storage does, in the load preview's words."""
    if storage.action == "new folder":
        return "new folder"
    if storage.action == "replace":
        return (
            f"replaces {count(storage.existing, 'existing file')}: "
            f"{storage.overwritten} overwritten, {storage.removed} removed"
        )
    return f"merge: {storage.overwritten} of {storage.existing} existing files overwritten"


def render_contents(contents, console: Console, verbose: int = 0) -> None:
    """``inspect`` as text: manifest, data files with counts, storages with files."""
    manifest = contents.manifest
    console.print(f"archive    {escape(str(contents.path))} ({size(contents.size)})")
    for key in ("version", "creation", "generator"):
        if key in manifest:
            console.print(f"{key:<10} {escape(str(manifest[key]))}")
    environment = manifest.get("environment") or {}
    if environment:
        console.print(
            "environment " + escape(", ".join(f"{k} {v}" for k, v in environment.items()))
        )
    console.print(
        "checksums  "
        + (
            "SHA256SUMS present (diskette verify checks it)"
            if contents.checksums is not None
            else "none (written by diskette: unverifiable)"
        )
    )
    _render_contents_datas(contents, console)
    console.print(f"storages   {count(len(contents.storages), 'folder')}")
    for storage in contents.storages:
        _render_contents_storage(contents, storage, console, verbose)


def _render_contents_datas(contents, console: Console) -> None:
    definitions = contents.definition_names()
    console.print(f"data       {count(len(contents.datas), 'file')}")
    width = max((len(name) for name in contents.datas), default=0)
    for name in contents.datas:
        counted = contents.data.get(name)
        member = contents.member(name)
        line = f"  {name:<{width}}  "
        if counted is None or counted.error:
            line += f"? objects ({counted.error if counted else 'missing'})"
        else:
            line += count(counted.objects, "object")
        if member is not None:
            line += f"  {size(member.size)}"
        if definitions.get(name):
            line += f"  · {definitions[name]}"
        console.print(escape(line))


def _render_contents_storage(contents, storage: str, console: Console, verbose: int) -> None:
    members = contents.storage_members(storage)
    files = [m for m in members if m.kind == "file"]
    console.print(
        escape(f"  {storage}/  {count(len(files), 'file')}  {size(sum(m.size for m in files))}")
    )
    for member in members:
        if member.kind == "file":
            console.print(escape(f"    {member.name}  {size(member.size)}"))
        elif member.kind in ("symlink", "hardlink"):
            console.print(escape(f"    {member.name} → {member.linkname}"), style="dim")
        elif verbose and member.kind == "dir":
            console.print(escape(f"    {member.name}/"), style="dim")
