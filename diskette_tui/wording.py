"""Plain-text wording shared by both front ends (no rich, no textual).

The rich output of :mod:`diskette_tui.render` and the Textual widgets say the
same things in the same words: the sentences live here, the facts they word
are properties of the plan values in :mod:`diskette_tui.core`.
"""

from __future__ import annotations

import humanize


def size(value: int) -> str:
    """A byte count for people: ``1.2 MB``."""
    return humanize.naturalsize(value)


def count(value, noun: str) -> str:
    """``1,234 rows``; ``? rows`` when not counted."""
    if value is None:
        return f"? {noun}s"
    return f"{humanize.intcomma(value)} {noun}{'' if value == 1 else 's'}"


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


def names_list(names, limit: int = 4) -> str:
    """``a, b, c, d, … (+3)``: at most ``limit`` names."""
    names = list(names)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f", … (+{len(names) - limit})"
    return ", ".join(names)


def removal_warning(removed: int) -> str:
    """The warning for files ``replace`` removes."""
    verb = "is" if removed == 1 else "are"
    return f"⚠ replace removes {count(removed, 'existing file')} that {verb} not in the archive"


def load_data_lines(plan, database: str = "") -> list[str]:
    """What happens to the data: files and objects into which database, and what is skipped."""
    datas = plan.selected_datas
    if not datas:
        return [NOT_LOADED if not plan.with_data else "no data file to load"]
    target = database or "the project's database"
    lines = [
        f"{count(len(datas), 'file')}, {count(plan.objects, 'object')} → {target}",
        names_list(item.filename for item in datas),
    ]
    if plan.skipped_datas:
        skipped = names_list(f"{item.filename} ({item.reason})" for item in plan.skipped_datas)
        lines.append(f"skipped: {skipped}")
    return lines


def load_storage_lines(plan) -> list[str]:
    """What happens to each storage: where it goes, its size and what restoring it does."""
    storages = plan.selected_storages
    if not storages:
        return [NOT_RESTORED if not plan.with_storages else "none"]
    lines = [f"into {plan.storages_basepath}"]
    for item in storages:
        name = f"{item.name} → {item.target}" if item.through_link else item.name
        lines.append(
            f"{name}  {count(item.files, 'file')}  {size(item.size)}  {storage_action(item)}"
        )
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
    if plan.verification in VERIFICATION_WARNINGS:
        notes.append(VERIFICATION_WARNINGS[plan.verification])
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
