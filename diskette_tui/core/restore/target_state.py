"""What the target database holds, compared with what the archive brings: before a load.

:func:`survey_target` reads the chosen data files once more, straight from the
archive (one object at a time, :mod:`.records`), and asks the target, per
model of the archive: how many rows it holds, how many of the archive's rows
collide with them by primary key or by natural key, and how many it holds that
the archive does not (they stay in ``merge``; ``replace`` deletes them all). It
also compares the source's content types and permissions (from the manifest)
with the target's: how many are renumbered, which referenced ones are missing
(created at load) or cannot exist (their app is not installed: the load is
refused). Django is imported lazily.
"""

from __future__ import annotations

import gzip
import tarfile
from dataclasses import dataclass, field

from ...exceptions import ArchiveError
from .records import iter_records
from .remap import (
    CONTENT_TYPE,
    KINDS,
    ReferenceMaps,
    referenced_ids,
    references_of,
    target_ids,
)

#: Natural keys checked against the target per model, at most (one query each).
MAX_NATURAL_KEY_CHECKS = 5_000
#: Primary keys asked about in one query.
PK_BATCH = 500


@dataclass(frozen=True)
class ModelState:
    """One model of the archive, against the target database.

    ``archive`` counts its objects in the chosen data files; ``existing`` the
    target's rows; ``by_pk`` the archive's objects whose primary key the
    target already holds; ``by_natural_key`` those without a primary key
    (``natural_primary``) whose natural key names an existing row, which
    ``loaddata`` then overwrites. ``matched``: content
    types and permissions, matched by natural key and never deleted.
    ``installed`` is False for a model the target project does not have.
    """

    label: str
    archive: int
    existing: int = 0
    by_pk: int = 0
    by_natural_key: int = 0
    matched: bool = False
    installed: bool = True

    @property
    def collisions(self) -> int:
        """Archive objects that land on existing rows (by primary or natural key)."""
        return self.by_pk + self.by_natural_key

    @property
    def kept(self) -> int:
        """Rows of the target that the archive does not hold (at least)."""
        return max(self.existing - self.collisions, 0)

    @property
    def deleted(self) -> int:
        """Rows ``--data-mode replace`` deletes before loading."""
        return 0 if self.matched or not self.installed else self.existing

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "model": self.label,
            "archive": self.archive,
            "existing": self.existing,
            "by_pk": self.by_pk,
            "by_natural_key": self.by_natural_key,
            "kept": self.kept,
            "deleted": self.deleted,
            "matched": self.matched,
            "installed": self.installed,
        }


@dataclass(frozen=True)
class ReferenceState:
    """The source's content types and permissions against the target's.

    ``available`` is False for an archive whose manifest has no maps (loaded
    by id, as before). ``created`` names the referenced ones the target lacks
    (made at load); ``impossible`` those whose app the target does not have.
    ``referenced`` counts the distinct ids the chosen data files refer to.
    """

    available: bool
    referenced: int = 0
    content_types: int = 0
    renumbered_content_types: int = 0
    permissions: int = 0
    renumbered_permissions: int = 0
    created: tuple[str, ...] = ()
    impossible: tuple[str, ...] = ()

    @property
    def by_id_unchecked(self) -> bool:
        """Whether references load by id without a map to check them against (warn)."""
        return not self.available and self.referenced > 0

    @property
    def same_ids(self) -> bool:
        """Whether every content type and permission keeps its id."""
        return not (self.renumbered_content_types or self.renumbered_permissions or self.created)

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "available": self.available,
            "referenced": self.referenced,
            "content_types": self.content_types,
            "renumbered_content_types": self.renumbered_content_types,
            "permissions": self.permissions,
            "renumbered_permissions": self.renumbered_permissions,
            "created": list(self.created),
            "impossible": list(self.impossible),
        }


