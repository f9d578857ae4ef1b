"""The words both front ends use for a dump plan, as plain text.

The facts are properties of the plan (:class:`~diskette_tui.core.plan.DumpPlan`:
totals, ``replaces_archive``, ``patterns_off``…); this module says them once,
in plain strings, so that the rich output of :mod:`.render` and the Textual
widgets cannot drift apart. No rich and no Textual here: a front end styles
what it gets (a :class:`SummaryPart` marked ``notice`` is worth highlighting).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import humanize

#: Models a drain leaves that no definition includes (the others only exclude them).
DUMPED_BY_NOBODY = "excluded by the others, dumped by nobody:"
#: How many names a description lists before it says "… (+n)".
NAMES_SHOWN = 4


def size(value: int) -> str:
    """A byte count for people: ``1.2 MB``."""
    return humanize.naturalsize(value)


def count(value, noun: str) -> str:
    """``1,234 rows``; ``? rows`` when not counted."""
    if value is None:
        return f"? {noun}s"
    return f"{humanize.intcomma(value)} {noun}{'' if value == 1 else 's'}"


def skipped_why(link) -> str:
    """Why a storage entry is left out: ``→ /etc (outside the storage)``, or only
    ``(not a regular file)`` when it is not a link."""
    return f"→ {link.target} ({link.reason})" if link.target else f"({link.reason})"


def names(items: Iterable[str], limit: int = NAMES_SHOWN) -> str:
    """``a, b, c, d, … (+2)``: the first ``limit`` names and how many more."""
    shown = list(items)
    if len(shown) > limit:
        return ", ".join(shown[:limit]) + f", … (+{len(shown) - limit})"
    return ", ".join(shown)


# The one-line summary ------------------------------------------------------------


@dataclass(frozen=True)
class SummaryPart:
    """One part of a plan's summary line; ``notice`` marks what is left out or off."""

    text: str
    notice: bool = False


def summary_parts(plan, with_models: bool = True) -> list[SummaryPart]:
    """The totals of a plan's selection, in order: data, then storages.

    Data: ``n of m definitions``, the models (unless ``with_models`` is
    False), the rows — or ``no data``. Storages: files, size and ``patterns
    off`` when the exclusion patterns were not applied — or ``no storages``.
    """
    totals = plan.totals
    parts = []
    if plan.with_data:
        parts.append(SummaryPart(f"{totals.definitions} of {totals.of_definitions} definitions"))
        if with_models:
            parts.append(SummaryPart(count(totals.models, "model")))
        parts.append(SummaryPart(count(totals.rows, "row")))
    else:
        parts.append(SummaryPart("no data", notice=True))
    if plan.with_storages:
        parts += [SummaryPart(count(totals.files, "file")), SummaryPart(size(totals.size))]
        if plan.patterns_off:
            parts.append(SummaryPart("patterns off", notice=True))
    else:
        parts.append(SummaryPart("no storages", notice=True))
    return parts


def warnings_part(plan) -> str:
    """``2 warnings``, or an empty string when the selection has none."""
    warnings = plan.totals.warnings
    return count(warnings, "warning") if warnings else ""


def snapshot_notice(plan) -> str:
    """Why the dump's read transaction makes the site's writers wait, or an empty string.

    SQLite outside WAL mode (rollback journal) keeps writers out while a reader
    holds its transaction open: for the whole data dump.
    """
    snapshot = plan.snapshot
    if not plan.has_data or snapshot is None or not snapshot.blocks_writers:
        return ""
    return (
        f"SQLite database in rollback-journal mode (journal_mode={snapshot.journal_mode}): "
        "the site's writers wait while the dump reads; WAL mode "
        "(PRAGMA journal_mode=WAL) lets them go on"
    )


def plan_summary(plan) -> str:
    """One line: definitions, models, rows, files, size → archive · warnings."""
    summary = " · ".join(part.text for part in summary_parts(plan))
    summary += f" → {plan.archive_path}"
    warnings = warnings_part(plan)
    if warnings:
        summary += f" · {warnings}"
    return summary


# What a write does ---------------------------------------------------------------


@dataclass(frozen=True)
class WriteRow:
    """One row of the description of a write: a label, a value, the names under it."""

    label: str
    value: str
    detail: str = ""


