"""The fast data path: writes what ``dumpdata`` writes, without its per-object cost.

``dumpdata`` builds a model instance per row, runs one query per object and
many-to-many field, and encodes JSON token by token in Python. Here each model
is read with one ``values_list`` query (streamed, a server-side cursor on
PostgreSQL), each many-to-many field with one query per chunk of owners, and
every object is encoded by orjson. The bytes are the ones Django's ``json``
and ``jsonl`` serializers write: same keys in the same order, same value
conversions (``DjangoJSONEncoder``, ``Field.value_to_string``), same
separators and indentation.

What this module cannot prove identical goes through Django's own serializer,
per model, inside the same file: field classes outside :data:`KNOWN_FIELDS`
(custom fields, ``GeneratedField``, composite keys, PostgreSQL's fields), a
``JSONField`` with its own decoder, a many-to-many target whose default manager
or ordering is not plain. Formats other than ``json``/``jsonl``, a
``dump_command``, a missing orjson or ``DISKETTE_FAST_PATH=0`` leave the whole
definition to ``dumpdata`` (:func:`handles`).

Django is imported lazily (inside functions), as everywhere in ``core``.
"""

from __future__ import annotations

import base64
import contextvars
import datetime
import decimal
import math
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

#: Environment variable that turns the fast path off (``0``) to compare with ``dumpdata``.
FAST_PATH_ENV = "DISKETTE_FAST_PATH"
#: Formats the fast path writes; others are left to ``dumpdata``.
FAST_FORMATS = ("json", "jsonl")
#: Rows read and encoded at a time (also the owners of one many-to-many query).
CHUNK_SIZE = 1000
#: Objects encoded and written at a time (see :func:`_encoded_batches`).
ENCODE_BATCH = 100
#: Natural keys of one target model kept between chunks (see :class:`_NaturalKeys`).
NATURAL_KEYS_KEPT = 10_000
#: The longest ``IN (...)`` list a natural-key lookup sends (see :func:`_in_list_batches`).
IN_LIST_MOST = 512

#: Field classes whose dumped value this module reproduces (exact classes, not subclasses:
#: a subclass may override ``value_to_string`` or its database conversion).
KNOWN_FIELDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "OrderWrt",
        "BooleanField",
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "GenericIPAddressField",
        "FilePathField",
        "FloatField",
        "DecimalField",
        "DateField",
        "DateTimeField",
        "TimeField",
        "DurationField",
        "UUIDField",
        "BinaryField",
        "JSONField",
        "FileField",
        "ImageField",
        "ForeignKey",
        "OneToOneField",
    }
)


@dataclass(frozen=True)
class ModelDump:
    """One model of a dump and how its references are written.

    ``use_natural_foreign``: foreign keys and many-to-many values to a model
    with ``natural_key()`` are written as that natural key (a target that does
    not exist is written as the raw value). ``use_natural_primary``: the
    ``pk`` is left out when the model has ``natural_key()``.
    ``use_base_manager``: rows are read with ``_base_manager`` (dumpdata ``--all``).
    ``natural_targets``: when given, only references to these models (labels)
    use natural keys (see :class:`~.fixture_serializers.NaturalKeyChoice`).
    """

    label: str
    use_natural_foreign: bool = False
    use_natural_primary: bool = False
    use_base_manager: bool = False
    natural_targets: frozenset[str] | None = None

    def names_by_natural_key(self, target) -> bool:
        """Whether a reference to the model ``target`` is written as its natural key."""
        if not (self.use_natural_foreign and hasattr(target, "natural_key")):
            return False
        if self.natural_targets is None:
            return True
        return target._meta.concrete_model._meta.label in self.natural_targets


@dataclass(frozen=True)
class DumpResult:
    """What one fast dump wrote: object count, and which models went which way."""

    objects: int
    fast_models: tuple[str, ...]
    django_models: tuple[tuple[str, str], ...]  # (label, why Django's serializer wrote it)


class FastPathUnsupported(Exception):
    """A value the fast path cannot encode exactly: the dump is redone by ``dumpdata``."""


# -- choosing the path -------------------------------------------------------------


