"""What the dumped rows hold that a restore cannot use as it is, found before the dump.

Three kinds of facts, each read from the database in the plan's read
transaction (Django is imported lazily, when a check runs):

- **dangling references**: foreign keys (and one-to-ones) whose target row
  does not exist — possible where the key has no database constraint
  (``db_constraint=False``, like Wagtail's ``PageLogEntry.page``). One
  anti-join query per relation gives their count and an example.
- **natural keys that are not keys**: for a model dumped by natural key (or
  referred to by one), each row's natural key must be present, unique, resolve
  back to the same row with ``get_by_natural_key``, and be computed from the
  row itself (not read from other rows of its table, as Wagtail's
  ``Collection.natural_key()`` reads its tree). One pass over the rows.
- **file references**: the names a ``FileField`` holds, with the file each
  names on disk, compared by the plan with the storages it archives.

Everything here returns frozen values; nothing prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: Models whose references the load always translates by natural key (the
#: manifest's content-type and permission map): a reference to them is never lost.
REMAPPED_LABELS = ("contenttypes.ContentType", "auth.Permission")

#: How many problem rows a natural-key check keeps as examples.
EXAMPLES_KEPT = 1


@dataclass(frozen=True)
class DanglingReference:
    """Rows of ``model`` whose ``field`` names a ``target`` row that does not exist.

    ``example_pk`` is the primary key of one such row (as text);
    ``constrained`` is whether the database enforces the relation (a dangling
    value there means the constraint was bypassed).
    """

    model: str
    field: str
    target: str
    count: int
    example_pk: str
    constrained: bool = True


@dataclass(frozen=True)
class NaturalKeyCheck:
    """How the natural keys of one model's rows behave.

    ``rows`` rows were read; ``missing`` have no usable natural key (None, an
    empty key, a None part, or ``natural_key()`` raised); ``duplicates`` share
    their key with an earlier row; ``unresolved`` do not come back as the same
    row from ``get_by_natural_key``; ``reads_table`` is True when
    ``natural_key()`` reads the model's own table (it depends on other rows,
    so it is not the same in another database); ``no_lookup`` when the model's
    default manager has no ``get_by_natural_key``. ``example_pk`` is one
    problem row, ``error`` what went wrong for it.
    """

    model: str
    rows: int
    missing: int = 0
    duplicates: int = 0
    unresolved: int = 0
    reads_table: bool = False
    no_lookup: bool = False
    example_pk: str | None = None
    error: str | None = None

    @property
    def round_trips(self) -> bool:
        """Whether every row's natural key is present, unique, resolves and is its own."""
        return not (
            self.missing or self.duplicates or self.unresolved or self.reads_table or self.no_lookup
        )


@dataclass(frozen=True)
class FileReferences:
    """The files one ``FileField`` of a model names, row by row.

    ``files`` holds ``(pk, absolute path, exists)`` for each row with a
    non-empty name; ``located`` is False when the field's storage is not on
    the local file system (its files cannot be compared with the storages).
    """

    model: str
    field: str
    files: tuple[tuple[str, str, bool], ...] = ()
    located: bool = True


@dataclass(frozen=True)
class DataChecks:
    """Every integrity fact of a plan, by model label (see the module docstring)."""

    dangling: tuple[DanglingReference, ...] = ()
    natural_keys: tuple[NaturalKeyCheck, ...] = ()
    file_references: tuple[FileReferences, ...] = ()
    #: ``(definition name, label)`` for each model a definition would write by natural key.
    natural_key_users: tuple[tuple[str, str], ...] = ()
    #: How many relations were looked at for dangling values (one query each).
    checked_relations: int = 0

    def natural_key(self, label: str) -> NaturalKeyCheck | None:
        """The natural-key check of ``label``, None when it was not checked."""
        return next((check for check in self.natural_keys if check.model == label), None)


# -- which models --------------------------------------------------------------


def has_natural_key(model) -> bool:
    """Whether ``model`` defines ``natural_key`` (what Django's serializers look at)."""
    return hasattr(model, "natural_key")


def chosen_labels(option, labels) -> list[str]:
    """The labels among ``labels`` that a ``natural_foreign``/``natural_primary`` value names.

    ``True`` names all of them, a false value none, a list those it names
    (compared without case, as labels are).
    """
    if isinstance(option, list | tuple):
        named = {str(label).lower() for label in option}
        return [label for label in labels if label.lower() in named]
    return list(labels) if option else []


def natural_primary_candidates(definition) -> list[str]:
    """Models of ``definition`` dumped without primary key if their natural key allows."""
    registry = definition.registry
    labels = [
        label for label in definition.models if has_natural_key(registry.get_model(label).model)
    ]
    return chosen_labels(definition.natural_primary, labels)