def write_rows(plan) -> list[WriteRow]:
    """Archive, data and storages of a write, as label/value/detail rows."""
    totals = plan.totals
    rows = [WriteRow("archive", str(plan.archive_path))]
    definitions = plan.selected_definitions
    if definitions:
        counted = "" if totals.rows is None else f", {count(totals.rows, 'row')}"
        value = f"{count(len(definitions), 'definition')}{counted}"
        rows.append(WriteRow("data", value, names(item.name for item in definitions)))
    else:
        rows.append(WriteRow("data", "none"))
    storages = plan.selected_storages
    if storages:
        value = f"{count(totals.files, 'file')}, {size(totals.size)} before compression"
        rows.append(WriteRow("storages", value, names(item.arcname for item in storages)))
    else:
        rows.append(WriteRow("storages", "none"))
    return rows


def replace_notice(plan) -> str:
    """What a write replaces, or an empty string when nothing is there yet."""
    replaced = plan.replaced_size
    if replaced is None:
        return ""
    return f"⚠ replaces the existing archive of that name ({size(replaced)})"


def warnings_notice(plan) -> str:
    """``⚠ 2 load-order warnings · 1 data warning``, or an empty string when there is none."""
    parts = []
    if plan.warnings:
        parts.append(count(len(plan.warnings), "load-order warning"))
    data = plan.data_warning_count()
    if data:
        parts.append(count(data, "data warning"))
    return f"⚠ {' · '.join(parts)}" if parts else ""


def skipped_line(entry) -> str:
    """``skipped media/locked (permission denied)``; a link adds ``→ its target``."""
    target = f" → {entry.target}" if entry.target else ""
    return f"skipped {entry.arcname}{target} ({entry.reason})"


def warning_lines(plan) -> list[str]:
    """Every warning of a plan, one line each: load-order warnings, then what is left out.

    What is left out: the entries of the selected storages that are not
    archived (links leaving their storage, fifos…, and, with
    ``--skip-unreadable``, what cannot be read) — not the ones a pattern excludes.
    """
    lines = [f"{warning.definition}: {warning.message}" for warning in plan.warnings]
    lines += data_warning_lines(plan)
    return lines + [skipped_line(entry) for entry in plan.skipped]


# What the dumped rows hold (dangling keys, natural keys, files) -------------------


def dangling_line(found) -> str:
    """``wagtailcore.PageLogEntry.page → wagtailcore.Page: 3 rows name a missing row
    (e.g. pk 12, no database constraint); dumped as raw ids``."""
    constraint = "" if found.constrained else ", no database constraint"
    rows = count(found.count, "row")
    verb = "names" if found.count == 1 else "name"
    return (
        f"{found.model}.{found.field} → {found.target}: {rows} {verb} a missing row "
        f"(e.g. pk {found.example_pk}{constraint}); dumped as raw ids"
    )


def natural_key_problem(check) -> str:
    """What is wrong with a model's natural key: ``8 rows share a key, computed from…``."""
    if check.no_lookup:
        return "its manager has no get_by_natural_key"
    problems = []
    if check.missing:
        problems.append(f"{count(check.missing, 'row')} without one")
    if check.duplicates:
        problems.append(f"{count(check.duplicates, 'row')} sharing one")
    if check.unresolved:
        problems.append(f"{count(check.unresolved, 'row')} not found back by it")
    if check.reads_table:
        problems.append("computed from other rows of its table")
    return ", ".join(problems)


def natural_key_line(check) -> str:
    """``wagtailcore.Collection: natural key does not round-trip (computed from other
    rows of its table; e.g. pk 2): dumped by primary key``."""
    example = f"; e.g. pk {check.example_pk}" if check.example_pk is not None else ""
    return (
        f"{check.model}: natural key does not round-trip "
        f"({natural_key_problem(check)}{example}): dumped by primary key"
    )


def file_reference_line(found) -> str:
    """``33 wagtailimages.Rendition rows reference files excluded by 'images/'``…"""
    rows = f"{count(found.count, f'{found.model} row')}"
    verb = "references" if found.count == 1 else "reference"
    noun = "a file" if found.count == 1 else "files"
    if found.reason == "excluded":
        where = f" (storage {found.storage})" if found.storage else ""
        why = f"excluded by '{found.pattern}'{where}"
    elif found.reason == "missing":
        why = "that do not exist" if found.count != 1 else "that does not exist"
    else:
        why = "in no archived storage"
    return f"{rows} {verb} {noun} {why} (field {found.field}, e.g. {found.example})"


