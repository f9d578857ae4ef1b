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
    """``⚠ 2 load-order warnings``, or an empty string."""
    warnings = plan.totals.warnings
    return f"⚠ {count(warnings, 'load-order warning')}" if warnings else ""


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
    warnings = warnings_notice(plan)
    if warnings:
        lines.append(warnings)
    return lines