def natural_foreign_candidates(definition) -> list[str]:
    """Models that ``definition``'s rows refer to by natural key, if their key allows."""
    registry = definition.registry
    targets = []
    for label in definition.models:
        model = registry.get_model(label).model
        for relation in registry.foreign_relations(model, with_many_to_many=True):
            target = relation.related_model._meta.concrete_model
            if has_natural_key(target):
                targets.append(target._meta.label)
    return chosen_labels(definition.natural_foreign, list(dict.fromkeys(targets)))


def needs_check(label: str) -> bool:
    """Whether a model's natural keys are checked before use: not Django's content types
    and permissions, whose keys their unique constraints guarantee (and that the load
    remaps by natural key anyway)."""
    return label not in REMAPPED_LABELS


def natural_key_candidates(definitions) -> list[str]:
    """Every model whose natural key a dump of ``definitions`` would use, in first-seen order."""
    found = []
    for definition in definitions:
        found += natural_primary_candidates(definition)
        found += natural_foreign_candidates(definition)
    return list(dict.fromkeys(found))


# -- the checks ----------------------------------------------------------------


def check_data(definitions, using="default") -> DataChecks:
    """Every integrity fact of ``definitions``' models (call inside the plan's transaction).

    Each model is checked once however many definitions dump it, with the
    manager its first definition dumps it with.
    """
    managers = {}
    for definition in definitions:
        for label in definition.models:
            managers.setdefault(label, (definition.registry, definition.use_base_manager))
    dangling, file_references, relations = [], [], 0
    for label, (registry, use_base_manager) in managers.items():
        model = registry.get_model(label).model
        rows = _dumped_rows(model, use_base_manager, using)
        for relation in registry.foreign_relations(model):
            relations += 1
            found = dangling_reference(rows, relation)
            if found is not None:
                dangling.append(found)
        file_references += file_field_references(rows)
    # A dump_command of the project's own writes its keys its way: only dumpdata's are chosen.
    users = tuple(
        (definition.name, label)
        for definition in definitions
        if (definition.dump_command or "dumpdata") == "dumpdata"
        for label in dict.fromkeys(
            [*natural_primary_candidates(definition), *natural_foreign_candidates(definition)]
        )
    )
    registry = definitions[0].registry if definitions else None
    natural_keys = tuple(
        check_natural_key(registry.get_model(label).model, using)
        for label in dict.fromkeys(label for _name, label in users)
        if needs_check(label)
    )
    return DataChecks(
        dangling=tuple(dangling),
        natural_keys=natural_keys,
        file_references=tuple(file_references),
        natural_key_users=users,
        checked_relations=relations,
    )


def _dumped_rows(model, use_base_manager: bool, using: str):
    """The rows ``dumpdata`` writes for ``model`` (the same manager choice)."""
    manager = model._base_manager if use_base_manager else model._default_manager
    return manager.using(using).all()


def dangling_reference(rows, relation) -> DanglingReference | None:
    """Rows of ``rows`` whose ``relation`` names a missing target, in one query; None if none.

    An anti-join: rows whose value is set and not among the target's values
    (the target column's NULLs are left out of the subquery, which would
    otherwise make ``NOT IN`` match nothing).
    """
    from django.db.models import Count, Min

    target_model = relation.related_model
    target_field = relation.target_field.attname
    targets = (
        target_model._base_manager.using(rows.db)
        .filter(**{f"{target_field}__isnull": False})
        .values(target_field)
    )
    found = (
        rows.order_by()
        .filter(**{f"{relation.attname}__isnull": False})
        .exclude(**{f"{relation.attname}__in": targets})
        .aggregate(count=Count("pk"), example=Min("pk"))
    )
    if not found["count"]:
        return None
    return DanglingReference(
        model=rows.model._meta.label,
        field=relation.name,
        target=target_model._meta.concrete_model._meta.label,
        count=found["count"],
        example_pk=str(found["example"]),
        constrained=bool(relation.db_constraint),
    )


def file_field_references(rows) -> list[FileReferences]:
    """The files each ``FileField`` of ``rows``' model names (one query per field)."""
    from django.core.files.storage import FileSystemStorage
    from django.db.models import FileField

    found = []
    meta = rows.model._meta
    for file_field in meta.concrete_fields:
        if not isinstance(file_field, FileField):
            continue
        storage = file_field.storage
        if not isinstance(storage, FileSystemStorage):
            found.append(FileReferences(meta.label, file_field.name, located=False))
            continue
        names = (
            rows.order_by()
            .exclude(**{file_field.attname: ""})
            .exclude(**{f"{file_field.attname}__isnull": True})
            .values_list("pk", file_field.attname)
        )
        files, folders = [], {}
        for pk, name in names.iterator():
            path = _real_folder_path(storage.path(name), folders)
            files.append((str(pk), path, os.path.lexists(path)))
        found.append(FileReferences(meta.label, file_field.name, tuple(files)))
    return found


