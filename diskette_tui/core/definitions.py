"""Application definitions: what one data dump holds, as diskette defines it.

A definition names models by app or model label and may exclude some; a
*drain* dumps everything the other definitions leave. Labels are resolved
against a :class:`~diskette_tui.core.registry.ModelRegistry` given at creation
(or the project's one, built on first use).
"""

from __future__ import annotations

from pathlib import PurePath

from ..exceptions import ApplicationConfigError

DEFAULT_FORMAT = "json"
#: Serialization formats ``dumpdata`` knows without extra packages ("yaml" needs PyYAML).
AVAILABLE_FORMATS = ("json", "jsonl", "xml", "yaml")

#: Every option a definition accepts (besides ``name``).
DEFINITION_OPTIONS = (
    "models",
    "excludes",
    "natural_foreign",
    "natural_primary",
    "use_base_manager",
    "filename",
    "comments",
    "allow_drain",
    "is_drain",
    "drain_excluded",
    "dump_command",
    "post_load",
    "post_load_after_commit",
)


class ApplicationConfig:
    """One application definition (diskette's ``ApplicationConfig``).

    ``models`` are app labels or ``app.Model`` labels (a string or a list),
    ``excludes`` fully qualified labels removed from them. ``filename``
    defaults to the slug of the name plus ``.json``; its extension is the
    serialization format. Unknown options are kept in ``unknown_options`` and
    reported by :meth:`validate` instead of failing at construction.
    """

    CONFIG_ATTRS = [
        "name",
        "models",
        "excludes",
        "retention",
        "natural_foreign",
        "natural_primary",
        "comments",
        "filename",
        "is_drain",
        "allow_drain",
        "dump_command",
        "use_base_manager",
    ]
    OPTIONS_ATTRS = [
        "models",
        "excludes",
        "natural_foreign",
        "natural_primary",
        "filename",
        "use_base_manager",
    ]

    def __init__(
        self,
        name,
        models=None,
        excludes=None,
        natural_foreign=False,
        natural_primary=False,
        comments=None,
        filename=None,
        is_drain=None,
        allow_drain=False,
        dump_command=None,
        use_base_manager=False,
        registry=None,
        post_load=None,
        post_load_after_commit=None,
        **unknown_options,
    ):
        self.name = name
        models = [] if models is None else models
        self._models = (
            [models]
            if isinstance(models, str)
            else list(models)
            if isinstance(models, (list, tuple))
            else models
        )
        self._excludes = [] if excludes is None else excludes
        self.natural_foreign = natural_foreign
        self.natural_primary = natural_primary
        self.comments = comments
        self.allow_drain = allow_drain
        self.dump_command = dump_command
        self.use_base_manager = use_base_manager
        # Commands the load runs once the data is in (core/restore/post_load.py).
        self.post_load = post_load
        self.post_load_after_commit = post_load_after_commit
        self.is_drain = False
        self.unknown_options = dict(unknown_options)
        self._registry = registry
        #: Whether the filename was derived from the name (not given).
        self._derived_filename = not filename
        self.filename = filename or self.get_filename()

    def __repr__(self):
        return f"<{self.__class__.__name__}: {self.name}>"

    # Resolution ----------------------------------------------------------

    @property
    def registry(self):
        """The model registry labels are resolved against."""
        if self._registry is None:
            from .registry import get_registry

            self._registry = get_registry()
        return self._registry

    @property
    def explicit_excludes(self) -> list[str]:
        """Labels this definition excludes itself, canonical and in registry order."""
        if not isinstance(self._excludes, list):
            return []
        return self.registry.sort(self._excludes)

    @property
    def models(self) -> list[str]:
        """Fully qualified labels of the included models, in registry order."""
        excluded = {label.lower() for label in self.explicit_excludes}
        labels = self._models if isinstance(self._models, list) else []
        return [label for label in self.registry.expand(labels) if label.lower() not in excluded]

    @property
    def implicit_excludes(self) -> list[str]:
        """Models of the apps this definition touches that it does not include."""
        included = set(self.models)
        explicit = set(self.explicit_excludes)
        involved = dict.fromkeys(label.split(".")[0] for label in [*included, *explicit])
        return [
            label
            for app_label in involved
            for label in self.registry.app_models(app_label)
            if label not in included and label not in explicit
        ]

    @property
    def excludes(self) -> list[str]:
        """Every excluded label, explicit and implicit (diskette's ``excludes``)."""
        return self.registry.sort([*self.explicit_excludes, *self.implicit_excludes])

    @property
    def retention(self) -> list[str]:
        """Labels a drain may not collect: the included models, plus the
        exclusions unless ``allow_drain`` lets the drain have them (diskette's order)."""
        if self.allow_drain:
            return self.models
        return [*self.models, *self.excludes]

    # Naming ----------------------------------------------------------------

    def get_filename(self, format_extension=None) -> str:
        """Default dump filename: slug of the name and the format extension."""
        from .registry import slugify

        return slugify(str(self.name)) + "." + (format_extension or DEFAULT_FORMAT)

    @property
    def format(self) -> str:
        """Serialization format, from the filename extension."""
        return PurePath(str(self.filename)).suffix[1:]

    # Payloads --------------------------------------------------------------

    def as_config(self) -> dict:
        """The definition's parameters, as recorded in the manifest.

        ``post_load`` and ``post_load_after_commit`` (lists of command lines)
        are added only when set: a definition without them gives diskette's
        payload exactly.
        """
        from .restore.post_load import POST_LOAD_KEYS, command_lines

        config = {name: getattr(self, name) for name in self.CONFIG_ATTRS}
        for key in POST_LOAD_KEYS:
            lines = command_lines(getattr(self, key))
            if lines:
                config[key] = lines
        return config

    def as_options(self) -> dict:
        """The options given to ``dumpdata``."""
        return {name: getattr(self, name) for name in self.OPTIONS_ATTRS}

    # Validation --------------------------------------------------------------

    def problems(self) -> list[str]:
        """Every problem of this definition, one line each (empty when valid)."""
        found = [self._unknown_option_problem(option) for option in sorted(self.unknown_options)]
        found += self._filename_problems()
        found += self._command_problems()
        found += self._post_load_problems()
        found += self._models_problems()
        found += self._excludes_problems()
        found += self._natural_key_problems()
        return [f"definition '{self.name}': {problem}" for problem in found]

    @staticmethod
    def _unknown_option_problem(option: str) -> str:
        if option == "drain_excluded":
            return "'drain_excluded' is only valid on a drain (a definition with is_drain = true)"
        return f"unknown option '{option}'"

    def _filename_problems(self) -> list[str]:
        filename = self.filename
        if not isinstance(filename, str):
            return [f"'filename' must be a string, got {type(filename).__name__}"]
        if filename.startswith(".") and self._derived_filename:
            # The name has no letter a file name can keep (e.g. "日本語"): say what to do.
            return [
                "its name gives no file name for the dump: set 'filename' "
                f'(e.g. filename = "data{filename}")'
            ]
        if PurePath(filename).name != filename or filename.startswith("."):
            return [f"filename '{filename}' must be a plain file name"]
        if not self.format:
            return [f"filename '{filename}' needs an extension naming its format"]
        if self.format not in AVAILABLE_FORMATS:
            return [
                f"filename '{filename}' has extension '.{self.format}'; "
                f"use one of: {', '.join(AVAILABLE_FORMATS)}"
            ]
        if self.format == "yaml" and not _yaml_installed():
            return [
                f"filename '{filename}' is YAML, which needs PyYAML (not installed): "
                "pip install PyYAML, or use .json"
            ]
        return []

    def _command_problems(self) -> list[str]:
        command = self.dump_command
        if command is None:
            return []
        if not isinstance(command, str) or not command.strip():
            return ["'dump_command' must be the name of a management command"]
        from .serializers import known_commands

        if command not in known_commands():
            return [
                f"dump_command '{command}' is not a management command of this project "
                "(see django-admin help)"
            ]
        return []

    def _post_load_problems(self) -> list[str]:
        from .restore.post_load import POST_LOAD_KEYS, command_problems

        given = [key for key in POST_LOAD_KEYS if getattr(self, key)]
        if not given:
            return []
        from .serializers import known_commands

        known = known_commands()
        return [
            problem for key in given for problem in command_problems(getattr(self, key), key, known)
        ]

    def _models_problems(self) -> list[str]:
        if not isinstance(self._models, list) or not all(
            isinstance(label, str) for label in self._models
        ):
            return ["'models' must be a label or a list of labels"]
        if not self._models and not self.is_drain:
            return ["'models' must not be empty (only a drain has no models)"]
        unknown_apps, unknown_models = self.registry.unknown_labels(self._models)
        found = []
        if unknown_apps:
            found.append(f"unknown app label(s) in 'models': {', '.join(unknown_apps)}")
        if unknown_models:
            found.append(f"unknown model label(s) in 'models': {', '.join(unknown_models)}")
        return found

    def _excludes_problems(self) -> list[str]:
        if not isinstance(self._excludes, list) or not all(
            isinstance(label, str) for label in self._excludes
        ):
            return ["'excludes' must be a list of labels like 'app.Model'"]
        invalid = self.registry.not_fully_qualified(self._excludes)
        if invalid:
            return [
                "'excludes' takes only fully qualified labels like 'app.Model', "
                f"not: {', '.join(invalid)}"
            ]
        unknown_apps, unknown_models = self.registry.unknown_labels(self._excludes)
        unknown = unknown_apps + unknown_models
        if unknown:
            return [f"unknown model label(s) in 'excludes': {', '.join(unknown)}"]
        return []

    def _natural_key_problems(self) -> list[str]:
        """``natural_foreign``/``natural_primary``: a boolean or a list of known model labels."""
        found = []
        for option in ("natural_foreign", "natural_primary"):
            value = getattr(self, option)
            if isinstance(value, bool) or value is None:
                continue
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                found.append(f"'{option}' must be true, false or a list of model labels")
                continue
            invalid = self.registry.not_fully_qualified(value)
            unknown_apps, unknown_models = self.registry.unknown_labels(
                [label for label in value if label not in invalid]
            )
            if invalid:
                found.append(
                    f"'{option}' takes fully qualified labels like 'app.Model', "
                    f"not: {', '.join(invalid)}"
                )
            if unknown_apps or unknown_models:
                found.append(
                    f"unknown model label(s) in '{option}': "
                    f"{', '.join(unknown_apps + unknown_models)}"
                )
        return found

    def validate(self):
        """Raise :class:`ApplicationConfigError` with every problem, if any."""
        problems = self.problems()
        if problems:
            raise ApplicationConfigError(problems=problems)


