"""Configuration: where it comes from, what it may contain, how flags change it.

A configuration is read from the first of: an explicit ``--config`` file,
``./diskette.toml``, the ``[tool.diskette]`` table of ``./pyproject.toml`` and,
when none exists, the Django settings (``DISKETTE_*``, diskette's own names).
Everything is validated before anything else runs and every problem is
reported at once, in one :class:`~diskette_tui.exceptions.ConfigError`.

Paths written in a file are relative to that file's folder; paths given on the
command line are relative to the current folder. Paths are made absolute and
normalized (``..`` collapsed) but not resolved through symlinks, so that a
storage under a symlinked folder keeps the name its user gave it.

Every source gives raw values by key: a file's table, the ``DISKETTE_*``
settings (:data:`DJANGO_SETTING_NAMES`) and the command-line flags
(:data:`FLAG_NAMES`). One validator, :func:`validate_raw_values`, checks and
converts them with one table (:data:`CONFIG_KEY_TABLE`); only how a problem
names the key and what relative paths are relative to depend on the source
(:class:`RawSource`). :meth:`Config.merged` then puts the values over the
defaults (a file, the settings) or over the configuration (the flags).

Django is never imported here: settings are read from the object passed in.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .core.definitions import DEFINITION_OPTIONS
from .core.storages import FNMATCH, GITIGNORE
from .exceptions import ConfigError

#: Name of the dedicated configuration file looked up in the current folder.
CONFIG_FILENAME = "diskette.toml"
#: Name of the project file whose ``[tool.diskette]`` table may hold the configuration.
PYPROJECT_FILENAME = "pyproject.toml"
#: Default archive filename; ``{features}`` becomes ``_data``, ``_storages`` or both.
DEFAULT_FILENAME = "diskette{features}.tar.gz"
#: Label of a configuration read from Django settings.
DJANGO_SETTINGS_SOURCE = "Django settings"

#: Options an application definition accepts (diskette's).
APP_OPTIONS = ("name", *DEFINITION_OPTIONS)

_MODE_PATTERN = re.compile(r"(0o)?[0-7]{1,4}", re.IGNORECASE)
#: Only permission bits: no setuid, setgid or sticky bit on an archive or its folder.
_MAX_MODE = 0o777


@dataclass
class Config:
    """A validated configuration, with every path absolute.

    ``source`` says where it was read from (a file path, the same followed by
    ``[tool.diskette]`` for a ``pyproject.toml``, ``"Django settings"``, or
    ``None`` when there was nothing to read). ``base_dir`` is the folder that
    relative paths of that source are relative to. ``chmod`` and ``dir_chmod``
    are ``None`` when not configured: the caller chooses the default.
    ``load_storages_basepath`` is where a load restores the storages when it
    is not told (Django's ``DISKETTE_LOAD_STORAGES_PATH``, which diskette uses
    for loads only); ``None``: ``storages_basepath``.
    ``storages_excludes_syntax`` is what the exclusion patterns mean, set by the
    source: ``"gitignore"`` for a file, ``"fnmatch"`` (diskette's: ``*`` also
    crosses ``/``) for the Django settings; ``--exclude`` patterns are added
    to the configured ones and read the same way.
    """

    source: str | None
    base_dir: Path
    settings: str | None = None
    pythonpath: list[Path] = field(default_factory=list)
    storages_basepath: Path | None = None
    load_storages_basepath: Path | None = None
    storages: list[Path] = field(default_factory=list)
    storages_excludes: list[str] = field(default_factory=list)
    storages_excludes_syntax: str = GITIGNORE
    destination: Path = field(default_factory=Path.cwd)
    filename: str = DEFAULT_FILENAME
    indent: int | None = None
    chmod: int | None = None
    dir_chmod: int | None = None
    compresslevel: int | None = None
    executable: str | None = None
    apps: list[dict] = field(default_factory=list)
    #: The keys the source gave (a file's top-level keys); not a configured value.
    given: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def names_only_the_project(self) -> bool:
        """Whether a file gave nothing but :data:`PROJECT_KEYS` (``settings``, ``pythonpath``).

        Such a file says which Django project to open; the rest comes from the
        project's ``DISKETTE_*`` settings.
        """
        return self.source != DJANGO_SETTINGS_SOURCE and set(self.given) <= set(PROJECT_KEYS)

    def with_overrides(
        self,
        *,
        cwd: Path | None = None,
        settings: str | None = None,
        pythonpath: str | Path | Sequence[str | Path] | None = None,
        destination: str | Path | None = None,
        filename: str | None = None,
        indent: int | None = None,
        chmod: int | str | None = None,
        dir_chmod: int | str | None = None,
        compresslevel: int | None = None,
        storages: Sequence[str | Path] | None = None,
        storages_excludes: Sequence[str] | None = None,
        storages_basepath: str | Path | None = None,
        executable: str | None = None,
    ) -> Config:
        """Return a copy where every flag that is not ``None`` wins over the configuration.

        Paths are relative to ``cwd`` (default: the current folder), not to the
        configuration file; several values are given as a list or a tuple.
        ``storages`` replaces the configured storages;
        ``storages_excludes`` is appended to the configured patterns, as
        ``--exclude`` is additive. Every bad flag is reported in one
        :class:`ConfigError`.
        """
        flags = {
            "settings": settings,
            "pythonpath": pythonpath,
            "destination": destination,
            "filename": filename,
            "indent": indent,
            "chmod": chmod,
            "dir_chmod": dir_chmod,
            "compresslevel": compresslevel,
            "storages": storages,
            "storages_excludes": storages_excludes,
            "storages_basepath": storages_basepath,
            "executable": executable,
        }
        raw = {key: value for key, value in flags.items() if value is not None}
        source = _flags_source(_absolute(cwd if cwd is not None else Path.cwd()))
        return self.merged(validate_raw_values(raw, source))

    def merged(self, values: Mapping[str, Any]) -> Config:
        """Return a copy holding ``values`` (checked and converted by :func:`validate_raw_values`).

        A value replaces the configured one, except for a key whose
        :attr:`ConfigKey.adds` is set: its values are appended.
        """
        changes = {
            key: [*getattr(self, key), *value] if CONFIG_KEY_TABLE[key].adds else value
            for key, value in values.items()
        }
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Return the configuration as JSON-ready data: paths as strings, modes as ``"0o600"``."""
        return {
            "source": self.source,
            "base_dir": str(self.base_dir),
            "settings": self.settings,
            "pythonpath": [str(p) for p in self.pythonpath],
            "storages_basepath": (
                str(self.storages_basepath) if self.storages_basepath is not None else None
            ),
            "load_storages_basepath": (
                str(self.load_storages_basepath)
                if self.load_storages_basepath is not None
                else None
            ),
            "storages": [str(p) for p in self.storages],
            "storages_excludes": list(self.storages_excludes),
            "storages_excludes_syntax": self.storages_excludes_syntax,
            "destination": str(self.destination),
            "filename": self.filename,
            "indent": self.indent,
            "chmod": format_mode(self.chmod),
            "dir_chmod": format_mode(self.dir_chmod),
            "compresslevel": self.compresslevel,
            "executable": self.executable,
            "apps": _json_ready(self.apps),
        }