def data_warning_lines(plan, name: str | None = None) -> list[str]:
    """The data warnings of the selection (or of the selected definition ``name``):
    dangling references, natural keys dumped by primary key, files left out."""
    labels, broken = plan.data_warning_scope(name)
    lines = [dangling_line(found) for found in plan.dangling if found.model in labels]
    lines += [natural_key_line(check) for check in broken]
    lines += [
        file_reference_line(found)
        for found in plan.file_reference_warnings
        if found.model in labels
    ]
    return lines


def remapped_line(plan) -> str:
    """One info line for the references the load remaps (content types, permissions),
    or an empty string when there is none."""
    targets = sorted({item.target for item in plan.remapped_references})
    if not targets:
        return ""
    return (
        f"{count(len(plan.remapped_references), 'reference')} to {' and '.join(targets)}: "
        "remapped by natural key when loaded"
    )


def unreadable_notice(plan) -> str:
    """What becomes of the unreadable paths, or an empty string when there are none.

    ``⚠ 2 unreadable paths left out`` with ``skip_unreadable``, else
    ``✗ 2 unreadable paths: the dump fails…`` (the write refuses them).
    """
    unreadable = len(plan.unreadable)
    if not unreadable:
        return ""
    if plan.skip_unreadable:
        return f"⚠ {count(unreadable, 'unreadable path')} left out"
    return (
        f"✗ {count(unreadable, 'unreadable path')}: the dump fails "
        "(exclude them, or run with --skip-unreadable)"
    )


def write_description(plan) -> list[str]:
    """What a dump of ``plan`` writes, where, how big, and what it replaces.

    The rows of :func:`write_rows` as two aligned columns, then a blank line
    and the replace notice when an archive is replaced, then the warnings.
    """
    rows = write_rows(plan)
    width = max(len(row.label) for row in rows)
    lines = []
    for row in rows:
        lines.append(f"{row.label:<{width}}  {row.value}")
        if row.detail:
            lines.append(f"{'':<{width}}  {row.detail}")
    replaced = replace_notice(plan)
    if replaced:
        lines += ["", replaced]
    for notice in (warnings_notice(plan), unreadable_notice(plan)):
        if notice:
            lines.append(notice)
    return lines


# -- load side -----------------------------------------------------------------
# What a LoadPlan will do, in the words of the load confirmation.

#: Why the data or the storages are not part of a load, by whether the user said so.
NOT_LOADED = "not loaded (--no-data)"
NOT_RESTORED = "not restored (--no-storages)"
ALL_OR_NOTHING = (
    "All or nothing: the data files load in one transaction; if one fails, the database is "
    "rolled back and no storage folder is touched."
)
STAGED_FIRST = (
    "The storages are extracted and checked in temporary folders before any is put in place."
)
#: The warning for each verification status that is not "ok".
VERIFICATION_WARNINGS = {
    "unverifiable": "⚠ no SHA256SUMS: the content cannot be verified",
    "skipped": "⚠ checksums not checked (--no-verify)",
}


def storage_action(storage, short: bool = False) -> str:
    """What restoring one storage does to its target (``short``: for a tree line)."""
    if storage.action == "new folder":
        return "new folder"
    if storage.action == "replace":
        if short:
            return f"replace, {storage.removed} removed"
        removed = f", {storage.removed} removed" if storage.removed else ""
        return f"replace: {storage.overwritten} overwritten{removed}"
    if short:
        return f"merge, {storage.overwritten} of {storage.existing} overwritten"
    return f"merge: {storage.overwritten} of {storage.existing} existing overwritten"


def removal_warning(removed: int) -> str:
    """The warning for files ``replace`` removes."""
    verb = "is" if removed == 1 else "are"
    return f"⚠ replace removes {count(removed, 'existing file')} that {verb} not in the archive"


def unlisted_warning(unlisted) -> str:
    """The warning for data files the manifest does not list (never loaded)."""
    verb = "is" if len(unlisted) == 1 else "are"
    return f"{names(unlisted)} {verb} in the archive but not in its manifest: not loaded"


