"""Content types and permissions, translated to the target's ids by natural key.

Content-type and permission ids depend on the order in which a database was
migrated: a target that did not replay the source's exact history (or was
``flush``ed) numbers them differently, and every value that refers to one by
id points at the wrong thing. The manifest therefore records the source's
maps (:func:`source_maps`: ``"contenttypes": {id: [app_label, model]}``,
``"permissions": {id: [app_label, model, codename]}``), and before
``loaddata`` each data file is rewritten (:class:`Remapper`, streaming, into
the staging folder) with every such value translated to the target's id:

- foreign keys to ``ContentType`` or ``Permission`` (a generic relation's
  ``content_type`` among them);
- many-to-many values (``Group.permissions``, ``User.user_permissions``);
- primary keys that are such a relation (Wagtail's ``WorkflowContentType``);
- the archive's own ``ContentType`` and ``Permission`` rows, matched by
  natural key instead of loaded by id.

Values written as natural keys are left alone: Django resolves those. A
content type or permission the target lacks is created (its app must be
installed: the plan refuses otherwise). Django is imported lazily.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from ...exceptions import LoadFailed
from .records import RecordWriter, iter_records

CONTENT_TYPE = "contenttypes.contenttype"
PERMISSION = "auth.permission"
#: What a reference points at, by the lower-case label of its model.
KINDS = {CONTENT_TYPE: "content type", PERMISSION: "permission"}


# -- the source's maps, recorded in the manifest ----------------------------------------


def source_maps(using: str = "default") -> dict:
    """The database's content types and permissions, as the manifest records them.

    ``{"contenttypes": {"12": ["auth", "user"]}, "permissions": {"31":
    ["auth", "user", "add_user"]}}`` (JSON object keys are strings); empty
    when ``django.contrib.contenttypes`` is not installed (no permissions
    map without ``django.contrib.auth``).
    """
    from django.apps import apps

    if not apps.is_installed("django.contrib.contenttypes"):
        return {}
    from django.contrib.contenttypes.models import ContentType

    maps = {
        "contenttypes": {
            str(pk): [app_label, model]
            for pk, app_label, model in ContentType.objects.using(using)
            .order_by("pk")
            .values_list("pk", "app_label", "model")
        }
    }
    if apps.is_installed("django.contrib.auth"):
        from django.contrib.auth.models import Permission

        maps["permissions"] = {
            str(pk): [app_label, model, codename]
            for pk, app_label, model, codename in Permission.objects.using(using)
            .order_by("pk")
            .values_list("pk", "content_type__app_label", "content_type__model", "codename")
        }
    return maps


def recorded_maps(using: str = "default") -> dict:
    """:func:`source_maps` of the configured project; empty without Django settings
    (a storages-only dump) or when the tables cannot be read."""
    try:
        from django.apps import apps
        from django.conf import settings
        from django.db import DatabaseError
    except ImportError:
        return {}
    if not settings.configured or not apps.ready:
        return {}
    try:
        return source_maps(using)
    except DatabaseError:
        return {}


@dataclass(frozen=True)
class ReferenceMaps:
    """The source's maps read from a manifest: id -> natural key."""

    content_types: dict = field(default_factory=dict)  # int -> (app_label, model)
    permissions: dict = field(default_factory=dict)  # int -> (app_label, model, codename)

    @classmethod
    def from_manifest(cls, manifest: dict) -> ReferenceMaps | None:
        """The maps of an archive, or None when its manifest has none (diskette's, older)."""
        if not isinstance(manifest.get("contenttypes"), dict):
            return None
        try:
            return cls(
                content_types={int(pk): tuple(key) for pk, key in manifest["contenttypes"].items()},
                permissions={
                    int(pk): tuple(key) for pk, key in (manifest.get("permissions") or {}).items()
                },
            )
        except (TypeError, ValueError):
            return None

    def natural_key(self, kind: str, value) -> tuple | None:
        """The natural key of the source's content type or permission ``value`` (an id)."""
        table = self.content_types if kind == CONTENT_TYPE else self.permissions
        try:
            return table.get(int(value))
        except (TypeError, ValueError):
            return None


# -- which fields refer to content types and permissions ---------------------------------


@dataclass(frozen=True)
class ModelReferences:
    """The fields of one model that hold content-type or permission ids.

    ``foreign`` and ``many`` map a serialized field name to the label it
    points at; ``pk`` is that label when the primary key itself is such a
    relation; ``own`` when the model *is* ``ContentType`` or ``Permission``.
    """

    foreign: dict
    many: dict
    pk: str | None = None
    own: str | None = None

    @property
    def any(self) -> bool:
        """Whether rows of this model need rewriting at all."""
        return bool(self.foreign or self.many or self.pk or self.own)