def _real_folder_path(path: str, folders: dict) -> str:
    """``path`` with its folder's links resolved (as a storage walk sees it), not the file's."""
    folder, name = os.path.split(os.path.abspath(path))
    if folder not in folders:
        folders[folder] = os.path.realpath(folder)
    return os.path.join(folders[folder], name)


def check_natural_key(model, using="default") -> NaturalKeyCheck:
    """Check the natural key of every row of ``model`` in one pass (see :class:`NaturalKeyCheck`).

    One query reads the rows (with the rows their foreign keys name); every
    row's key is checked present and unique in memory, and ``get_by_natural_key``
    is asked for the rows :func:`_resolution_sampled` picks (one query each: all
    of a small table, a sample of a big one); the first problem row is kept as
    the example.
    """
    label = model._meta.label
    manager = model._default_manager.db_manager(using)
    if not hasattr(manager, "get_by_natural_key"):
        return NaturalKeyCheck(
            label, _row_count(model, using), no_lookup=True, error="no get_by_natural_key"
        )
    tally = _Tally(label)
    unique = _UniqueKeys(model, using)
    # The rows a key is read from come with them (Permission's content type…): one query.
    rows = model._base_manager.using(using).select_related().order_by("pk")
    with _TableReads(model, using) as reads:
        for obj in rows.iterator(chunk_size=2000):
            tally.rows += 1
            key, problem = _natural_key_of(obj, reads)
            if problem:
                tally.note("missing", obj.pk, problem)
                continue
            twin = unique.twin(obj, _hashable(key))
            if twin is not None:
                tally.note("duplicates", obj.pk, f"same natural key as pk {twin}")
                continue
            if not _resolution_sampled(tally.rows):
                continue
            problem = _resolution_problem(manager, key, obj.pk)
            if problem:
                tally.note("unresolved", obj.pk, problem)
        if reads.found and not tally.example_pk:
            tally.example_pk, tally.error = reads.example_pk, "its natural key reads other rows"
    return tally.check(reads_table=reads.found)


@dataclass
class _Tally:
    """The running counts of :func:`check_natural_key` (mutable, private)."""

    model: str
    rows: int = 0
    missing: int = 0
    duplicates: int = 0
    unresolved: int = 0
    example_pk: str | None = None
    error: str | None = None

    def note(self, kind: str, pk, error: str) -> None:
        """Count one problem row of ``kind``; keep the first as the example."""
        setattr(self, kind, getattr(self, kind) + 1)
        if self.example_pk is None:
            self.example_pk, self.error = str(pk), error

    def check(self, reads_table: bool) -> NaturalKeyCheck:
        """The frozen result."""
        return NaturalKeyCheck(
            self.model,
            self.rows,
            self.missing,
            self.duplicates,
            self.unresolved,
            reads_table=reads_table,
            example_pk=self.example_pk,
            error=self.error,
        )


def _natural_key_of(obj, reads) -> tuple[tuple | None, str | None]:
    """``(key, None)``, or ``(None, why)`` when ``obj`` has no usable natural key."""
    reads.current = obj.pk
    try:
        key = obj.natural_key()
    except Exception as exc:  # noqa: BLE001 - any failure means "no natural key"
        return None, f"natural_key() raised {type(exc).__name__}: {exc}"
    finally:
        reads.current = None
    if key is None or (isinstance(key, tuple | list) and not key):
        return None, "natural_key() is empty"
    if not isinstance(key, tuple | list):
        return None, f"natural_key() returned a {type(key).__name__}, not a tuple"
    if any(part is None for part in key):
        return None, "natural_key() has a None part"
    return tuple(key), None


#: Rows whose natural key is looked up again by ``get_by_natural_key``: all of the
#: first ones, then one in :data:`RESOLVE_EVERY` (one query each: at 100,000 rows,
#: asking every row cost more than the dump itself).
RESOLVE_ALL_FIRST = 1000
RESOLVE_EVERY = 100


def _resolution_sampled(number: int) -> bool:
    """Whether the ``number``-th row (from 1) of a table is looked up by its natural key."""
    return number <= RESOLVE_ALL_FIRST or number % RESOLVE_EVERY == 0