def load_data_lines(plan, database: str = "") -> list[str]:
    """What happens to the data: files and objects into which database, and what is skipped;
    then the data mode, the target's rows it touches and the content types' fate."""
    datas = plan.selected_datas
    if not datas:
        return [NOT_LOADED if not plan.with_data else "no data file to load"]
    state = plan.target_state
    target = database or (state.database if state is not None else "the project's database")
    lines = [
        f"{count(len(datas), 'file')}, {count(plan.objects, 'object')} → {target}",
        names(item.filename for item in datas),
    ]
    if plan.skipped_datas:
        skipped = names(f"{item.filename} ({item.reason})" for item in plan.skipped_datas)
        lines.append(f"skipped: {skipped}")
    if state is not None:
        lines.append(data_mode_line(state))
        lines.append(references_line(state.references))
    return lines + post_load_lines(plan)


# -- the target database, before and after a load ----------------------------------

#: The warning for an archive whose manifest has no content-type and permission maps.
NO_REFERENCE_MAPS = (
    "the archive records no content types or permissions (written by diskette or an older "
    "diskette-tui): references to them load by id, as the source numbered them"
)
#: How :func:`data_mode_line` starts, by data mode.
DATA_MODE_WORDS = {
    "merge": "merge: the archive's rows load over the target's",
    "replace": "replace: the existing rows of the archive's models are deleted first",
}


def data_mode_line(state) -> str:
    """The data mode and what it does to the target, all models together."""
    words = DATA_MODE_WORDS.get(state.data_mode, state.data_mode)
    if state.data_mode == "replace":
        return f"{words} ({count(state.deleted, 'row')})"
    return (
        f"{words} ({count(state.collisions, 'collision')}, "
        f"{count(state.kept, 'row')} of the target not in the archive)"
    )


def references_line(references) -> str:
    """``content types: same ids`` or ``12 content types renumbered, remapped``…"""
    if not references.available:
        return "content types: not recorded in the archive, references loaded by id"
    if references.same_ids:
        return "content types: same ids"
    parts = [f"{count(references.renumbered_content_types, 'content type')} renumbered"]
    if references.renumbered_permissions:
        parts.append(f"{count(references.renumbered_permissions, 'permission')} renumbered")
    line = ", ".join(parts) + ", remapped"
    if references.created:
        line += f"; created: {names(references.created)}"
    return line


def target_model_lines(state) -> list[str]:
    """Per model of the archive, what the load does to the target's rows, one line each.

    ``replace``: the rows it deletes; ``merge``: the archive's rows that land on
    existing ones (by primary key, by natural key) and the target's rows the
    archive does not hold. Content types and permissions are matched by natural key.
    """
    lines = []
    for item in state.models:
        if not item.installed:
            lines.append(f"{item.label}: not in this project")
        elif item.matched:
            lines.append(f"{item.label}: {count(item.archive, 'row')}, matched by natural key")
        elif state.data_mode == "replace":
            lines.append(f"{item.label}: deletes {item.deleted}, loads {item.archive}")
        else:
            lines.append(
                f"{item.label}: {item.archive} in archive, {_collision_words(item)}, "
                f"{item.kept} of the target not in it"
            )
    return lines


def _collision_words(item) -> str:
    if not item.collisions:
        return "no collision"
    parts = []
    if item.by_pk:
        parts.append(f"{item.by_pk} by pk")
    if item.by_natural_key:
        parts.append(f"{item.by_natural_key} by natural key")
    return f"{item.collisions} collide ({', '.join(parts)})"


def load_check_lines(check) -> list[str]:
    """What the check after a load found, one line each (empty when it found nothing)."""
    lines = [
        f"{item.label}: the target holds {count(item.target, 'row')}, "
        f"the archive {count(item.archive, 'object')}"
        + ("" if check.strict else " (merge: the target's own rows stay)")
        for item in check.differences
    ]
    lines += [f"tree: {problem}" for problem in check.tree_problems]
    return lines


def post_load_lines(plan) -> list[str]:
    """The commands a load runs once its data is in (definitions' ``post_load``), if any."""
    from .core.restore.post_load import planned_commands

    commands = planned_commands(plan)
    inside = [command.line for command in commands if not command.after_commit]
    after = [command.line for command in commands if command.after_commit]
    lines = [f"then runs {', '.join(inside)} (in the transaction)"] if inside else []
    if after:
        lines.append(f"after the commit runs {', '.join(after)}")
    return lines