def model_references(model) -> ModelReferences:
    """Which fields of ``model`` refer to content types or permissions."""
    foreign, many = {}, {}
    pk_target = None
    for item in model._meta.concrete_fields:
        target = _reference_target(item)
        if target is None:
            continue
        if item.primary_key:
            pk_target = target
        else:
            foreign[item.name] = target
    for item in model._meta.many_to_many:
        target = _reference_target(item)
        if target is not None:
            many[item.name] = target
    own = model._meta.label_lower if model._meta.label_lower in KINDS else None
    return ModelReferences(foreign, many, pk_target, own)


def _reference_target(item) -> str | None:
    if not item.is_relation or item.related_model is None or isinstance(item.related_model, str):
        return None
    label = item.related_model._meta.label_lower
    return label if label in KINDS else None


def references_of(label: str, cache: dict) -> ModelReferences | None:
    """:func:`model_references` of the model ``label`` (cached), None when it is unknown."""
    if label not in cache:
        from django.apps import apps

        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            cache[label] = None
        else:
            found = model_references(model)
            cache[label] = found if found.any else None
    return cache[label]


def referenced_ids(record: dict, references: ModelReferences) -> list[tuple[str, object]]:
    """``(label, source id)`` of every content type or permission a record refers to by id."""
    found = []
    fields = record.get("fields") or {}
    for name, target in references.foreign.items():
        value = fields.get(name)
        if value is not None and not isinstance(value, list):
            found.append((target, value))
    for name, target in references.many.items():
        found += [(target, v) for v in fields.get(name) or () if not isinstance(v, list)]
    if references.pk and record.get("pk") is not None:
        found.append((references.pk, record["pk"]))
    return found


# -- the target's ids, and the rewrite ------------------------------------------------------


@dataclass
class RewriteCounts:
    """What a rewrite changed: values translated, values left (no entry in the source's map)."""

    translated: int = 0
    changed: int = 0
    unmapped: int = 0


class Remapper:
    """Translates content-type and permission ids of serialized objects to the target's.

    Built inside the load's transaction: a content type or permission the
    target lacks is created when first needed.
    """

    def __init__(self, maps: ReferenceMaps, using: str = "default"):
        self.maps = maps
        self.using = using
        self.content_types, self.permissions = target_ids(using)
        self.cache: dict = {}
        self.counts = RewriteCounts()

    # Translation ------------------------------------------------------------------------

    def translate(self, target: str, value):
        """The target's id for the source's id ``value`` of a content type or permission."""
        natural = self.maps.natural_key(target, value)
        if natural is None:
            self.counts.unmapped += 1
            return value
        new = (
            self.content_type_id(natural) if target == CONTENT_TYPE else self.permission_id(natural)
        )
        self.counts.translated += 1
        if str(new) != str(value):
            self.counts.changed += 1
        return new

    def content_type_id(self, natural: tuple) -> int:
        """The target's id of content type ``(app_label, model)``; created when missing."""
        natural = tuple(natural)
        if natural not in self.content_types:
            from django.apps import apps
            from django.contrib.contenttypes.models import ContentType

            if natural[0] not in apps.app_configs:
                raise LoadFailed(missing_app_line([natural]))
            created = ContentType.objects.using(self.using).create(
                app_label=natural[0], model=natural[1]
            )
            self.content_types[natural] = created.pk
        return self.content_types[natural]

    def permission_id(self, natural: tuple) -> int:
        """The target's id of permission ``(app_label, model, codename)``; created when missing."""
        natural = tuple(natural)
        if natural not in self.permissions:
            from django.contrib.auth.models import Permission

            created = Permission.objects.using(self.using).create(
                content_type_id=self.content_type_id(natural[:2]),
                codename=natural[2],
                name=natural[2][:255],
            )
            self.permissions[natural] = created.pk
        return self.permissions[natural]

    # Records ----------------------------------------------------------------------------

    def record(self, record: dict) -> dict:
        """``record`` with its content-type and permission ids translated (in place)."""
        label = str(record.get("model", "")).lower()
        references = references_of(label, self.cache)
        if references is None:
            return record
        fields = record.get("fields") or {}
        for name, target in references.foreign.items():
            value = fields.get(name)
            if value is not None and not isinstance(value, list):
                fields[name] = self.translate(target, value)
        for name, target in references.many.items():
            values = fields.get(name)
            if values:
                fields[name] = [
                    v if isinstance(v, list) else self.translate(target, v) for v in values
                ]
        if references.pk and record.get("pk") is not None:
            record["pk"] = self.translate(references.pk, record["pk"])
        if references.own and record.get("pk") is not None:
            record["pk"] = self._counted(
                record["pk"], self._own_id(references.own, fields, record["pk"])
            )
        return record

    def _counted(self, old, new):
        """``new``, counted as translated (and changed when it differs from ``old``)."""
        self.counts.translated += 1
        if str(new) != str(old):
            self.counts.changed += 1
        return new

    def _own_id(self, own: str, fields: dict, pk=None):
        """The target's id of an archive row of ContentType or Permission, by natural key.

        A permission's ``content_type`` is already the target's id here (or a
        natural key); one that is neither keeps the row's ``pk``.
        """
        if own == CONTENT_TYPE:
            return self.content_type_id((fields.get("app_label"), fields.get("model")))
        content_type = fields.get("content_type")
        if isinstance(content_type, list):
            app_model = tuple(content_type)
        else:
            reverse = {pk: key for key, pk in self.content_types.items()}
            app_model = reverse.get(content_type)
        if app_model is None:
            return pk
        return self.permission_id((*app_model, fields.get("codename")))

    def rewrite(self, source: Path, destination: Path, fmt: str) -> None:
        """Write ``source`` to ``destination`` with every record translated, one at a time."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "xml":
            rewrite_xml(source, destination, self)
            return
        with open(source, "rb") as stream, RecordWriter(destination, fmt) as writer:
            for record in iter_records(stream, fmt):
                writer.write(self.record(record))


def target_ids(using: str = "default") -> tuple[dict, dict]:
    """The target's content types ``{(app_label, model): id}`` and permissions
    ``{(app_label, model, codename): id}``."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    content_types = {
        (app_label, model): pk
        for pk, app_label, model in ContentType.objects.using(using).values_list(
            "pk", "app_label", "model"
        )
    }
    permissions = {}
    if apps.is_installed("django.contrib.auth"):
        from django.contrib.auth.models import Permission

        permissions = {
            (app_label, model, codename): pk
            for pk, app_label, model, codename in Permission.objects.using(using).values_list(
                "pk", "content_type__app_label", "content_type__model", "codename"
            )
        }
    return content_types, permissions