def format_mode(mode: int | None) -> str | None:
    """Return a permission mode as an octal string (``0o600``), or ``None``."""
    return None if mode is None else f"0o{mode:03o}"


def parse_mode(value: Any, key: str) -> int:
    """Return the permission mode ``value`` means, or raise :class:`ConfigError` naming ``key``.

    A Python integer is taken as is (``0o600``); a string is read as octal,
    with or without ``0o`` (``"600"``, ``"0600"``, ``"0o600"``). Only
    permission bits are accepted: 0 to ``0o777``. (In a TOML file an integer
    is refused: ``chmod = 600`` is decimal there.)
    """
    problems: list[str] = []
    mode = _check_mode(value, lambda tail: problems.append(f"'{key}' {tail}"), toml=False)
    if problems:
        raise ConfigError(problems=problems)
    return mode


def find_config_file(cwd: Path, explicit: Path | None = None) -> tuple[Path, str] | None:
    """Return the configuration file to read and its kind (``"toml"`` or ``"pyproject"``).

    ``explicit`` (``--config``, relative to ``cwd``) wins and must exist.
    Otherwise ``cwd/diskette.toml``, then ``cwd/pyproject.toml`` when it has a
    ``[tool.diskette]`` table. Returns ``None`` when there is neither.
    """
    cwd = _absolute(cwd)
    if explicit is not None:
        path = _join(cwd, Path(explicit))
        if not path.exists():
            raise ConfigError(f"config file not found: {explicit}")
        if path.is_dir():
            raise ConfigError(f"config file is a folder: {explicit}")
        kind = "pyproject" if path.name == PYPROJECT_FILENAME else "toml"
        return path, kind

    candidate = cwd / CONFIG_FILENAME
    if candidate.is_file():
        return candidate, "toml"

    candidate = cwd / PYPROJECT_FILENAME
    if candidate.is_file() and _pyproject_has_table(candidate):
        return candidate, "pyproject"
    return None


