"""Load-order analysis: relations that plain ``loaddata`` in manifest order breaks.

diskette (and ``loaddata`` run file by file) loads data files in manifest
order, each checked on its own. A foreign key or M2M to a model that a later
definition dumps, or that no definition dumps, fails or dangles on load.
This module is pure: the relations come from the plan.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Relation:
    """A forward relation a model needs when loaded: ``model.field → target``."""

    model: str
    field: str
    target: str


@dataclass(frozen=True)
class LoadOrderWarning:
    """A relation that plain ``loaddata`` in manifest order may fail to satisfy.

    ``kind`` is ``"later"`` when the target model is dumped by a definition that
    comes after ``definition`` (``target_definition``), and ``"missing"`` when no
    dumped definition holds the target at all.
    """

    definition: str
    model: str
    field: str
    target: str
    kind: str
    target_definition: str | None = None

    @property
    def message(self) -> str:
        """A one-line description naming both labels."""
        if self.kind == "later":
            return (
                f"{self.model}.{self.field} → {self.target}: {self.target} is dumped later, "
                f"by '{self.target_definition}'"
            )
        return f"{self.model}.{self.field} → {self.target}: {self.target} is not dumped"

    def __str__(self) -> str:
        return self.message


def load_order_warnings(definitions) -> tuple[LoadOrderWarning, ...]:
    """Warnings for the given definitions, taken in load order.

    Each definition needs ``labels`` (tuple of model labels), ``name`` and
    ``relations`` (tuple of :class:`Relation`).
    """
    position = {}
    for index, definition in enumerate(definitions):
        for label in definition.labels:
            position.setdefault(label, (index, definition.name))
    found = []
    for index, definition in enumerate(definitions):
        for relation in definition.relations:
            where = position.get(relation.target)
            if where is None:
                found.append(
                    LoadOrderWarning(
                        definition.name, relation.model, relation.field, relation.target, "missing"
                    )
                )
            elif where[0] > index:
                found.append(
                    LoadOrderWarning(
                        definition.name,
                        relation.model,
                        relation.field,
                        relation.target,
                        "later",
                        where[1],
                    )
                )
    return tuple(found)