def encoder_available() -> bool:
    """Whether orjson (the C encoder) can be imported."""
    try:
        import orjson  # noqa: F401
    except ImportError:
        return False
    return True


def enabled() -> bool:
    """Whether the fast path is on: orjson is installed and ``DISKETTE_FAST_PATH`` is not 0."""
    if os.environ.get(FAST_PATH_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return encoder_available()


#: The serializers whose output the fast path reproduces: module → whether datetimes and
#: times are written whole (diskette's precise serializers) or cut to the millisecond (Django's).
KNOWN_SERIALIZERS = {
    "django.core.serializers.json": False,
    "django.core.serializers.jsonl": False,
    "diskette_tui.core.formats.json": True,
    "diskette_tui.core.formats.jsonl": True,
}
#: Whether the dump being written keeps datetimes and times whole.
_WHOLE_TIMES: contextvars.ContextVar[bool] = contextvars.ContextVar("whole_times", default=False)


def serializer_keeps_whole_times(fmt: str) -> bool | None:
    """Whether the serializer registered for ``fmt`` keeps whole times (None: not one we know)."""
    from django.core import serializers

    try:
        module = serializers.get_serializer(fmt).__module__
    except serializers.SerializerDoesNotExist:
        return None
    return KNOWN_SERIALIZERS.get(module)


def handles(definition) -> bool:
    """Whether the fast path writes this definition: json/jsonl with a serializer it knows
    (Django's or diskette's precise one), plain ``dumpdata``, enabled."""
    command = getattr(definition, "dump_command", None)
    return (
        definition.format in FAST_FORMATS
        and command in (None, "", "dumpdata")
        and enabled()
        and serializer_keeps_whole_times(definition.format) is not None
    )


def fallback_reason(model) -> str | None:
    """Why Django's serializer must write ``model`` (None: the fast path writes it exactly)."""
    meta = model._meta.concrete_model._meta
    fields = [meta.pk, *meta.local_fields]
    for field in fields:
        name = type(field).__name__
        if name not in KNOWN_FIELDS or not type(field).__module__.startswith("django.db.models"):
            return f"field {field.name} is a {name}"
        if name == "JSONField" and field.decoder is not None:
            return f"field {field.name} has its own JSON decoder"
    for field in meta.local_many_to_many:
        if not field.serialize or not field.remote_field.through._meta.auto_created:
            continue
        reason = _m2m_fallback_reason(field)
        if reason:
            return reason
    return None


def _m2m_fallback_reason(field) -> str | None:
    """Why a many-to-many field's values cannot be read with one query per chunk."""
    from django.db import models

    if type(field) is not models.ManyToManyField:
        return f"field {field.name} is a {type(field).__name__}"
    target = field.remote_field.model
    manager = target._default_manager
    if type(manager).get_queryset is not models.Manager.get_queryset:
        # The related manager filters like the target's default manager does.
        return f"field {field.name}: {target._meta.label}'s default manager has its own queryset"
    if manager._queryset_class is not models.QuerySet:
        return f"field {field.name}: {target._meta.label}'s default manager has its own queryset"
    if _m2m_ordering(field) is None:
        return f"field {field.name}: {target._meta.label}'s ordering is not a list of field names"
    return None


def _m2m_ordering(field) -> list[str] | None:
    """The target model's ``Meta.ordering`` seen from the through model (None: not names)."""
    through = field.remote_field.through
    target_fk = through._meta.get_field(field.m2m_reverse_field_name()).name
    ordering = []
    for term in field.remote_field.model._meta.ordering:
        if not isinstance(term, str) or term == "?":
            return None
        descending = term.startswith("-")
        ordering.append(f"{'-' if descending else ''}{target_fk}__{term.lstrip('-')}")
    return ordering


# -- the models dumpdata dumps -----------------------------------------------------


def dumpdata_models(labels, excludes=(), natural_foreign=False, using="default") -> list:
    """The models ``dumpdata LABELS --exclude EXCLUDES`` serializes, in its order.

    As its ``handle``: app labels expand to the app's models, the model order is
    :func:`~django.core.serializers.sort_dependencies` when natural foreign keys
    are used; excluded models, proxies and models the router keeps off
    ``using`` are left out.
    """
    from django.apps import apps
    from django.core import serializers
    from django.core.management.utils import parse_apps_and_model_labels
    from django.db import router

    excluded_models, excluded_apps = parse_apps_and_model_labels(list(excludes))
    app_list: dict = {}
    if not labels:
        app_list = dict.fromkeys(
            config
            for config in apps.get_app_configs()
            if config.models_module is not None and config not in excluded_apps
        )
    for label in labels:
        app_label, _, model_name = label.partition(".")
        config = apps.get_app_config(app_label)
        if config.models_module is None or config in excluded_apps:
            continue
        if not model_name:
            app_list[config] = None
            continue
        listed = app_list.setdefault(config, [])
        model = config.get_model(model_name)
        if listed is not None and model not in listed:
            listed.append(model)
    if natural_foreign:
        models = serializers.sort_dependencies(app_list.items(), allow_cycles=True)
    else:
        models = [
            model
            for config, listed in app_list.items()
            for model in (config.get_models() if listed is None else listed)
        ]
    return [
        model
        for model in models
        if model not in excluded_models
        and not model._meta.proxy
        and router.allow_migrate_model(using, model)
    ]


def definition_model_dumps(definition, choice=None) -> list[ModelDump]:
    """The :class:`ModelDump` of each model a definition's ``dumpdata`` call serializes.

    ``choice`` (a :class:`~.fixture_serializers.NaturalKeyChoice`) says which
    models natural keys apply to; without it, the definition's options apply
    to every model, as plain ``dumpdata`` does.
    """
    labels = [] if definition.is_drain else list(definition.models)
    excludes = list(definition.excludes) if definition.is_drain else []
    natural_foreign = bool(choice.foreign) if choice else bool(definition.natural_foreign)
    models = dumpdata_models(labels, excludes, natural_foreign)
    return [
        ModelDump(
            model._meta.label,
            use_natural_foreign=natural_foreign,
            use_natural_primary=(
                model._meta.label in choice.primary if choice else bool(definition.natural_primary)
            ),
            use_base_manager=bool(definition.use_base_manager),
            natural_targets=choice.foreign if choice else None,
        )
        for model in models
    ]


def dump_definition(definition, path: Path, indent=None, choice=None) -> int:
    """Write a definition's dump to ``path`` as ``dumpdata`` would; return its object count.

    ``choice``: the per-model natural keys (see :func:`definition_model_dumps`);
    given, the call runs inside :func:`.fixture_serializers.choosing` of it
    (the models Django's serializer writes read it there).
    A value the fast path cannot encode exactly makes ``dumpdata`` write the
    whole file again (in the same read transaction), counted by reading it back.
    """
    from .serializers import call_dumpdata_choosing, call_options, count_objects, natural_key_choice

    dumps = definition_model_dumps(definition, choice)
    try:
        return write_dump(path, dumps, definition.format, indent=indent).objects
    except FastPathUnsupported:
        labels, options = call_options(definition, indent=indent)
        choice = choice or natural_key_choice(definition)
        call_dumpdata_choosing(definition, path, labels, options, choice)
        return count_objects(path, definition.format)


# -- writing -------------------------------------------------------------------------


def write_dump(path: Path, dumps: Iterable[ModelDump], fmt: str, indent=None, using="default"):
    """Write ``dumps`` (in order) to ``path`` in ``fmt`` (json or jsonl); a :class:`DumpResult`.

    Each model is written by the fast path or, when :func:`fallback_reason`
    names a reason, by Django's serializer into the same file.
    """
    from django.apps import apps

    if fmt not in FAST_FORMATS:
        raise ValueError(f"the fast path writes json and jsonl, not {fmt}")
    indent = indent or None
    frame = _Frame(fmt, indent)
    whole_times = _WHOLE_TIMES.set(bool(serializer_keeps_whole_times(fmt)))
    try:
        fast, slow = [], []
        resolver = _NaturalKeys(using)
        with open(path, "wb") as stream:
            stream.write(frame.opening)
            for dump in dumps:
                model = apps.get_model(dump.label)
                reason = fallback_reason(model)
                if reason is None:
                    chunks = _fast_objects(model, dump, resolver, using)
                    frame.write_objects(stream, _encoded_batches(frame, chunks))
                    fast.append(dump.label)
                else:
                    frame.write_objects(stream, _django_objects(model, dump, fmt, indent, using))
                    slow.append((dump.label, reason))
            stream.write(frame.closing)
    finally:
        _WHOLE_TIMES.reset(whole_times)
    return DumpResult(frame.count, tuple(fast), tuple(slow))


def _encoded_batches(frame, chunks: Iterable[list]) -> Iterator[tuple[bytes, int]]:
    """Each chunk of objects encoded :data:`ENCODE_BATCH` objects at a time.

    A chunk's objects encoded at once would hold their bytes several times
    over (the pieces, their join, the reformatted copy): small batches keep
    that bounded, whatever a row weighs.
    """
    for chunk in chunks:
        for start in range(0, len(chunk), ENCODE_BATCH):
            yield frame.encode(chunk[start : start + ENCODE_BATCH])


_LINE_BREAK = re.compile(rb"\n *")
_LEVEL = re.compile(rb"\n((?:  )+)")


class _Frame:
    """The bytes around and between objects, as Django's json/jsonl serializers write them."""

    def __init__(self, fmt: str, indent):
        self.fmt, self.indent, self.count = fmt, indent, 0
        if fmt == "jsonl":
            self.opening = self.closing = b""
        elif indent:
            self.opening, self.closing = b"[", b"\n]\n"
        else:
            self.opening, self.closing = b"[", b"]"

    def separator(self, first: bool) -> bytes:
        """What goes before an object (``first``: nothing was written before it)."""
        if self.fmt == "jsonl":
            return b""
        if self.indent:
            return b"\n" if first else b",\n"
        return b"" if first else b", "

    def write_objects(self, stream, chunks: Iterator[tuple[bytes, int]]) -> None:
        """Write encoded chunks (``(bytes, objects)``), separated as Django does."""
        for data, count in chunks:
            if count:
                stream.write(self.separator(self.count == 0))
                stream.write(data)
                self.count += count

    def encode(self, objects: list) -> tuple[bytes, int]:
        """One chunk of objects as the serializer writes them: ``(bytes, count)``.

        orjson's two-space indentation is the base: it is Django's ``indent=2``
        output (``(",", ": ")`` separators); the other layouts are made from it
        by rewriting line breaks, which never occur inside a JSON string.
        """
        import orjson

        try:
            pieces = [orjson.dumps(item, option=orjson.OPT_INDENT_2) for item in objects]
        except (TypeError, orjson.JSONEncodeError) as exc:
            raise FastPathUnsupported(str(exc)) from exc
        if self.fmt == "jsonl":
            return b"".join(_LINE_BREAK.sub(b"", piece) + b"\n" for piece in pieces), len(pieces)
        if self.indent == 2:
            return b",\n".join(pieces), len(pieces)
        if self.indent:
            text = b",\n".join(pieces)
            width = self.indent

            def reindent(match):
                return b"\n" + b" " * (len(match.group(1)) // 2 * width)

            return _LEVEL.sub(reindent, text), len(pieces)
        text = b",\n".join(pieces).replace(b",\n", b", \n")
        return _LINE_BREAK.sub(b"", text), len(pieces)


def _django_objects(model, dump: ModelDump, fmt: str, indent, using):
    """Django's serializer's output for one model, as ``(bytes, 1)`` per object."""
    from django.core import serializers

    base = serializers.get_serializer(fmt)
    if dump.natural_targets is not None:
        from .fixture_serializers import with_choice

        base = with_choice(base)  # natural keys per model, dangling keys raw
    captured: list[str] = []

    class Continuing(base):
        """Writes objects only: the frame around them is the fast path's."""

        def start_serialization(self):
            self._init_options()

        def end_serialization(self):
            pass

        def end_object(self, obj):
            captured.clear()
            json_dump(self.get_dump_object(obj), self)
            self._current = None

    def json_dump(data, serializer):
        import json

        text = json.dumps(data, **serializer.json_kwargs)
        captured.append(text + ("\n" if fmt == "jsonl" else ""))

    manager = model._base_manager if dump.use_base_manager else model._default_manager
    queryset = manager.using(using).order_by(model._meta.pk.name)
    chunk_size = 2000 if queryset._prefetch_related_lookups else None
    serializer = Continuing()
    options = {"indent": indent} if fmt == "json" else {}
    for obj in queryset.iterator(chunk_size=chunk_size):
        serializer.serialize(
            [obj],
            use_natural_foreign_keys=dump.use_natural_foreign,
            use_natural_primary_keys=dump.use_natural_primary,
            **options,
        )
        yield "".join(captured).encode("utf-8"), 1


# -- reading and converting rows ------------------------------------------------------


def _fast_objects(model, dump: ModelDump, resolver, using) -> Iterator[list]:
    """The model's objects, ready for orjson, a chunk (list of dicts) at a time."""
    meta = model._meta
    columns = _columns(model, dump, resolver)
    many = _many_to_many(model, dump, resolver, using)
    natural_pk = dump.use_natural_primary and hasattr(model, "natural_key")
    pk_convert = _converter(meta.pk)
    label = str(meta)
    manager = model._base_manager if dump.use_base_manager else model._default_manager
    # A manager's prefetches would run on the value tuples: values need none.
    queryset = manager.using(using).order_by(meta.pk.name).prefetch_related(None)
    attnames = [meta.pk.attname, *(column.attname for column in columns)]
    rows = queryset.values_list(*attnames).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(rows, CHUNK_SIZE)):
        values = [
            column.values([row[index] for row in chunk]) for index, column in enumerate(columns, 1)
        ]
        pks = [row[0] for row in chunk]
        related = [(name, values_of(pks)) for name, values_of in many]
        objects = []
        for position, pk in enumerate(pks):
            fields = {column.name: values[index][position] for index, column in enumerate(columns)}
            for name, by_owner in related:
                fields[name] = by_owner.get(pk, [])
            item = {"model": label}
            if not natural_pk:
                item["pk"] = pk if pk_convert is None else pk_convert(pk)
            item["fields"] = fields
            objects.append(item)
        yield objects


@dataclass(frozen=True)
class _Column:
    """One dumped field of a model: its key, its column, and how a chunk of values converts."""

    name: str
    attname: str
    convert: Callable | None  # one raw value → JSON-ready value (None: as it is)
    natural: Callable | None = None  # a chunk of raw values → natural keys (or raw values)
    null: str | None = None  # what a NULL is written as

    def values(self, raw: list) -> list:
        """The dumped values of one chunk of raw column values."""
        if self.natural is not None:
            return self.natural(raw)
        if self.convert is None:
            return raw
        convert, null = self.convert, self.null
        return [null if value is None else convert(value) for value in raw]


def _columns(model, dump: ModelDump, resolver) -> list[_Column]:
    """The fields the serializer writes for ``model``, in its order (``local_fields``)."""
    meta = model._meta
    pk = meta.pk
    pk_parent = (
        pk if dump.use_natural_primary and pk.remote_field and pk.remote_field.parent_link else None
    )
    columns = []
    for field in meta.local_fields:
        if not (field.serialize or field is pk_parent):
            continue
        natural = None
        if field.remote_field is not None:
            target = field.remote_field.model
            if dump.names_by_natural_key(target):
                natural = resolver.converter(target, field.target_field.attname, field.name)
        convert = _converter(field)
        # A file field's NULL is a FieldFile without a name: written as "".
        null = "" if convert is _file_name else None
        columns.append(_Column(field.name, field.attname, convert, natural, null))
    return columns


def _converter(field) -> Callable | None:
    """How one raw non-null value of ``field`` becomes what the serializer writes (None: as is).

    The serializer keeps "protected" values (numbers, dates, times, decimals)
    for ``DjangoJSONEncoder`` and writes ``field.value_to_string(obj)`` for
    the others; both are reproduced here from the value's type and the
    field's class.
    """
    kind = type(field).__name__
    if kind in ("FileField", "ImageField"):
        return _file_name
    if kind == "BinaryField":
        return _base64
    if kind == "JSONField":
        return _json_value
    if kind == "DurationField":
        return _duration
    if kind in ("DateTimeField", "DateField", "TimeField", "DecimalField", "FloatField"):
        return _protected
    if kind == "OrderWrt":
        return None
    if kind in ("UUIDField", "ForeignKey", "OneToOneField") or (
        field.primary_key and kind not in ("AutoField", "BigAutoField", "SmallAutoField")
    ):
        return _plain
    return None


def _file_name(value) -> str:
    """A file field's name, as ``str(FieldFile)`` (empty for no file)."""
    return value or ""


def _base64(value) -> str:
    """``BinaryField.value_to_string``: base64 text."""
    return base64.b64encode(value).decode("ascii")


def _duration(value) -> str:
    """``DurationField.value_to_string``: Django's duration string."""
    from django.utils.duration import duration_string

    return duration_string(value)


def _plain(value):
    """A value the serializer keeps when protected and writes as ``str(value)`` otherwise."""
    if isinstance(value, (int, float, decimal.Decimal, datetime.date, datetime.time)):
        return _protected(value)
    return str(value)


def _protected(value):
    """A protected value as ``DjangoJSONEncoder`` writes it (floats as Python's json does)."""
    if isinstance(value, datetime.datetime):
        text = value.isoformat()
        if value.microsecond and not _WHOLE_TIMES.get():
            text = text[:23] + text[26:]
        if text.endswith("+00:00"):
            text = text.removesuffix("+00:00") + "Z"
        return text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        if value.utcoffset() is not None:
            raise FastPathUnsupported("JSON can't represent timezone-aware times.")
        text = value.isoformat()
        return text[:12] if value.microsecond and not _WHOLE_TIMES.get() else text
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    return value


def _float(value: float):
    """A float as Python's json writes it: orjson agrees except below 1e-4 and off the reals."""
    import orjson

    if value == 0 or (1e-4 <= abs(value) < 1e16):
        return value
    if math.isnan(value):
        return orjson.Fragment(b"NaN")
    if math.isinf(value):
        return orjson.Fragment(b"Infinity" if value > 0 else b"-Infinity")
    return orjson.Fragment(float.__repr__(value).encode("ascii"))


#: orjson's integer range (64 bits, signed or not); Python's json writes any integer.
_INT_RANGE = (-(2**63), 2**64 - 1)


def _json_value(value):
    """A JSONField value: floats and integers orjson would write otherwise, made exact."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if _INT_RANGE[0] <= value <= _INT_RANGE[1]:
            return value
        import orjson

        return orjson.Fragment(int.__repr__(value).encode("ascii"))
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, dict):
        if not all(type(key) is str for key in value):
            raise FastPathUnsupported("a JSON object with keys that are not strings")
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    return _encoded(value)


def _encoded(value):
    """Any value as ``DjangoJSONEncoder`` writes it (natural keys hold any type)."""
    if isinstance(value, (list, tuple)):
        return [_encoded(item) for item in value]
    if isinstance(value, datetime.timedelta):
        from django.utils.duration import duration_iso_string

        return duration_iso_string(value)
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, (int, float, dict)):
        return _json_value(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return _protected(value)
    from django.utils.functional import Promise

    if isinstance(value, Promise):
        return str(value)
    raise FastPathUnsupported(f"cannot encode a {type(value).__name__}")


# -- natural keys and many-to-many -----------------------------------------------------


class _NaturalKeys:
    """Natural keys of referenced rows, fetched in bulk and kept while they are few.

    The serializer calls ``natural_key()`` on the related instance that
    ``getattr(obj, field.name)`` gives (the target's ``_base_manager``); here
    the instances are fetched with ``in_bulk`` from that manager, a chunk of
    distinct values at a time, and ``natural_key()`` is called on each once.
    The keys of one target are kept for the next chunks (a row referenced by
    many is fetched once) until they are more than :data:`NATURAL_KEYS_KEPT`:
    then they are dropped, so that memory stays flat however many rows there are.
    """

    def __init__(self, using):
        self.using = using
        self.known: dict = {}  # (target model, to_field attname) → {raw value: natural key}

    def keys(self, target, to_field: str, raw: Iterable) -> dict:
        """``{raw value: natural key}`` for the values of ``raw`` that exist."""
        known = self.known.setdefault((target, to_field), {})
        if len(known) > NATURAL_KEYS_KEPT:
            known.clear()
        missing = {value for value in raw if value is not None and value not in known}
        manager = target._base_manager.using(self.using)
        for batch in _in_list_batches(list(missing)):
            found = manager.in_bulk(batch, field_name=to_field)
            for value, instance in found.items():
                known[value] = _encoded(instance.natural_key())
        return known

    def converter(self, target, to_field: str, name: str) -> Callable:
        """Chunk converter of a foreign key: natural keys, None for null, raw value when
        the target row does not exist (a dangling reference)."""
        plain = _plain

        def natural(raw: list) -> list:
            known = self.keys(target, to_field, raw)
            return [
                None if value is None else known[value] if value in known else plain(value)
                for value in raw
            ]

        return natural


def _in_list_batches(values: list) -> Iterator[list]:
    """``values`` cut in batches whose sizes are powers of two, at most :data:`IN_LIST_MOST`.

    Each ``IN (...)`` list of another length is another SQL statement, and
    SQLite's driver keeps the last 128 it prepared (with their plans) for the
    connection: a list as long as each chunk's missing keys made a new
    statement per chunk, and held ~12 MB more at 500,000 rows. With these
    sizes a target is read with at most ten statements, whatever the rows.
    """
    start, size = 0, IN_LIST_MOST
    while start < len(values):
        while size > len(values) - start:
            size //= 2
        yield values[start : start + size]
        start += size


def _many_to_many(model, dump: ModelDump, resolver, using) -> list[tuple[str, Callable]]:
    """``(field name, owners → {owner pk: values})`` of each serialized many-to-many field."""
    found = []
    for field in model._meta.local_many_to_many:
        if field.serialize and field.remote_field.through._meta.auto_created:
            found.append((field.name, _m2m_reader(field, dump, resolver, using)))
    return found


def _m2m_reader(field, dump: ModelDump, resolver, using) -> Callable:
    """A function of a chunk of owner pks (ascending, as dumped) → ``{owner pk: values}``.

    One query on the through table per chunk, for the pks between the chunk's
    first and last (the main query is ordered by pk), ordered by owner then as
    the related manager orders the targets: their ``Meta.ordering``, then the
    target's key. The serializer's own query has no ORDER BY beyond that
    ordering: the database returns the links as it reads them. SQLite and
    MySQL read them through the (owner, target) unique index, in target order,
    as here; PostgreSQL's order depends on its plan (link order or target
    order), so there the lists hold the same values, possibly in another order.
    """
    through = field.remote_field.through
    source = through._meta.get_field(field.m2m_field_name())
    target_fk = through._meta.get_field(field.m2m_reverse_field_name())
    target = field.remote_field.model
    natural = dump.names_by_natural_key(target)
    ordering = [source.attname, *_m2m_ordering(field), target_fk.attname]
    convert = _converter(target._meta.pk)
    to_field = target_fk.target_field.attname

    def values_of(pks: list) -> dict:
        rows = (
            through._base_manager.using(using)
            .filter(**{f"{source.attname}__gte": pks[0], f"{source.attname}__lte": pks[-1]})
            .order_by(*ordering)
            .values_list(source.attname, target_fk.attname)
        )
        by_owner: dict = {}
        rows = list(rows)
        if natural:
            known = resolver.keys(target, to_field, (value for _, value in rows))
            for owner, value in rows:
                if value in known:  # the related manager's join drops a missing target
                    by_owner.setdefault(owner, []).append(known[value])
        else:
            for owner, value in rows:
                by_owner.setdefault(owner, []).append(value if convert is None else convert(value))
        return by_owner

    return values_of