@dataclass(frozen=True)
class TargetState:
    """The target database before the load: per model of the archive, and the references."""

    database: str
    data_mode: str
    models: tuple[ModelState, ...]
    references: ReferenceState

    @property
    def collisions(self) -> int:
        """Archive objects landing on existing rows, all models together."""
        return sum(item.collisions for item in self.models if not item.matched)

    @property
    def kept(self) -> int:
        """Rows of the target the archive does not hold, all models together."""
        return sum(item.kept for item in self.models if not item.matched)

    @property
    def deleted(self) -> int:
        """Rows ``replace`` deletes, all models together."""
        return sum(item.deleted for item in self.models)

    def model(self, label: str) -> ModelState | None:
        """The state of model ``label`` (lower case), or None."""
        return next((item for item in self.models if item.label == label), None)

    def as_dict(self) -> dict:
        """JSON-ready."""
        return {
            "database": self.database,
            "data_mode": self.data_mode,
            "models": [item.as_dict() for item in self.models],
            "references": self.references.as_dict(),
        }


@dataclass
class _ModelSurvey:
    """What one pass over the archive learnt about one model."""

    objects: int = 0
    pks: list = field(default_factory=list)
    natural: list = field(default_factory=list)  # natural keys of the objects without a pk


@dataclass
class _Survey:
    models: dict = field(default_factory=dict)  # label -> _ModelSurvey
    referenced: set = field(default_factory=set)  # (label, source id)
    cache: dict = field(default_factory=dict)


def survey_target(plan, using: str = "default") -> TargetState:
    """The :class:`TargetState` of ``plan``'s database for its chosen data files."""
    from ...project import Project

    survey = _read_archive(plan)
    models = tuple(_model_state(label, found, using) for label, found in survey.models.items())
    maps = ReferenceMaps.from_manifest(plan.manifest)
    return TargetState(
        database=Project.database_label(using),
        data_mode=plan.request.data_mode,
        models=models,
        references=_reference_state(maps, survey.referenced, using),
    )


def _read_archive(plan) -> _Survey:
    """One streaming read of the chosen data files: objects, keys and references per model."""
    wanted = {item.name: item.format for item in plan.selected_datas}
    survey = _Survey()
    with open(plan.archive, "rb") as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
        with tarfile.open(fileobj=gz, mode="r|") as tar:
            for info in tar:
                if info.name in wanted and info.isreg():
                    _note_member(tar.extractfile(info), info.name, wanted[info.name], survey)
    return survey


def _note_member(stream, name: str, fmt: str, survey: _Survey) -> None:
    """Note every object of one data file; :class:`ArchiveError` when it cannot be read."""
    import xml.etree.ElementTree as ElementTree

    try:
        for record in _records(stream, fmt):
            _note(record, survey)
    except (ValueError, ElementTree.ParseError) as exc:  # JSONDecodeError, RecordError
        raise ArchiveError(f"{name}: cannot be read object by object: {exc}") from None


def _records(stream, fmt: str):
    if fmt == "xml":
        yield from _xml_records(stream)
    else:
        yield from iter_records(stream, fmt)


def _xml_records(stream):
    """The objects of Django's XML as the dicts the other formats give (values as text)."""
    import xml.etree.ElementTree as ElementTree

    depth = 0
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if event == "end" and depth == 1 and element.tag == "object":
            fields = {item.get("name"): _xml_value(item) for item in element.findall("field")}
            yield {"model": element.get("model"), "pk": element.get("pk"), "fields": fields}
            element.clear()


def _xml_value(item):
    """One ``<field>``: text, None, a natural key (list) or many-to-many values (list)."""
    if item.get("rel") == "ManyToManyRel":
        return [
            child.get("pk")
            if child.get("pk") is not None
            else [natural.text for natural in child.findall("natural")]
            for child in item.findall("object")
        ]
    if item.find("None") is not None:
        return None
    naturals = item.findall("natural")
    if naturals:
        return [natural.text for natural in naturals]
    return item.text or ""


