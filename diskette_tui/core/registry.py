"""Application and model labels over Django's app registry.

Labels are resolved in a stable order: applications in ``INSTALLED_APPS``
order, models in their registration order (diskette sorts the same way).
Model names are matched case-insensitively, as Django does, and always given
back in their canonical form (``auth.User``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


def slugify(value: str) -> str:
    """Django's ``slugify``, so default dump filenames match diskette's."""
    from django.utils.text import slugify as django_slugify

    return django_slugify(value)


@dataclass(frozen=True)
class ModelInfo:
    """One model of the registry."""

    label: str
    app_label: str
    order: int
    dumpable: bool
    auto_created: bool
    model: type


class ModelRegistry:
    """Every model Django knows, with the label operations definitions need.

    ``dumpable`` models are those ``dumpdata`` writes: concrete, managed, not
    swapped, not an auto-created M2M table (whose rows travel with the M2M
    field of their owner). Auto-created tables are still valid labels.
    """

    def __init__(self):
        from django.apps import apps
        from django.db import DEFAULT_DB_ALIAS, router

        self.apps: dict[str, list[ModelInfo]] = {}
        self.models: dict[str, ModelInfo] = {}
        order = 0
        for app_config in apps.get_app_configs():
            infos = []
            for model in app_config.get_models(include_auto_created=True, include_swapped=True):
                meta = model._meta
                dumpable = (
                    not meta.proxy
                    and not meta.swapped
                    and meta.managed
                    and not meta.auto_created
                    and router.allow_migrate_model(DEFAULT_DB_ALIAS, model)
                )
                info = ModelInfo(
                    label=meta.label,
                    app_label=app_config.label,
                    order=order,
                    dumpable=dumpable,
                    auto_created=bool(meta.auto_created),
                    model=model,
                )
                order += 1
                infos.append(info)
                self.models[meta.label_lower] = info
            self.apps[app_config.label] = infos

    # Lookups -------------------------------------------------------------

    def get_model(self, label: str) -> ModelInfo | None:
        """The model of a fully qualified label, or None."""
        return self.models.get(label.lower()) if "." in label else None

    def is_app(self, label: str) -> bool:
        """Whether a label names an installed application."""
        return label in self.apps

    def unknown_labels(self, labels) -> tuple[list[str], list[str]]:
        """Split labels that name nothing into (unknown apps, unknown models)."""
        unknown_apps, unknown_models = [], []
        for label in labels:
            if "." in label:
                app_label = label.split(".", 1)[0]
                if app_label not in self.apps:
                    unknown_apps.append(label)
                elif self.get_model(label) is None:
                    unknown_models.append(label)
            elif not self.is_app(label):
                unknown_apps.append(label)
        return unknown_apps, unknown_models

    @staticmethod
    def not_fully_qualified(labels) -> list[str]:
        """Labels that are not ``app.Model``."""
        return [
            label
            for label in labels
            if len(label.split(".")) != 2 or label.startswith(".") or label.endswith(".")
        ]

    def canonical(self, label: str) -> str:
        """The canonical spelling of a model label (unknown labels unchanged)."""
        info = self.get_model(label)
        return info.label if info else label

    def sort(self, labels) -> list[str]:
        """Labels in registry order, without duplicates; unknown labels last."""
        unique = dict.fromkeys(self.canonical(label) for label in labels)
        known = [label for label in unique if self.get_model(label)]
        unknown = [label for label in unique if not self.get_model(label)]
        return sorted(known, key=lambda label: self.get_model(label).order) + unknown

    # Expansion -----------------------------------------------------------

    def expand(self, labels) -> list[str]:
        """Model labels named by app and model labels, in registry order.

        An app label expands to its dumpable models; a model label names itself.
        Unknown labels are ignored here (validation reports them).
        """
        found = []
        for label in labels:
            if "." in label:
                info = self.get_model(label)
                if info:
                    found.append(info.label)
            else:
                found.extend(info.label for info in self.apps.get(label, ()) if info.dumpable)
        return self.sort(found)

    def app_models(self, app_label: str) -> list[str]:
        """Dumpable model labels of one application."""
        return [info.label for info in self.apps.get(app_label, ()) if info.dumpable]

    def all_dumpable(self) -> list[str]:
        """Every model label ``dumpdata`` without arguments would dump."""
        return [info.label for infos in self.apps.values() for info in infos if info.dumpable]

    # Rows and relations ----------------------------------------------------

    def count_rows(self, label: str, use_base_manager: bool = False, using="default") -> int:
        """Rows ``dumpdata`` would write for a model (same manager choice)."""
        from django.db import DatabaseError

        model = self.get_model(label).model
        manager = model._base_manager if use_base_manager else model._default_manager
        try:
            return manager.using(using).count()
        except DatabaseError as exc:
            raise unmigrated_error(label, model._meta.db_table, exc) from None

    def relations(self, label: str) -> list[tuple[str, str]]:
        """Forward relations that loading this model needs: ``(field, target label)``.

        Foreign keys, one-to-ones and M2M fields with an auto-created table;
        self-references are left out (one fixture loads them together).
        """
        info = self.get_model(label)
        found = []
        for field in info.model._meta.get_fields():
            if not (field.is_relation and field.concrete) or field.auto_created:
                continue
            if field.many_to_many:
                through = getattr(field.remote_field, "through", None)
                if through is not None and not through._meta.auto_created:
                    continue  # the through model carries the rows and its own FKs
            elif not (field.many_to_one or field.one_to_one):
                continue
            target = field.related_model
            if target is None:
                continue  # generic foreign keys have no single target
            target_label = target._meta.concrete_model._meta.label
            if target_label != info.model._meta.concrete_model._meta.label:
                found.append((field.name, target_label))
        return found

    @staticmethod
    def foreign_relations(model, with_many_to_many: bool = False) -> list:
        """The forward foreign keys and one-to-ones of ``model`` (field objects), self-references
        included; with ``with_many_to_many``, its M2M fields with an auto-created table too.

        Generic foreign keys (no single target) are left out; the link of a
        multi-table child to its parent is in (a natural primary key writes it).
        """
        found = []
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete):
                continue
            if field.auto_created and not getattr(field.remote_field, "parent_link", False):
                continue
            if field.related_model is None:
                continue
            if field.many_to_one or field.one_to_one:
                found.append(field)
            elif with_many_to_many and field.many_to_many:
                if field.remote_field.through._meta.auto_created:
                    found.append(field)
        return found


@lru_cache(maxsize=1)
def get_registry() -> ModelRegistry:
    """The registry of the set-up Django project (built once)."""
    return ModelRegistry()


def unmigrated_error(label: str, table: str, exc: Exception):
    """The error for a model whose table cannot be read: usually a database not migrated."""
    from ..exceptions import ProjectError

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "no such table" in text or "does not exist" in text:
        return ProjectError(
            f"the database is not migrated: table {table!r} of {label} is missing "
            "(run 'manage.py migrate' first)"
        )
    return ProjectError(f"cannot read {label} (table {table!r}): {text}")