def load_config(cwd: Path, explicit: Path | None = None) -> Config | None:
    """Find, read and validate the configuration file; ``None`` when there is none.

    Raises one :class:`ConfigError` listing every problem of the file (each
    line starts with the file's name), or naming the file and the TOML syntax
    error on one line.
    """
    cwd = _absolute(cwd)
    found = find_config_file(cwd, explicit)
    if found is None:
        return None
    path, kind = found
    label = _display_name(path, cwd)
    data = _read_toml(path, label)

    if kind == "pyproject":
        label = f"{label} [tool.diskette]"
        source = f"{path} [tool.diskette]"
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "diskette" not in tool:
            raise ConfigError(f"{_display_name(path, cwd)}: no [tool.diskette] table")
        data = tool["diskette"]
        if not isinstance(data, dict):
            raise ConfigError(f"{label}: must be a table, got {_type_name(data)}")
    else:
        source = str(path)

    return _config_from_mapping(data, source=source, base_dir=path.parent, cwd=cwd, label=label)


def config_from_django_settings(settings_obj: Any, cwd: Path) -> Config:
    """Build a configuration from diskette's Django settings (``DISKETTE_*``).

    ``DISKETTE_APPS`` may hold diskette's ``(name, options)`` pairs or dicts
    with a ``"name"``; both become dicts. ``DISKETTE_STORAGES_EXCLUDES`` keeps
    diskette's fnmatch meaning (``storages_excludes_syntax`` is ``"fnmatch"``).
    Missing or ``None`` settings keep their defaults; relative paths are
    relative to ``cwd``. As in diskette, ``DISKETTE_LOAD_STORAGES_PATH`` is
    for loads only: a dump's ``storages_basepath`` is ``cwd``. Every problem
    is reported in one :class:`ConfigError`, each prefixed ``settings.NAME:``.
    """
    cwd = _absolute(cwd)
    raw = {}
    for key, name in DJANGO_SETTING_NAMES.items():
        value = getattr(settings_obj, name, None)
        if value is not None:
            raw[key] = value
    values = validate_raw_values(raw, _settings_source(cwd))
    defaults = Config(
        source=DJANGO_SETTINGS_SOURCE,
        base_dir=cwd,
        storages_basepath=cwd,
        destination=cwd,
        storages_excludes_syntax=FNMATCH,
    )
    return defaults.merged(values)


# -- reading -----------------------------------------------------------------