def _note(record: dict, survey: _Survey) -> None:
    label = str(record.get("model", "")).lower()
    found = survey.models.setdefault(label, _ModelSurvey())
    found.objects += 1
    pk = record.get("pk")
    if pk is not None:
        found.pks.append(pk)
    model = _model(label)
    if label in KINDS and pk is not None:
        survey.referenced.add((label, pk))  # a row of its own, matched by natural key
    if model is None or label in KINDS:
        return
    # Only an object without a pk (natural_primary) is matched by natural key at load:
    # one with a pk lands on that pk, whatever its natural key says.
    if pk is None and len(found.natural) < MAX_NATURAL_KEY_CHECKS and hasattr(model, "natural_key"):
        natural = _natural_key(model, record)
        if natural is not None:
            found.natural.append(natural)
    references = references_of(label, survey.cache)
    if references is not None:
        survey.referenced.update(referenced_ids(record, references))


def _model(label: str):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _natural_key(model, record: dict) -> tuple | None:
    """The natural key of the archive's object, as its model computes it (None if it cannot)."""
    fields = record.get("fields") or {}
    values = {}
    for item in model._meta.concrete_fields:
        if item.name not in fields or isinstance(fields[item.name], list):
            continue
        try:
            values[item.attname] = (
                fields[item.name] if item.is_relation else item.to_python(fields[item.name])
            )
        except Exception:  # a value the field refuses: no natural key for this object
            return None
    try:
        return tuple(model(**values).natural_key())
    except Exception:  # natural_key() reading a relation that is not there yet, …
        return None


def _model_state(label: str, found: _ModelSurvey, using: str) -> ModelState:
    """Ask the target about one model of the archive."""
    model = _model(label)
    if model is None:
        return ModelState(label, found.objects, installed=False)
    manager = model._base_manager.using(using)
    existing = manager.count()
    if label in KINDS:
        return ModelState(label, found.objects, existing, matched=True)
    by_pk = 0
    if existing:
        for start in range(0, len(found.pks), PK_BATCH):
            by_pk += manager.filter(pk__in=found.pks[start : start + PK_BATCH]).count()
    by_natural_key = _natural_key_collisions(model, found.natural, using) if existing else 0
    return ModelState(label, found.objects, existing, by_pk, by_natural_key)


def _natural_key_collisions(model, naturals: list, using: str) -> int:
    """Objects (without a pk) whose natural key names an existing row."""
    manager = model._default_manager.db_manager(using)
    if not hasattr(manager, "get_by_natural_key"):
        return 0
    collisions = 0
    for natural in naturals:
        try:
            existing = manager.get_by_natural_key(*natural)
        except model.MultipleObjectsReturned:
            collisions += 1
            continue
        except Exception:  # DoesNotExist, or a natural key the manager reads otherwise
            continue
        if existing is not None:
            collisions += 1
    return collisions


def _reference_state(maps: ReferenceMaps | None, referenced: set, using: str) -> ReferenceState:
    """How the source's content types and permissions land in the target."""
    if maps is None:
        return ReferenceState(available=False, referenced=len(referenced))
    from django.apps import apps

    content_types, permissions = target_ids(using)
    created, impossible = set(), set()
    for label, value in referenced:
        natural = maps.natural_key(label, value)
        table = content_types if label == CONTENT_TYPE else permissions
        if natural is None or tuple(natural) in table:
            continue
        name = ".".join(natural)
        if natural[0] in apps.app_configs:
            created.add(f"{KINDS[label]} {name}")
        else:
            impossible.add(".".join(natural[:2]))
    return ReferenceState(
        available=True,
        referenced=len(referenced),
        content_types=len(maps.content_types),
        renumbered_content_types=_renumbered(maps.content_types, content_types),
        permissions=len(maps.permissions),
        renumbered_permissions=_renumbered(maps.permissions, permissions),
        created=tuple(sorted(created)),
        impossible=tuple(sorted(impossible)),
    )


def _renumbered(source: dict, target: dict) -> int:
    """Source entries the target holds under another id."""
    return sum(
        1 for pk, natural in source.items() if tuple(natural) in target and target[natural] != pk
    )
