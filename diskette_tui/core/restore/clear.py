"""``--data-mode replace``: delete the rows of the archive's models before loading them.

The rows go by plain SQL ``DELETE`` (Django's ``QuerySet._raw_delete``), one
table at a time, children before parents, inside the load's transaction. No
``pre_delete``/``post_delete`` signal fires, on purpose: the old rows are not
being deleted as an application would delete them, and some handlers act
outside the database — Wagtail's removes the image and document *files* of a
deleted row once the transaction commits, the very files the archive's
storages bring back under the same names. Treebeard's trees (Wagtail's pages
and collections) are emptied whole, so no tree bookkeeping is needed.

What else refers to those rows follows Django's ``on_delete`` as the
database would: many-to-many links of the models (their auto-created tables)
are emptied, rows of other models with a ``CASCADE`` foreign key to a deleted
row are deleted too (and so on), ``SET_NULL`` ones are set to null; any other
reference is left for the loaded rows to satisfy (constraints are checked at
commit). Content types and permissions are never deleted: they are the
target's own, matched by natural key (:mod:`.remap`). Django is imported
lazily.
"""

from __future__ import annotations

from .remap import KINDS

#: Cascades followed at most, from a table being emptied (a cycle stops there).
MAX_CASCADE_DEPTH = 8


def clear_models(labels, using: str = "default") -> dict[str, int]:
    """Delete every row of the models ``labels`` (and what cascades from them).

    Returns rows deleted per model label (lower case), cascades included.
    """
    from django.apps import apps

    models = []
    for label in labels:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        if model._meta.label_lower not in KINDS and not model._meta.proxy:
            models.append(model)
    deleted: dict[str, int] = {}
    cleared = {model._meta.concrete_model for model in models}
    for through in link_tables(cleared):
        _add(deleted, through, through._base_manager.using(using)._raw_delete(using))
    for model in deletion_order(cleared):
        _follow_references(model, model._base_manager.using(using).all(), cleared, using, deleted)
        _add(deleted, model, model._base_manager.using(using).all()._raw_delete(using))
    return deleted


def deletion_order(models) -> list:
    """``models`` ordered children before parents (a model that refers to another
    comes first); cycles — self-references included — are broken arbitrarily, the
    constraints being checked at commit."""
    remaining = list(models)
    ordered = []
    while remaining:
        referenced = {
            item.related_model._meta.concrete_model
            for model in remaining
            for item in model._meta.concrete_fields
            if item.is_relation
            and item.related_model is not None
            and item.related_model._meta.concrete_model is not model
        }
        leaves = [model for model in remaining if model not in referenced] or remaining[:1]
        ordered += leaves
        remaining = [model for model in remaining if model not in leaves]
    return ordered


def link_tables(models) -> list:
    """The auto-created many-to-many tables with a side among ``models``."""
    from django.apps import apps

    found = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.auto_created:
            continue
        sides = {
            item.related_model._meta.concrete_model
            for item in model._meta.concrete_fields
            if item.is_relation
        }
        if sides & set(models):
            found.append(model)
    return found


def _follow_references(model, rows, cleared, using: str, deleted: dict, depth: int = 0) -> None:
    """Apply ``on_delete`` to rows of models outside ``cleared`` that refer to ``rows``."""
    from django.db import models as django_models

    if depth >= MAX_CASCADE_DEPTH:
        return
    for relation in model._meta.related_objects:
        if (
            relation.many_to_many
            or not relation.field.concrete  # a GenericRelation: no column refers to the rows
            or relation.related_model._meta.auto_created
        ):
            continue
        other = relation.related_model
        if other._meta.concrete_model in cleared or other._meta.proxy:
            continue
        column = relation.field  # compared on its own column: a to_field is not the pk
        referring = other._base_manager.using(using).filter(
            **{f"{column.attname}__in": rows.values(column.target_field.attname)}
        )
        on_delete = relation.on_delete
        if on_delete is django_models.CASCADE:
            _follow_references(other, referring, cleared, using, deleted, depth + 1)
            _add(deleted, other, referring._raw_delete(using))
        elif on_delete is django_models.SET_NULL:
            referring.update(**{relation.field.name: None})


def _add(deleted: dict, model, rows: int | None) -> None:
    label = model._meta.label_lower
    deleted[label] = deleted.get(label, 0) + (rows or 0)