def _read_toml(path: Path, label: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{label}: cannot read: {error.strerror or error}") from error
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{label}: not UTF-8 text ({error.reason})") from error
    except tomllib.TOMLDecodeError as error:
        message = " ".join(str(error).split())
        raise ConfigError(f"{label}: invalid TOML: {message}") from error


def _pyproject_has_table(path: Path) -> bool:
    """Whether ``pyproject.toml`` configures diskette.

    A pyproject that cannot be read as TOML is ignored unless it mentions
    diskette: a project's broken ``pyproject.toml`` is not our business, a
    broken ``[tool.diskette]`` is.
    """
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return b"diskette" in raw
    tool = data.get("tool")
    return isinstance(tool, dict) and "diskette" in tool


def _config_from_mapping(
    data: dict[str, Any], *, source: str, base_dir: Path, cwd: Path, label: str
) -> Config:
    """Validate a configuration file's table; relative paths are relative to ``base_dir``."""
    values = validate_raw_values(data, _file_source(label, base_dir))
    defaults = Config(
        source=source,
        base_dir=base_dir,
        storages_basepath=base_dir,
        destination=cwd,
        given=tuple(values),
    )
    return defaults.merged(values)


# -- the keys and the sources ------------------------------------------------


@dataclass(frozen=True)
class RawSource:
    """Where raw values come from: how it names a key in a problem, what paths are relative to.

    ``keys`` lists the keys the source may hold, in the order their problems
    are reported. ``message(key, tail)`` words a problem (``tail`` is
    ``"must be ..."``). ``base`` is the folder relative paths are relative to.
    ``toml`` is true for a file: its paths are strings and its application
    definitions tables; settings and flags are Python values, where a path may
    be any :class:`os.PathLike` and a definition diskette's ``(name, options)``.
    """

    keys: tuple[str, ...]
    message: Callable[[str, str], str]
    base: Path
    toml: bool
    label: str = ""


#: How a checker reports the tail of a problem ("must be ...").
Report = Callable[[str], None]


@dataclass(frozen=True)
class ConfigKey:
    """One configuration key: how its raw value is checked and converted.

    ``check(value, report, source)`` returns the converted value, or ``None``
    after reporting why it is refused; path values are made absolute against
    ``source.base`` (the file's folder, or the current folder for settings and
    flags). ``adds``: a flag appends to the configured values instead of
    replacing them (``--exclude`` is additive, ``--storage`` is not).
    """

    name: str
    check: Callable[[Any, Report, RawSource], Any]
    adds: bool = False


def _text(value: Any, report: Report, source: RawSource) -> str | None:
    return _check_str(value, report)


def _texts(value: Any, report: Report, source: RawSource) -> list[str] | None:
    return _check_str_list(value, report)


def _path(value: Any, report: Report, source: RawSource) -> Path | None:
    checked = _check_str(value, report) if source.toml else _check_path(value, report)
    return None if checked is None else _usable_path(_join(source.base, checked), report)


def _paths(value: Any, report: Report, source: RawSource) -> list[Path] | None:
    if source.toml:
        checked = _check_str_list(value, report)
    else:
        checked = _check_path_list(value, report)
    return _usable_paths(checked, report, source)


def _path_or_paths(value: Any, report: Report, source: RawSource) -> list[Path] | None:
    """A path or a list of paths (``pythonpath``): one path is a list of one."""
    if source.toml:
        value = [value] if isinstance(value, str) else value
        checked = _check_str_list(value, report, expected="a string or a list of strings")
    else:
        value = [value] if isinstance(value, str | os.PathLike) else value
        checked = _check_path_list(value, report)
    return _usable_paths(checked, report, source)


def _usable_paths(checked, report: Report, source: RawSource) -> list[Path] | None:
    """Each path made absolute, or None when one of them cannot name a file."""
    if checked is None:
        return None
    paths = [_usable_path(_join(source.base, item), report) for item in checked]
    return None if None in paths else paths


#: The longest file name and path Linux file systems take (bytes); longer is ENAMETOOLONG.
NAME_MAX = 255
PATH_MAX = 4095


def _usable_path(path: Path, report: Report) -> Path | None:
    """``path``, or None after reporting why no file system can have it (NUL, too long)."""
    text = os.fspath(path)
    encoded = os.fsencode(text) if "\x00" not in text else b""
    if "\x00" in text:
        report(f"must not hold a NUL character: {text!r}")
    elif len(encoded) > PATH_MAX:
        report(f"is longer than a path can be ({len(encoded):,} bytes): {text[:60]!r}…")
    elif any(len(part) > NAME_MAX for part in encoded.split(b"/")):
        report(f"has a name longer than {NAME_MAX} bytes: {text[:60]!r}…")
    else:
        return path
    return None


def _indent(value: Any, report: Report, source: RawSource) -> int | None:
    return _check_indent(value, report)


def _mode(value: Any, report: Report, source: RawSource) -> int | None:
    return _check_mode(value, report, toml=source.toml)


def _compresslevel(value: Any, report: Report, source: RawSource) -> int | None:
    """The archive's gzip level: an integer from 0 (stored) to 9 (smallest)."""
    if isinstance(value, bool) or not isinstance(value, int):
        report(f"must be an integer from 0 to 9, got {_type_name(value)}")
        return None
    if not 0 <= value <= 9:
        report(f"must be an integer from 0 to 9, got {value}")
        return None
    return value


def _apps(value: Any, report: Report, source: RawSource) -> list[dict]:
    return _check_apps(value, report, pairs_allowed=not source.toml)


#: Every configuration key, in the order a file's problems are reported.
CONFIG_KEY_TABLE: dict[str, ConfigKey] = {
    key.name: key
    for key in (
        ConfigKey("settings", _text),
        ConfigKey("executable", _text),
        ConfigKey("filename", _text),
        ConfigKey("pythonpath", _path_or_paths),
        ConfigKey("storages_basepath", _path),
        ConfigKey("load_storages_basepath", _path),
        ConfigKey("storages", _paths),
        ConfigKey("storages_excludes", _texts, adds=True),
        ConfigKey("destination", _path),
        ConfigKey("indent", _indent),
        ConfigKey("chmod", _mode),
        ConfigKey("dir_chmod", _mode),
        ConfigKey("compresslevel", _compresslevel),
        ConfigKey("apps", _apps),
    )
}

#: Keys that say which Django project to open, not what to dump.
PROJECT_KEYS = ("settings", "pythonpath")

#: Keys only the Django settings give (diskette's load-only base path).
SETTINGS_ONLY_KEYS = ("load_storages_basepath",)

#: Top-level keys of a configuration file.
CONFIG_KEYS = tuple(key for key in CONFIG_KEY_TABLE if key not in SETTINGS_ONLY_KEYS)

#: Django settings read (diskette's own names), in the order their problems are reported.
DJANGO_SETTING_NAMES = {
    "storages": "DISKETTE_STORAGES",
    "storages_excludes": "DISKETTE_STORAGES_EXCLUDES",
    "destination": "DISKETTE_DUMP_PATH",
    "load_storages_basepath": "DISKETTE_LOAD_STORAGES_PATH",
    "filename": "DISKETTE_DUMP_FILENAME",
    "chmod": "DISKETTE_DUMP_PERMISSIONS",
    "apps": "DISKETTE_APPS",
}

#: Command-line flags that override a key, in the order their problems are reported.
FLAG_NAMES = {
    "settings": "--settings",
    "executable": "--executable",
    "filename": "--filename",
    "pythonpath": "--pythonpath",
    "destination": "--destination",
    "storages_basepath": "--storages-basepath",
    "storages": "--storage",
    "storages_excludes": "--exclude",
    "indent": "--indent",
    "chmod": "--chmod",
    "dir_chmod": "--dir-chmod",
    "compresslevel": "--compresslevel",
}


def _file_source(label: str, base_dir: Path) -> RawSource:
    def message(key: str, tail: str) -> str:
        # An application definition's problems name 'apps' or apps[N] themselves.
        return f"{label}: {tail}" if key == "apps" else f"{label}: '{key}' {tail}"

    return RawSource(CONFIG_KEYS, message, base_dir, toml=True, label=label)


def _settings_source(cwd: Path) -> RawSource:
    def message(key: str, tail: str) -> str:
        return f"settings.{DJANGO_SETTING_NAMES[key]}: {tail}"

    return RawSource(tuple(DJANGO_SETTING_NAMES), message, cwd, toml=False)


def _flags_source(cwd: Path) -> RawSource:
    def message(key: str, tail: str) -> str:
        return f"{FLAG_NAMES[key]}: {tail}"

    return RawSource(tuple(FLAG_NAMES), message, cwd, toml=False)


def validate_raw_values(raw: Mapping[str, Any], source: RawSource) -> dict[str, Any]:
    """Check and convert the raw values of one source with :data:`CONFIG_KEY_TABLE`.

    Returns the converted values of the keys present in ``raw``; raises one
    :class:`ConfigError` listing every problem: unknown keys first, then the
    keys in ``source.keys`` order.
    """
    problems = [f"{source.label}: unknown key '{key}'" for key in raw if key not in source.keys]
    values: dict[str, Any] = {}
    for key in source.keys:
        if key not in raw:
            continue
        key_problems: list[str] = []
        checked = CONFIG_KEY_TABLE[key].check(raw[key], key_problems.append, source)
        problems.extend(source.message(key, tail) for tail in key_problems)
        if checked is not None:
            values[key] = checked
    if problems:
        raise ConfigError(problems=problems)
    return values


# -- application definitions -------------------------------------------------


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


def _is_bool_or_str_list(value: Any) -> bool:
    """``natural_foreign``/``natural_primary``: true, false, or the model labels it applies to."""
    return isinstance(value, bool) or _is_str_list(value)


#: Per option: a predicate on its value and the type it expects, for messages.
_APP_OPTION_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "models": (lambda v: isinstance(v, str) or _is_str_list(v), "a string or a list of strings"),
    "excludes": (_is_str_list, "a list of strings"),
    "natural_foreign": (_is_bool_or_str_list, "a boolean or a list of model labels"),
    "natural_primary": (_is_bool_or_str_list, "a boolean or a list of model labels"),
    "use_base_manager": (lambda v: isinstance(v, bool), "a boolean"),
    "allow_drain": (lambda v: isinstance(v, bool), "a boolean"),
    "is_drain": (lambda v: isinstance(v, bool), "a boolean"),
    "drain_excluded": (lambda v: isinstance(v, bool), "a boolean"),
    "filename": (lambda v: isinstance(v, str), "a string"),
    "comments": (lambda v: isinstance(v, str), "a string"),
    "dump_command": (lambda v: isinstance(v, str), "a string"),
    "post_load": (lambda v: isinstance(v, str) or _is_str_list(v), "a string or a list of strings"),
    "post_load_after_commit": (
        lambda v: isinstance(v, str) or _is_str_list(v),
        "a string or a list of strings",
    ),
}