class DrainApplicationConfig(ApplicationConfig):
    """A drain: dumps every model the other definitions do not retain.

    ``drain_exclusions`` are the labels it leaves to the other definitions
    (given by the Dumper, from the whole configuration); ``excludes`` given by
    the user are removed too. With ``drain_excluded`` the drain takes the
    exclusions of definitions that ``allow_drain``.
    """

    CONFIG_ATTRS = [
        "name",
        "models",
        "excludes",
        "natural_foreign",
        "natural_primary",
        "use_base_manager",
        "comments",
        "filename",
        "is_drain",
        "drain_excluded",
        "dump_command",
    ]
    OPTIONS_ATTRS = [
        "models",
        "excludes",
        "natural_foreign",
        "natural_primary",
        "use_base_manager",
        "filename",
    ]

    def __init__(self, *args, drain_excluded=False, drain_exclusions=(), **kwargs):
        self.drain_excluded = drain_excluded
        kwargs.pop("allow_drain", None)
        given_models = kwargs.pop("models", None)
        super().__init__(*args, **kwargs)
        self._given_models = given_models
        self._models = []
        self.is_drain = True
        self.allow_drain = False
        self.drain_exclusions = list(drain_exclusions)

    @property
    def excludes(self) -> list[str]:
        """Labels given to ``dumpdata --exclude``: the drain exclusions, then its own
        (diskette's order; each label once)."""
        own = self._excludes if isinstance(self._excludes, list) else []
        return list(
            dict.fromkeys(
                [*self.drain_exclusions, *(self.registry.canonical(label) for label in own)]
            )
        )

    def as_config(self) -> dict:
        """The drain's parameters, as diskette records them: ``models`` is empty
        (what the drain collects is :attr:`models`)."""
        return {**super().as_config(), "models": []}

    def as_options(self) -> dict:
        """The options given to ``dumpdata``: no labels, everything but ``excludes``."""
        return {**super().as_options(), "models": []}

    @property
    def implicit_excludes(self) -> list[str]:
        """A drain excludes nothing implicitly: what it leaves is ``drain_exclusions``."""
        return []

    @property
    def models(self) -> list[str]:
        """What the drain collects: every dumpable model not excluded."""
        excluded = {label.lower() for label in self.excludes}
        return [label for label in self.registry.all_dumpable() if label.lower() not in excluded]

    def _models_problems(self) -> list[str]:
        if self._given_models:
            return ["a drain collects every model left by the others: remove its 'models'"]
        return []


def _yaml_installed() -> bool:
    """Whether PyYAML can be imported (Django's yaml serializer needs it)."""
    try:
        import yaml  # noqa: F401
    except ImportError:
        return False
    return True