def _resolution_problem(manager, key: tuple, pk) -> str | None:
    """Why ``get_by_natural_key(*key)`` is not the row ``pk``, or None when it is."""
    try:
        found = manager.get_by_natural_key(*key)
    except Exception as exc:  # noqa: BLE001 - DoesNotExist, MultipleObjectsReturned, TypeError…
        return f"get_by_natural_key{key!r} raised {type(exc).__name__}"
    if found.pk != pk:
        return f"get_by_natural_key{key!r} gives pk {found.pk}"
    return None


class _UniqueKeys:
    """Tells whether a row's natural key was already met, in memory that stays flat.

    Most natural keys are the values of fields the database keeps unique
    (``unique=True``, ``unique_together``, a ``UniqueConstraint`` without
    condition: a user's ``username``, a content type's ``(app_label, model)``).
    For the rows whose key is exactly such values (none of them null: nulls
    are never equal in SQL) the database has already ruled duplicates out, and
    nothing is kept. Only the keys of the other rows are kept (all of them for
    a model whose key is not made that way), and each such key is also looked
    for among the first kind in the database, so that no duplicate is missed.
    """

    def __init__(self, model, using: str):
        self.model, self.using = model, using
        self.seen: dict = {}  # key → pk, for the rows whose key the database does not guard
        self.fields: tuple | None = None  # the unique fields the keys are made of
        self._decided = False  # whether ``fields`` was chosen (on the first row)

    def twin(self, obj, key: tuple):
        """The pk of an earlier row with the same natural key as ``obj``, or None."""
        if not self._decided:
            self._decided = True
            self.fields = next(
                (
                    fields
                    for fields in _unique_field_sets(self.model)
                    if len(fields) == len(key) and _values(obj, fields) == key
                ),
                None,
            )
        if self.fields is not None and None not in key and _values(obj, self.fields) == key:
            return None  # the database keeps these values unique
        if key in self.seen:
            return self.seen[key]
        self.seen[key] = obj.pk
        return self._guarded_twin(obj, key)

    def _guarded_twin(self, obj, key: tuple):
        """The pk of another row whose unique fields hold ``key`` and whose key it is."""
        from django.core.exceptions import ValidationError

        # A nested key cannot be the value of a plain field: no row holds it.
        if self.fields is None or any(isinstance(value, tuple) for value in key):
            return None
        names = [field.attname for field in self.fields]
        manager = self.model._base_manager.using(self.using)
        try:
            # A value the field refuses fails here, in Python, before any query
            # (a failed query would end the plan's read transaction).
            found = manager.filter(**dict(zip(names, key, strict=True))).exclude(pk=obj.pk)
        except (TypeError, ValueError, ValidationError):
            return None
        for other in found.select_related():
            try:
                if _hashable(other.natural_key()) == key:
                    return other.pk
            except Exception:  # noqa: BLE001, S112 - counted as missing when its own turn comes
                continue
        return None


def _unique_field_sets(model) -> list[tuple]:
    """The sets of concrete fields whose values the database keeps unique together."""
    meta = model._meta
    found = [(field,) for field in meta.concrete_fields if field.unique]
    groups = [*meta.unique_together, *(item.fields for item in meta.total_unique_constraints)]
    for names in groups:
        fields = tuple(meta.get_field(name) for name in names)
        if all(field.concrete for field in fields):
            found.append(fields)
    return found


def _values(obj, fields: tuple) -> tuple:
    """The values of ``fields`` on ``obj``, as its natural key would hold them."""
    return tuple(getattr(obj, field.attname) for field in fields)


def _hashable(value):
    """``value`` with its lists as tuples (natural keys nest other natural keys)."""
    if isinstance(value, list | tuple):
        return tuple(_hashable(part) for part in value)
    return value


def _row_count(model, using: str) -> int:
    """Every row of ``model`` (its base manager)."""
    return model._base_manager.using(using).count()


class _TableReads:
    """Notes whether a ``natural_key()`` call reads its own model's table.

    A database execute wrapper sees each query while ``current`` is set (the
    row whose key is being computed); a query naming the model's table means
    the key is read from other rows (a tree, an ordering), not from the row.
    """

    def __init__(self, model, using: str):
        from django.db import connections

        self.connection = connections[using]
        self.table = self.connection.ops.quote_name(model._meta.db_table)
        self.current = None
        self.found = False
        self.example_pk: str | None = None
        self._wrapped = None

    def __enter__(self):
        self._wrapped = self.connection.execute_wrapper(self)
        self._wrapped.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._wrapped.__exit__(*exc_info)

    def __call__(self, execute, sql, params, many, context):
        if self.current is not None and self.table in sql and not self.found:
            self.found, self.example_pk = True, str(self.current)
        return execute(sql, params, many, context)