def _check_apps(value: Any, report: Callable[[str], None], *, pairs_allowed: bool) -> list[dict]:
    """Validate application definitions; return them as fresh dicts with a ``"name"``.

    Without ``pairs_allowed`` (a file) messages name ``'apps'`` and ``apps[N]``;
    with it (Django settings, where the caller names the setting) an entry may
    also be diskette's ``(name, options)`` pair and messages say ``item N``.
    """
    if not isinstance(value, list | tuple):
        if pairs_allowed:
            report(f"must be a list, got {_type_name(value)}")
        else:
            report(f"'apps' must be a list of tables ([[apps]]), got {_type_name(value)}")
        return []

    apps: list[dict] = []
    for index, entry in enumerate(value):
        where = f"item {index}" if pairs_allowed else f"apps[{index}]"
        if pairs_allowed and isinstance(entry, list | tuple):
            if len(entry) != 2 or not isinstance(entry[1], dict):
                report(f"{where} must be a (name, options) pair or a dict, got {_describe(entry)}")
                continue
            name, options = entry
            if "name" in options and options["name"] != name:
                report(f"{where} has two names: {name!r} and {options['name']!r}")
                continue
            entry = {"name": name, **options}
        elif not isinstance(entry, dict):
            expected = "a (name, options) pair or a dict" if pairs_allowed else "a table"
            report(f"{where} must be {expected}, got {_type_name(entry)}")
            continue

        name = entry.get("name")
        if "name" not in entry:
            report(f"{where} has no 'name'")
            where_named = where
        elif not isinstance(name, str):
            report(f"{where}: 'name' must be a string, got {_type_name(name)}")
            where_named = where
        elif not name.strip():
            report(f"{where}: 'name' must not be empty")
            where_named = where
        else:
            where_named = f"app {name!r}"

        for option, option_value in entry.items():
            if option == "name":
                continue
            if option not in APP_OPTIONS:
                report(f"{where_named}: unknown option '{option}'")
                continue
            check, expected = _APP_OPTION_TYPES[option]
            if not check(option_value):
                report(
                    f"{where_named}: '{option}' must be {expected}, got {_describe(option_value)}"
                )
        apps.append(copy.deepcopy(dict(entry)))
    return apps


