"""The dump manager: diskette's ``Dumper`` API, built on the plan.

Every method of ``diskette.core.dumper.Dumper`` is here with the same name,
parameters, defaults and return values. On top of it, :meth:`Dumper.plan`
computes the :class:`~diskette_tui.core.plan.DumpPlan` that the preview,
``check`` and the archive writer all read, and :meth:`Dumper.execute` writes
a plan atomically.
"""

from __future__ import annotations

import copy
import datetime
import json
from collections import Counter
from pathlib import Path

from .. import __version__
from ..exceptions import ApplicationRegistryError, ConfigError, DumperError
from ..loggers import NoOperationLogger
from . import serializers
from .archive import ArchiveWriter
from .definitions import ApplicationConfig, DrainApplicationConfig
from .manifest import build_manifest, dump_manifest
from .ordering import Relation
from .plan import (
    DefinitionPlan,
    DumpPlan,
    FilenameError,
    ModelPlan,
    format_filename,
)
from .progress import ProgressUpdate, no_progress
from .storages import check_patterns, scan_storages, validate_storages

DEFAULT_FILENAME = "diskette{features}.tar.gz"


class Dumper:
    """Collects application data and storage files into an archive.

    ``apps`` is a list of definitions: dicts with a ``name`` key, or diskette's
    ``(name, options)`` pairs. They are copied, never changed. ``executable``
    prefixes the command lines of :meth:`build_commands`;
    ``storages_basepath`` (default: the current folder) is the folder storage
    archive names are relative to; ``storages_excludes`` are gitignore-style
    patterns; ``indent`` indents the data dumps; ``logger`` receives messages.
    """

    MANIFEST_FILENAME = "manifest.json"

    def __init__(
        self,
        apps,
        executable=None,
        storages_basepath=None,
        storages=None,
        storages_excludes=None,
        logger=None,
        indent=None,
    ):
        self.storages_basepath = Path(storages_basepath) if storages_basepath else Path.cwd()
        self.executable = executable + " " if executable else ""
        self.logger = logger or NoOperationLogger()
        self.storages = [Path(item) for item in storages or []]
        self.storages_excludes = list(storages_excludes or [])
        self.indent = indent
        self.now = datetime.datetime.now().replace(microsecond=0)
        self.definitions = self._normalize(apps)
        self.apps = self.load(apps)

    # Definitions -------------------------------------------------------------

    @staticmethod
    def _normalize(apps) -> list[tuple[str, dict]]:
        """``(name, options)`` pairs, deep-copied so callers' data never changes."""
        pairs = []
        for item in apps or []:
            if isinstance(item, dict):
                options = copy.deepcopy(item)
                pairs.append((options.pop("name", None), options))
            else:
                name, options = item
                pairs.append((name, copy.deepcopy(dict(options))))
        return pairs

    def get_diskette_version(self):
        """Version recorded in manifests: this package's version."""
        return __version__

    def get_drain_exclusions(self, apps, drain_excluded=False):
        """Labels a drain must leave to the given (non-drain) definitions.

        With ``drain_excluded`` the drain takes the exclusions of definitions
        that ``allow_drain`` (it follows their ``retention``); otherwise it
        leaves both their included and excluded models.
        """
        labels = []
        for app in apps:
            if app.is_drain:
                continue
            labels.extend(app.retention if drain_excluded else [*app.models, *app.excludes])
        return list(dict.fromkeys(labels))

    def load(self, apps):
        """Build definition objects: normal ones first, then drains."""
        normal, drains = [], []
        for name, options in self._normalize(apps):
            options = dict(options)
            if options.pop("is_drain", False):
                drains.append((name, options))
            else:
                normal.append(ApplicationConfig(name, **options))
        built = list(normal)
        for name, options in drains:
            drain = DrainApplicationConfig(name, **options)
            drain.drain_exclusions = self.get_drain_exclusions(
                normal, drain_excluded=drain.drain_excluded
            )
            built.append(drain)
        return built

    def dump_options(self):
        """``dumpdata`` options of each definition."""
        return [app.as_options() for app in self.apps]

    def payload(self):
        """Configuration payload of each definition (as in the manifest)."""
        return [app.as_config() for app in self.apps]

    def build_commands(self, destination=None, indent=None):
        """``(name, shell command line)`` for each definition."""
        return [
            (
                app.name,
                serializers.command_line(
                    app,
                    executable=self.executable.strip(),
                    destination=destination,
                    indent=indent,
                ),
            )
            for app in self.apps
        ]

    def dump_data(self, destination=None, indent=None, check=False):
        """Run ``dumpdata`` for each definition, in one read transaction.

        With ``destination`` each dump is written there and the output is a JSON
        string naming the file; without it the output is the dumped data. With
        ``check`` nothing is queried or written: the output describes the call.
        """
        if check:
            results = []
            for app in self.apps:
                labels, options = serializers.call_options(app, indent=indent)
                results.append((app.name, {"models": labels, "options": options}))
            return results
        results = []
        with serializers.snapshot():
            for app in self.apps:
                self.logger.info(f"Dumping data for definition '{app.name}'")
                if destination:
                    path = Path(destination) / app.filename
                    serializers.dump_definition(app, path, indent=indent)
                    results.append((app.name, json.dumps({"destination": str(path)})))
                else:
                    import tempfile

                    with tempfile.TemporaryDirectory() as tmp:
                        path = Path(tmp) / app.filename
                        serializers.dump_definition(app, path, indent=indent)
                        results.append((app.name, path.read_text(encoding="utf-8")))
        return results

    # Validation --------------------------------------------------------------

    def application_problems(self) -> list[str]:
        """Every problem of the definitions, one line each."""
        problems = []
        names = Counter(app.name for app in self.apps)
        for app in self.apps:
            if not isinstance(app.name, str) or not app.name.strip():
                problems.append("a definition has no name")
        problems += [
            f"definition name '{name}' is used {count} times"
            for name, count in names.items()
            if count > 1 and isinstance(name, str)
        ]
        files = Counter(app.filename for app in self.apps if isinstance(app.filename, str))
        problems += [
            f"dump filename '{name}' is used by {count} definitions"
            for name, count in files.items()
            if count > 1
        ]
        for app in self.apps:
            problems += app.problems()
        return problems

    def validate_applications(self):
        """Raise :class:`ApplicationRegistryError` with every definition problem."""
        problems = self.application_problems()
        if problems:
            raise ApplicationRegistryError(problems=problems)

    def storage_problems(self) -> list[str]:
        """Every problem of the storages and their patterns, one line each."""
        return validate_storages(self.storages, self.storages_basepath) + check_patterns(
            self.storages_excludes
        )

    def validate_storages(self):
        """Raise :class:`DumperError` with every storage problem."""
        problems = self.storage_problems()
        if problems:
            raise DumperError(problems=problems)

    def validate(self):
        """Check definitions and storages; raise one ConfigError listing every problem."""
        problems = self.application_problems() + self.storage_problems()
        if problems:
            raise ConfigError(problems=problems)

    # Naming and manifest -------------------------------------------------------

    def format_archive_filename(self, filename, with_data=False, with_storages=False):
        """Fill ``{features}`` and ``{date}`` in an archive filename."""
        features = ("_data" if with_data else "") + ("_storages" if with_storages else "")
        try:
            return format_filename(filename, features, self.now)
        except FilenameError as exc:
            raise DumperError(str(exc)) from None

    def build_dump_manifest(self, destination, data_path, with_data=True, with_storages=True):
        """Write ``manifest.json`` into the ``destination`` folder; return its path.

        ``data_path`` is the folder (inside ``destination``) that holds the data
        dumps; their manifest names are relative to ``destination``.
        """
        destination = Path(destination)
        plan = self.plan(
            destination=destination,
            with_data=with_data,
            with_storages=with_storages,
            scan=False,
        )
        manifest = build_manifest(plan, self.get_diskette_version())
        if with_data:
            prefix = Path(data_path).relative_to(destination).as_posix()
            manifest["datas"] = [f"{prefix}/{app.filename}" for app in self.apps]
        path = destination / self.MANIFEST_FILENAME
        path.write_bytes(dump_manifest(manifest))
        return path

    # Plan and execution ---------------------------------------------------------

    def plan(
        self,
        destination=None,
        filename=DEFAULT_FILENAME,
        with_data=True,
        with_storages=True,
        with_storages_excludes=True,
        count_rows=False,
        only=None,
        scan=True,
        progress=None,
        is_cancelled=None,
    ) -> DumpPlan:
        """Compute what a dump would write, without writing anything.

        ``only`` names the definitions to select (all by default; drains still
        leave what the unselected ones own). ``count_rows`` counts each model's
        rows in one read transaction. ``scan`` walks the storages.
        """
        progress = progress or no_progress
        names = [app.name for app in self.apps]
        if only is not None:
            unknown = [name for name in only if name not in names]
            if unknown:
                raise ConfigError(
                    problems=[
                        f"unknown definition '{name}' (known: {', '.join(names)})"
                        for name in unknown
                    ]
                )
        try:
            format_filename(filename, "", self.now)
        except FilenameError as exc:
            raise DumperError(str(exc)) from None
        definitions = []
        with serializers.snapshot():
            for index, app in enumerate(self.apps):
                progress(ProgressUpdate("plan", app.name, index, len(self.apps)))
                definitions.append(self._definition_plan(app, count_rows, only))
        storages = ()
        if scan and with_storages:
            storages = scan_storages(
                self.storages,
                self.storages_basepath,
                self.storages_excludes,
                with_storages_excludes=with_storages_excludes,
                progress=progress,
                is_cancelled=is_cancelled,
            )
        return DumpPlan(
            definitions=tuple(definitions),
            storages=tuple(storages),
            destination=Path(destination) if destination else Path.cwd(),
            filename_template=filename,
            created=self.now,
            storages_basepath=self.storages_basepath,
            with_data=with_data,
            with_storages=with_storages,
            with_storages_excludes=with_storages_excludes,
            indent=self.indent,
        )

    def _definition_plan(self, app, count_rows, only) -> DefinitionPlan:
        registry = app.registry
        labels = app.models
        models = tuple(
            ModelPlan(
                label,
                registry.count_rows(label, app.use_base_manager) if count_rows else None,
            )
            for label in labels
        )
        relations = tuple(
            Relation(label, field, target)
            for label in labels
            for field, target in registry.relations(label)
        )
        return DefinitionPlan(
            name=app.name,
            filename=app.filename,
            format=app.format,
            is_drain=app.is_drain,
            models=models,
            excludes=tuple(app.explicit_excludes),
            implicit_excludes=tuple(app.implicit_excludes),
            drain_excludes=tuple(app.drain_exclusions) if app.is_drain else (),
            options=app.as_options(),
            payload=app.as_config(),
            command=serializers.command_line(
                app, executable=self.executable.strip(), indent=self.indent
            ),
            relations=relations,
            selected=only is None or app.name in only,
        )

    def _dump_planned(self, definitions, workdir, progress):
        """Dump the planned definitions into ``workdir`` inside one read transaction."""
        by_name = {app.name: app for app in self.apps}
        written = {}
        with serializers.snapshot():
            for index, item in enumerate(definitions):
                progress(ProgressUpdate("data", item.name, index, len(definitions)))
                self.logger.info(f"Dumping data for definition '{item.name}'")
                path = Path(workdir) / item.filename
                serializers.dump_definition(by_name[item.name], path, indent=self.indent)
                written[item.archive_name] = (path, serializers.count_objects(path, item.format))
            progress(ProgressUpdate("data", "", len(definitions), len(definitions)))
        return written

    def execute(self, plan, progress=None, chmod=None, dir_chmod=None, environment=None):
        """Write ``plan`` as an archive, atomically; return the ArchiveResult."""
        if not plan.has_data and not plan.has_storages:
            raise DumperError("nothing to dump: no definition and no storage selected")

        def manifest_factory(objects):
            return build_manifest(
                plan,
                self.get_diskette_version(),
                objects=objects,
                environment=environment,
            )

        writer = ArchiveWriter(
            plan,
            self._dump_planned,
            manifest_factory,
            chmod=chmod,
            dir_chmod=dir_chmod,
            progress=progress,
        )
        return writer.write()

    def make_archive(
        self,
        destination,
        filename,
        with_data=True,
        with_storages=True,
        with_storages_excludes=True,
        destination_chmod=0o644,
        plan=None,
        progress=None,
        dir_chmod=None,
        environment=None,
    ):
        """Dump data and storages into an archive; return its path.

        ``destination_chmod`` applies to the archive and to the destination folder
        when it has to be created (diskette's behaviour; ``dir_chmod`` overrides
        the latter). A ``plan`` computed beforehand is written as it is.
        """
        _require_a_kind(with_data, with_storages)
        plan = plan or self.plan(
            destination=destination,
            filename=filename,
            with_data=with_data,
            with_storages=with_storages,
            with_storages_excludes=with_storages_excludes,
        )
        result = self.execute(
            plan,
            progress=progress,
            chmod=destination_chmod,
            dir_chmod=dir_chmod if dir_chmod is not None else destination_chmod,
            environment=environment,
        )
        return result.path

    def make_script(
        self, destination, with_data=True, with_storages=True, with_storages_excludes=True
    ):
        """Shell command lines that dump the data, each after a comment naming it."""
        _require_a_kind(with_data, with_storages)
        if not with_data:
            return ""
        return "\n".join(
            f"# {name}\n{command}"
            for name, command in self.build_commands(destination=destination, indent=self.indent)
        )

    def check(
        self,
        destination,
        filename,
        with_data=True,
        with_storages=True,
        with_storages_excludes=True,
        destination_chmod=0o644,
        plan=None,
    ):
        """Report what would be done through the logger; return the archive path."""
        _require_a_kind(with_data, with_storages)
        plan = plan or self.plan(
            destination=destination,
            filename=filename,
            with_data=with_data,
            with_storages=with_storages,
            with_storages_excludes=with_storages_excludes,
        )
        for item in plan.selected_definitions:
            self.logger.info(f"Would dump '{item.name}' to {item.archive_name}")
            self.logger.debug(f"- Including: {', '.join(item.labels)}")
        for warning in plan.warnings:
            self.logger.warning(warning.message)
        if plan.with_storages:
            if not plan.files:
                self.logger.warning("No file has been found in any storage")
            else:
                self.logger.info(f"{plan.files} file(s) would be collected, {plan.size} bytes")
        return plan.archive_path


def _require_a_kind(with_data, with_storages):
    """diskette's rule: a dump holds data, storages or both."""
    if not with_data and not with_storages:
        raise DumperError("Arguments 'with_data' and 'with_storages' can not be both 'False'")
