"""Django's fixture serializers, with natural keys chosen per model and dangling keys kept.

Registered with Django as the serialization format :data:`FORMAT_NAME` while a
definition is dumped in-process (see :func:`serializers.dump_definition`):
``dumpdata --format=diskette`` then writes the definition's real format
(json, jsonl, xml, yaml) with the serializer registered for that format, except
that

- a reference uses the target's natural key only when the target model is in
  :attr:`NaturalKeyChoice.foreign`, and a row leaves out its primary key only
  when its model is in :attr:`NaturalKeyChoice.primary` (models whose natural
  key does not round-trip are dumped by primary key, whatever the definition says);
- a foreign key whose target row does not exist (no database constraint) is
  written as its raw value instead of failing to build a natural key;
- the row being written is recorded (:class:`DumpPosition`), so that a dump
  that still fails can name it.

Imported only when a dump runs: it imports Django.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers import json as json_serializer

#: The name this module is registered under with Django's serializers.
FORMAT_NAME = "diskette"


@dataclass(frozen=True)
class NaturalKeyChoice:
    """Which models a dump writes by natural key, and in which real format.

    ``foreign``: labels of the models that references name by natural key;
    ``primary``: labels of the models whose rows leave out their primary key.
    """

    format: str
    foreign: frozenset[str] = frozenset()
    primary: frozenset[str] = frozenset()


@dataclass
class DumpPosition:
    """The row the serializer is writing (``label``, ``pk``), or was last writing."""

    label: str | None = None
    pk: str | None = None
    inside: bool = False
    raw_references: list = field(default_factory=list)


_choice: contextvars.ContextVar[NaturalKeyChoice] = contextvars.ContextVar("natural_key_choice")
_position: contextvars.ContextVar[DumpPosition] = contextvars.ContextVar("dump_position")


@contextlib.contextmanager
def choosing(choice: NaturalKeyChoice):
    """Serialize with ``choice`` inside the block; yields the :class:`DumpPosition`."""
    position = DumpPosition()
    choice_token = _choice.set(choice)
    position_token = _position.set(position)
    try:
        yield position
    finally:
        _choice.reset(choice_token)
        _position.reset(position_token)


def _target_label(field) -> str:
    return field.remote_field.model._meta.concrete_model._meta.label


class NaturalKeyChoiceMixin:
    """Per-model natural keys and raw dangling values, over one of Django's serializers."""

    def start_object(self, obj):
        """Record the row; leave out its primary key only if its model is chosen."""
        position = _position.get()
        position.label, position.pk, position.inside = obj._meta.label, str(obj.pk), True
        self.use_natural_primary_keys = obj._meta.label in _choice.get().primary
        super().start_object(obj)

    def end_object(self, obj):
        """Write the row; it is no longer the one being written."""
        super().end_object(obj)
        _position.get().inside = False

    def handle_fk_field(self, obj, field):
        """The target's natural key if its model is chosen and its row exists, else the raw id."""
        natural = _target_label(field) in _choice.get().foreign
        if natural and getattr(obj, field.attname) is not None:
            try:
                getattr(obj, field.name)  # fetched once: the serializer reads the cached row
            except ObjectDoesNotExist:
                natural = False
                _position.get().raw_references.append((obj._meta.label, field.name, str(obj.pk)))
        self.use_natural_foreign_keys = natural
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        """Natural keys of the linked rows only if their model is chosen."""
        self.use_natural_foreign_keys = _target_label(field) in _choice.get().foreign
        super().handle_m2m_field(obj, field)


@functools.cache
def with_choice(base: type) -> type:
    """``base`` (the serializer registered for a format) with :class:`NaturalKeyChoiceMixin`."""
    return type(f"NaturalKeyChoice{base.__name__}", (NaturalKeyChoiceMixin, base), {})


def Serializer():  # noqa: N802 - Django looks the module's ``Serializer`` up by that name
    """A serializer of the chosen format (Django calls this to make one): the one
    registered for it now (Django's, the precise json/jsonl of :mod:`.formats`, or the
    project's), with the per-model natural keys."""
    from django.core import serializers

    return with_choice(serializers.get_serializer(_choice.get().format))()


#: ``dumpdata`` refuses a format marked for internal use only: this one is public.
Serializer.internal_use_only = False


#: Never used to read (the archive's files name their real format); Django wants one.
Deserializer = json_serializer.Deserializer


def register() -> None:
    """Make :data:`FORMAT_NAME` known to Django's serializers (once)."""
    from django.core import serializers

    if FORMAT_NAME not in serializers.get_serializer_formats():
        serializers.register_serializer(FORMAT_NAME, __name__)