def load_storage_lines(plan) -> list[str]:
    """What happens to each storage: where it goes, its size and what restoring it does."""
    storages = plan.selected_storages
    if not plan.with_storages:
        return [NOT_RESTORED]
    lines = [f"into {plan.storages_basepath}"] if storages else ["none"]
    for item in storages:
        name = f"{item.name} → {item.target}" if item.through_link else item.name
        lines.append(
            f"{name}  {count(item.files, 'file')}  {size(item.size)}  {storage_action(item)}"
        )
    if plan.skipped_storages:
        lines.append(f"skipped: {names(f'{i.name} ({i.reason})' for i in plan.skipped_storages)}")
    return lines


def load_notes(plan) -> list[str]:
    """The sentences under a load's description: guarantees, then warnings."""
    notes = []
    if plan.selected_datas:
        notes.append(ALL_OR_NOTHING)
    if plan.selected_storages:
        notes.append(STAGED_FIRST)
    if plan.removed:
        notes.append(removal_warning(plan.removed))
    if plan.unlisted_datas:
        notes.append(f"⚠ {unlisted_warning(plan.unlisted_datas)}")
    if plan.verification in VERIFICATION_WARNINGS:
        notes.append(VERIFICATION_WARNINGS[plan.verification])
    state = plan.target_state
    if state is not None and state.references.by_id_unchecked:
        notes.append(f"⚠ {NO_REFERENCE_MAPS}")
    if state is not None and state.data_mode == "replace" and state.deleted:
        notes.append(f"⚠ replace deletes {count(state.deleted, 'existing row')} before loading")
    return notes


def load_description(plan, database: str = "") -> list[str]:
    """What a load of ``plan`` changes, as the confirmation says it, one line each.

    Labelled blocks (``archive``, ``data``, ``storages``; continuation lines
    indented), a blank line, then :func:`load_notes`.
    """
    lines = [f"archive   {plan.archive}"]
    for label, block in (
        ("data", load_data_lines(plan, database)),
        ("storages", load_storage_lines(plan)),
    ):
        lines.append(f"{label:<9} {block[0]}")
        lines += [f"{'':<9} {line}" for line in block[1:]]
    return [*lines, "", *load_notes(plan)]


# -- interruptions and leftovers (issue 10) -----------------------------------------


def leftovers_line(removed, of_what: str) -> str:
    """``removed 2 leftovers of killed dumps (84.0 MB): .a.part, .diskette-work-…``;
    empty when nothing was removed. ``removed`` are :class:`~.core.leftovers.Leftover`."""
    if not removed:
        return ""
    total = sum(item.size for item in removed)
    listed = names(item.path.name for item in removed)
    amount = count(len(removed), "leftover")
    return f"removed {amount} of killed {of_what} ({size(total)}): {listed}"


def quoted_storages(storages) -> str:
    """``storage 'media'`` or ``storages 'media', 'static'``."""
    storages = list(storages)
    noun = "storage" if len(storages) == 1 else "storages"
    return f"{noun} " + ", ".join(f"'{name}'" for name in storages)


def load_interrupted(data_rolled_back: bool, put_back, not_put_back=()) -> str:
    """What an interrupted load left: rolled back data, storages put back, or not.

    ``put_back`` are the storages whose files were being moved in and were put
    back as they were; ``not_put_back`` the ones that could not be (their undo
    folder is kept, and the next load finishes the job).
    """
    if not data_rolled_back and not put_back and not not_put_back:
        return "interrupted before anything was written"
    done = []
    if data_rolled_back:
        done.append("data rolled back")
    if put_back:
        done.append(f"{quoted_storages(put_back)} put back as before")
    said = "interrupted: " + ", ".join(done) + ("; nothing changed" if not not_put_back else "")
    if not_put_back:
        said += (
            f"; {quoted_storages(not_put_back)} could not be put back yet: the next load does it"
        )
    return said


def recovered_lines(recovered) -> list[str]:
    """What a load says of the leftovers of killed loads it cleaned up first
    (:class:`~.core.restore.staging.Recovered`): storages put back, then what was removed."""
    lines = [
        f"a killed load had left storage folder '{item.leftover.target}' half restored: "
        f"put back as it was before that load (from {item.leftover.path.name})"
        for item in recovered
        if item.rolled_back
    ]
    removed = leftovers_line([item.leftover for item in recovered], "loads")
    return lines + ([removed] if removed else [])