# -- value checks: each reports the tail of a message ("must be ...") --------


def _check_str(value: Any, report: Callable[[str], None]) -> str | None:
    if isinstance(value, str):
        return value
    report(f"must be a string, got {_type_name(value)}")
    return None


def _check_str_list(
    value: Any, report: Callable[[str], None], expected: str = "a list of strings"
) -> list[str] | None:
    if _is_str_list(value):
        return list(value)
    report(f"must be {expected}, got {_describe(value)}")
    return None


def _check_path(value: Any, report: Callable[[str], None]) -> str | Path | None:
    if isinstance(value, str | os.PathLike):
        return value
    report(f"must be a path, got {_type_name(value)}")
    return None


def _check_path_list(value: Any, report: Callable[[str], None]) -> list[str | Path] | None:
    if isinstance(value, list | tuple) and all(
        isinstance(item, str | os.PathLike) for item in value
    ):
        return list(value)
    report(f"must be a list of paths, got {_describe(value, (str, os.PathLike))}")
    return None


def _check_indent(value: Any, report: Callable[[str], None]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        report(f"must be an integer, got {_type_name(value)}")
        return None
    if value < 0:
        report(f"must be a non-negative integer, got {value}")
        return None
    return value


def _check_mode(value: Any, report: Callable[[str], None], *, toml: bool) -> int | None:
    """A permission mode: an octal string, or (not in a TOML file) a Python integer.

    A TOML integer is refused with a hint: ``chmod = 600`` would be decimal
    600 (``0o1130``), and ``0o600`` cannot be told apart from ``384``.
    """
    if toml and isinstance(value, int) and not isinstance(value, bool):
        if _MODE_PATTERN.fullmatch(str(value)) and int(str(value), 8) <= _MAX_MODE:
            report(
                f'must be a quoted octal string: write "{value}", not {value} '
                "(a TOML integer is decimal)"
            )
        else:
            report(
                f'must be a quoted octal string like "600", not the integer {value} '
                "(a TOML integer is decimal)"
            )
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        expected = '"600"' if toml else "'600' or an integer"
        report(f"must be an octal mode like {expected}, got {_type_name(value)}")
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _MODE_PATTERN.fullmatch(text):
            report(f"must be an octal mode like '600', got {value!r}")
            return None
        text = text[2:] if text[:2].lower() == "0o" else text
        mode = int(text, 8)
        if mode > _MAX_MODE:
            report(f"must be a mode between 0 and 0o777 (permission bits only), got {value!r}")
            return None
        return mode
    if not 0 <= value <= _MAX_MODE:
        octal = str(value)
        octal_digits = set(octal) <= set("01234567") and int(octal, 8) <= _MAX_MODE
        hint = f" (write 0o{octal} for octal)" if octal_digits else ""
        report(f"must be a mode between 0 and 0o777, got {value}{hint}")
        return None
    return value


# -- helpers -----------------------------------------------------------------


def _type_name(value: Any) -> str:
    return type(value).__name__


def _describe(value: Any, item_types: tuple[type, ...] = (str,)) -> str:
    """Name the type of ``value``; for a list, also the types of its unexpected items."""
    if isinstance(value, list | tuple):
        kinds = sorted({_type_name(i) for i in value if not isinstance(i, item_types)})
        if kinds:
            return f"{_type_name(value)} containing {', '.join(kinds)}"
    return _type_name(value)


def _absolute(path: Path | str) -> Path:
    return Path(os.path.abspath(os.path.expanduser(path)))


def _join(base: Path, value: str | os.PathLike) -> Path:
    """Make ``value`` absolute against ``base`` and normalize it, without following symlinks."""
    return Path(os.path.normpath(base / os.path.expanduser(os.fspath(value))))


def _display_name(path: Path, cwd: Path) -> str:
    """The name to show for a file: relative to ``cwd`` when under it, else absolute."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value
