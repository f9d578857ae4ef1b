"""``diskette init``: a working, commented ``diskette.toml`` for the current project.

Two steps, so that the wording can be tested without Django:

- :func:`inspect_project` (Django set up) gathers the facts: one definition per
  installed application with models, in an order where every data file only
  refers to rows of files loaded before it (applications that refer to each
  other share one definition); the rows a dump leaves to the target
  (:data:`LEFT_TO_TARGET`) and the derived tables it leaves out because a
  command rebuilds them (:func:`derived_tables`); ``MEDIA_ROOT`` as storage.
- :func:`render_config` writes them as TOML, with comments saying why.

No natural keys: content types and permissions are left to the target (made
by ``migrate``) and references to them are translated by the load from the
manifest's maps; every other row keeps its primary key, and ``load
--data-mode replace`` clears the rows migrations created before loading.
Django is imported lazily (only :func:`inspect_project` needs it).
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

#: Models whose rows the target makes itself, and why they are not dumped.
LEFT_TO_TARGET = {
    "contenttypes.ContentType": "made by migrate in the target; the load remaps references to them",
    "auth.Permission": "made by migrate in the target; the load remaps references to them",
    "sessions.Session": "logins: short-lived, users sign in again",
    "wagtailadmin.EditingSession": "who is editing a page right now: short-lived",
}

#: Name of the drain ``init`` writes.
DRAIN_NAME = "Everything else"

#: Where Wagtail writes renditions, relative to MEDIA_ROOT (its ``get_rendition_upload_to``).
RENDITIONS_FOLDER = "/images/"


@dataclass(frozen=True)
class Derived:
    """A derived table: left out of the dump, rebuilt by ``command`` after the load.

    ``command`` is ``None`` for rows the project makes again on demand
    (Wagtail's renditions); ``storage_exclude`` is the folder of files that go
    with those rows, left out of the storage too.
    """

    label: str
    reason: str
    command: str | None = None
    storage_exclude: str | None = None


@dataclass(frozen=True)
class InitDefinition:
    """One definition ``init`` writes: the apps it dumps, what it leaves out, what runs after.

    ``excludes`` and ``post_load`` are ``(value, why)`` pairs; ``modules`` are
    the applications' Python names, written as a comment.
    """

    name: str
    apps: tuple[str, ...]
    modules: tuple[str, ...]
    excludes: tuple[tuple[str, str], ...] = ()
    post_load: tuple[tuple[str, str], ...] = ()
    filename: str | None = None


@dataclass(frozen=True)
class InitConfig:
    """Everything ``init`` writes, before it is words.

    Paths are as written in the file (relative to its folder when inside it).
    ``missing_storages`` are media folders that do not exist yet (written
    commented out); ``notes`` are extra comment lines (database cache tables).
    """

    settings: str
    pythonpath: tuple[str, ...]
    definitions: tuple[InitDefinition, ...]
    drain_excludes: tuple[tuple[str, str], ...]
    storages: tuple[str, ...] = ()
    missing_storages: tuple[str, ...] = ()
    storages_basepath: str | None = None
    storages_excludes: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = field(default=())


# -- facts (Django) ------------------------------------------------------------


def inspect_project(cwd: Path, settings: str, pythonpath=()) -> InitConfig:
    """The configuration ``init`` writes for the set-up Django project, run from ``cwd``."""
    from django.conf import settings as django_settings

    from .core.registry import get_registry

    registry = get_registry()
    derived = derived_tables(registry)
    left_out = {**LEFT_TO_TARGET, **{item.label: item.reason for item in derived}}
    left_out = {label: why for label, why in left_out.items() if registry.get_model(label)}
    definitions = _definitions(registry, left_out, cwd)
    definitions = _with_post_load(definitions, derived)
    held = {app for item in definitions for app in item.apps}
    drain_excludes = tuple(
        (label, why) for label, why in left_out.items() if label.split(".")[0] not in held
    )
    media = _media_storage(getattr(django_settings, "MEDIA_ROOT", ""), cwd)
    excludes = tuple(
        dict.fromkeys(
            (item.storage_exclude, item.reason) for item in derived if item.storage_exclude
        )
    )
    return InitConfig(
        settings=settings,
        pythonpath=tuple(_written_path(Path(folder), cwd) for folder in pythonpath),
        definitions=definitions,
        drain_excludes=drain_excludes,
        storages=media["storages"],
        missing_storages=media["missing"],
        storages_basepath=media["basepath"],
        storages_excludes=excludes if media["storages"] or media["missing"] else (),
        notes=_cache_notes(getattr(django_settings, "CACHES", {})),
    )


def derived_tables(registry) -> tuple[Derived, ...]:
    """The derived tables of this project that ``init`` knows: Wagtail's, for now.

    Search index rows (``wagtailsearch`` index entries, and SQLite's full-text
    table that a trigger fills from them) → ``update_index``; the reference
    index → ``rebuild_references_index``; renditions (any model built on
    Wagtail's ``AbstractRendition``) and their ``images/`` folder → made again
    on demand.
    """
    from .core.serializers import known_commands

    commands = known_commands()
    found = []
    for info in registry.models.values():
        if not info.dumpable:
            continue
        if info.app_label == "wagtailsearch" and info.label.endswith("IndexEntry"):
            if "update_index" in commands:
                found.append(
                    Derived(info.label, "search index: rebuilt by post_load", "update_index")
                )
        elif info.label == "wagtailcore.ReferenceIndex":
            if "rebuild_references_index" in commands:
                found.append(
                    Derived(
                        info.label,
                        "reference index: rebuilt by post_load",
                        "rebuild_references_index",
                    )
                )
        elif any(cls.__name__ == "AbstractRendition" for cls in info.model.__mro__):
            found.append(
                Derived(
                    info.label,
                    "resized images: Wagtail makes them again on demand",
                    storage_exclude=RENDITIONS_FOLDER,
                )
            )
    return tuple(found)


def _definitions(registry, left_out: dict, cwd: Path) -> tuple[InitDefinition, ...]:
    """One definition per group of applications, in load order."""
    from django.apps import apps as django_apps

    configs = {config.label: config for config in django_apps.get_app_configs()}
    dumped = {
        label: [model for model in registry.app_models(label) if model not in left_out]
        for label in configs
    }
    dumped = {label: models for label, models in dumped.items() if models}
    groups = load_order(
        {label: _app_dependencies(registry, models, left_out) for label, models in dumped.items()},
        {label: _priority(configs[label], index, cwd) for index, label in enumerate(configs)},
    )
    names = _unique_names([[configs[label] for label in group] for group in groups])
    return tuple(
        InitDefinition(
            name=name,
            apps=tuple(group),
            modules=tuple(configs[label].name for label in group),
            excludes=tuple(
                (label, left_out[label])
                for app in group
                for label in registry.app_models(app)
                if label in left_out
            ),
        )
        for name, group in zip(names, groups, strict=True)
    )


def _app_dependencies(registry, models: list[str], left_out: dict) -> set[str]:
    """Applications whose rows ``models`` refer to (foreign keys, M2M, parent links)."""
    found = set()
    for label in models:
        model = registry.get_model(label).model
        targets = [target for _field, target in registry.relations(label)]
        # A child model's parent link is auto-created: relations() leaves it out.
        targets += [parent._meta.label for parent in model._meta.parents]
        found |= {target.split(".")[0] for target in targets if target not in left_out}
    return found - {models[0].split(".")[0]}


def _priority(config, index: int, cwd: Path) -> tuple[int, int]:
    """Order among applications free to go: Django's contrib first, then
    installed packages, then the project's own, each in ``INSTALLED_APPS`` order."""
    if config.name.startswith("django.contrib."):
        return (0, index)
    path = Path(os.path.abspath(config.path))
    inside = path.is_relative_to(cwd) and "site-packages" not in path.parts
    return (2 if inside else 1, index)


def load_order(dependencies: dict[str, set[str]], priority: dict) -> list[list[str]]:
    """Groups of applications in an order where each group needs only earlier ones.

    Applications that need each other (a cycle) form one group, since one
    ``loaddata`` loads them together. Among groups free to go, the one with
    the smallest ``priority`` (of its members) goes first.
    """
    groups = _cycles(dependencies)
    group_of = {app: index for index, group in enumerate(groups) for app in group}
    needs = {
        index: {group_of[dep] for app in group for dep in dependencies[app] if dep in group_of}
        - {index}
        for index, group in enumerate(groups)
    }
    rank = {index: min(priority[app] for app in group) for index, group in enumerate(groups)}
    ready = [(rank[index], index) for index, need in needs.items() if not need]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _rank, index = heapq.heappop(ready)
        ordered.append(sorted(groups[index], key=priority.__getitem__))
        for other, need in needs.items():
            if index in need:
                need.discard(index)
                if not need:
                    heapq.heappush(ready, (rank[other], other))
    return ordered


def _cycles(dependencies: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan), each a list of applications."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        for dep in dependencies[app]:
            if dep not in dependencies:
                continue
            if dep not in index:
                visit(dep)
                low[app] = min(low[app], low[dep])
            elif dep in stack:
                low[app] = min(low[app], index[dep])
        if low[app] == index[app]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == app:
                    break
            found.append(group)

    for app in dependencies:
        if app not in index:
            visit(app)
    return found


def _unique_names(groups) -> list[str]:
    """A definition name per group: the verbose names; the Python names where those clash."""
    names = [" + ".join(str(config.verbose_name) for config in group) for group in groups]
    clashes = {name for name in names if names.count(name) > 1}
    return [
        " + ".join(config.name for config in group) if name in clashes else name
        for name, group in zip(names, groups, strict=True)
    ]


def _with_post_load(definitions, derived) -> tuple[InitDefinition, ...]:
    """Give the rebuild commands to the definition holding Wagtail's pages (else the first
    one holding the derived table's app; else none: the drain gets them)."""
    commands = {}
    for item in derived:
        if item.command:
            commands.setdefault(item.command, []).append(item.label)
    if not commands:
        return definitions
    post_load = tuple(
        (command, "rebuilds " + ", ".join(labels)) for command, labels in commands.items()
    )
    holder = next((d for d in definitions if "wagtailcore" in d.apps), None)
    return tuple(
        dataclasses.replace(d, post_load=post_load) if d is holder else d for d in definitions
    )


def _media_storage(media_root, cwd: Path) -> dict:
    """``MEDIA_ROOT`` as a storage: its written path, or missing; and the basepath it needs."""
    found = {"storages": (), "missing": (), "basepath": None}
    if not media_root:
        return found
    folder = Path(os.path.abspath(os.fspath(media_root)))
    if not folder.is_relative_to(cwd) or folder == cwd:
        # A storage must lie inside the base path, and not be the base path itself.
        found["basepath"] = str(folder.parent)
    key = "storages" if folder.is_dir() else "missing"
    found[key] = (_written_path(folder, cwd),)
    return found


def _cache_notes(caches) -> tuple[str, ...]:
    """Comment lines for database cache tables (not models: ``dumpdata`` never writes them)."""
    return tuple(
        f"cache table {options.get('LOCATION')!r} (CACHES[{alias!r}]) is not a model: "
        "never dumped, rebuilt as the site runs"
        for alias, options in (caches or {}).items()
        if str(options.get("BACKEND", "")).endswith("db.DatabaseCache")
    )


def _written_path(path: Path, cwd: Path) -> str:
    """A path as the file writes it: relative to its folder when inside it."""
    path = Path(os.path.abspath(path))
    if path == cwd:
        return "."
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


# -- words (no Django) ------------------------------------------------------------

HEADER = """\
# diskette.toml, written by `diskette init` for {settings}.
# `diskette check` shows what a dump would hold, `diskette apps` the resolved
# definitions. Relative paths are relative to this file's folder.
#
# Restore into a fresh install with `diskette load ARCHIVE --data-mode replace`:
# it first deletes the rows that migrations made there (default site, home page…).
# Content types and permissions are never dumped: the target has its own, and
# the load translates every reference to them by natural key. Every other row
# keeps its primary key (no natural keys needed). `use_base_manager = true`
# (dumpdata --all) dumps every row, whatever a model's default manager shows.
"""


def render_config(config: InitConfig) -> str:
    """The configuration as commented TOML text (``tomllib`` reads it back)."""
    lines = HEADER.format(settings=config.settings).splitlines()
    lines += ["", f"settings = {_quote(config.settings)}"]
    if config.pythonpath:
        lines.append(f"pythonpath = {_inline(config.pythonpath)}")
    lines += ["", *_storage_lines(config)]
    for note in config.notes:
        lines.append(f"# {note}")
    lines += [
        "",
        "# One definition per application, ordered so that each data file only refers",
        "# to rows of the files loaded before it (applications that refer to each",
        "# other share one). Tables a command rebuilds are left out and rebuilt by",
        "# `post_load`, which the load runs inside its transaction once the data is in.",
    ]
    for definition in config.definitions:
        lines += ["", *_definition_lines(definition)]
    lines += [
        "",
        "[[apps]]",
        f"name = {_quote(DRAIN_NAME)}",
        "is_drain = true",
        "use_base_manager = true",
        "# Collects the models no definition above holds (applications installed later).",
    ]
    if config.drain_excludes:
        lines += _array("excludes", config.drain_excludes)
    return "\n".join(lines) + "\n"


def _storage_lines(config: InitConfig) -> list[str]:
    lines = ["# MEDIA_ROOT: the uploaded files."]
    if config.storages_basepath:
        lines.append(f"storages_basepath = {_quote(config.storages_basepath)}")
    if config.storages:
        lines.append(f"storages = {_inline(config.storages)}")
    elif config.missing_storages:
        lines.append(f"# {config.missing_storages[0]} does not exist yet: uncomment once it does.")
        lines.append(f"# storages = {_inline(config.missing_storages)}")
    else:
        lines.append("# (MEDIA_ROOT is not set: no storage.)")
        lines.append("storages = []")
    if config.storages_excludes:
        lines.append("# Left out of the storages (gitignore-style, relative to each storage):")
        lines += _array("storages_excludes", config.storages_excludes)
    return lines


def _definition_lines(definition: InitDefinition) -> list[str]:
    lines = [
        "[[apps]]",
        f"name = {_quote(definition.name)}  # {', '.join(definition.modules)}",
        f"models = {_inline(definition.apps)}",
    ]
    if definition.filename:
        lines.append(f"filename = {_quote(definition.filename)}")
    lines.append("use_base_manager = true")
    if definition.excludes:
        lines += _array("excludes", definition.excludes)
    if definition.post_load:
        lines += _array("post_load", definition.post_load)
    return lines


def _array(key: str, items) -> list[str]:
    """A multi-line TOML array of strings, each with its reason as a comment."""
    return [f"{key} = [", *(f"    {_quote(value)},  # {why}" for value, why in items), "]"]


def _inline(values) -> str:
    return "[" + ", ".join(_quote(value) for value in values) + "]"


def _quote(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(str(value), ensure_ascii=False)