def missing_app_line(naturals) -> str:
    """The refusal for content types whose app is not installed in the target."""
    names = ", ".join(".".join(natural[:2]) for natural in sorted(set(naturals)))
    apps = ", ".join(sorted({natural[0] for natural in naturals}))
    return (
        f"the archive refers to content types the target cannot have ({names}): "
        f"app not installed ({apps})"
    )


# -- XML: Django's format carries each field's relation as attributes -----------------------


def rewrite_xml(source: Path, destination: Path, remapper: Remapper) -> None:
    """Rewrite a Django XML data file object by object (``iterparse``, each one cleared)."""
    with open(destination, "wb") as out:
        out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<django-objects version="1.0">\n')
        depth = 0
        for event, element in ElementTree.iterparse(source, events=("start", "end")):
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth == 1 and element.tag == "object":
                _remap_xml_object(element, remapper)
                out.write(ElementTree.tostring(element, encoding="utf-8").rstrip() + b"\n")
                element.clear()
        out.write(b"</django-objects>\n")


def _remap_xml_object(element, remapper: Remapper) -> None:
    """Translate one ``<object>`` of Django's XML, as :meth:`Remapper.record` does a dict."""
    label = (element.get("model") or "").lower()
    references = references_of(label, remapper.cache)
    if references is None:
        return
    fields = {item.get("name"): item for item in element.findall("field")}
    for name, target in references.foreign.items():
        item = fields.get(name)
        if item is not None and len(item) == 0 and item.text:
            item.text = str(remapper.translate(target, item.text.strip()))
    for name, target in references.many.items():
        item = fields.get(name)
        for child in item.findall("object") if item is not None else ():
            if child.get("pk") is not None:
                child.set("pk", str(remapper.translate(target, child.get("pk"))))
    if references.pk and element.get("pk") is not None:
        element.set("pk", str(remapper.translate(references.pk, element.get("pk"))))
    if references.own and element.get("pk") is not None:
        old = element.get("pk")
        element.set(
            "pk", str(remapper._counted(old, _own_xml_id(references.own, fields, remapper, old)))
        )


def _own_xml_id(own: str, fields: dict, remapper: Remapper, pk):
    def text(name):
        item = fields.get(name)
        return (item.text or "").strip() if item is not None else None

    if own == CONTENT_TYPE:
        return remapper.content_type_id((text("app_label"), text("model")))
    item = fields.get("content_type")
    naturals = [child.text for child in item.findall("natural")] if item is not None else []
    values = {"codename": text("codename")}
    if naturals:
        values["content_type"] = naturals
    else:
        values["content_type"] = int(text("content_type"))
    return remapper._own_id(own, values, pk)
