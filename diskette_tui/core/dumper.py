"""The dump manager: diskette's ``Dumper`` API, built on the plan.

Every method of ``diskette.core.dumper.Dumper`` is here with the same name,
parameters, defaults and return values. On top of it,
:meth:`Dumper.from_config` builds the engine from a configuration,
:meth:`Dumper.plan` checks a :class:`~diskette_tui.core.requests.DumpRequest`
and computes the :class:`~diskette_tui.core.plan.DumpPlan` that the preview,
``check`` and the archive writer all read, and :meth:`Dumper.execute` writes
a plan atomically. The seed's methods are built on these two.
"""

from __future__ import annotations

import copy
import datetime
import json
import tempfile
from collections import Counter
from pathlib import Path

from .. import __version__
from ..exceptions import (
    ApplicationRegistryError,
    ConfigError,
    DestinationError,
    DumperError,
    DumpFailed,
)
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
from .requests import DEFAULT_FILENAME, DumpRequest
from .storages import check_patterns, scan_storages, validate_storages

__all__ = ["DEFAULT_FILENAME", "Dumper"]


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

    @classmethod
    def from_config(cls, config, logger=None) -> Dumper:
        """The Dumper of a configuration, validated: the one way front ends build it.

        Raises one :class:`ConfigError` listing every problem of the
        definitions and storages, or saying that nothing is configured.
        """
        if not config.apps and not config.storages:
            raise ConfigError(
                f"nothing configured to dump in {config.source or 'the configuration'}"
            )
        dumper = cls(
            config.apps,
            executable=config.executable,
            storages_basepath=config.storages_basepath,
            storages=config.storages,
            storages_excludes=config.storages_excludes,
            logger=logger,
            indent=config.indent,
        )
        dumper.validate()
        return dumper

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
        if destination:
            paths = self._run_dumps(self.apps, destination, indent)
            return [
                (app.name, json.dumps({"destination": str(path)}))
                for app, path in zip(self.apps, paths, strict=True)
            ]
        with tempfile.TemporaryDirectory() as workdir:
            paths = self._run_dumps(self.apps, workdir, indent)
            return [
                (app.name, path.read_text(encoding="utf-8"))
                for app, path in zip(self.apps, paths, strict=True)
            ]

    def _run_dumps(self, apps, workdir, indent, progress=None, on_snapshot=None) -> list[Path]:
        """Dump ``apps`` into ``workdir`` with the one dump loop; log each definition."""
        progress = progress or no_progress

        def logged(update: ProgressUpdate) -> None:
            if update.stage == "data" and update.item:
                self.logger.info(f"Dumping data for definition '{update.item}'")
            progress(update)

        return serializers.dump_definitions(
            apps, workdir, indent=indent, progress=logged, on_snapshot=on_snapshot
        )

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
        drains = [str(app.name) for app in self.apps if app.is_drain]
        if len(drains) > 1:
            named = ", ".join(f"'{name}'" for name in drains)
            problems.append(
                f"only one drain is allowed, {len(drains)} are defined ({named}): each would "
                "dump every model the others leave; keep one"
            )
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
        executable = serializers.executable_problem(self.executable)
        if executable:
            problems.append(executable)
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
        request = DumpRequest(
            destination,
            with_data=with_data,
            with_storages=with_storages,
            count_rows=False,
            scan=False,
        )
        plan = self.plan(request)
        manifest = build_manifest(plan, self.get_diskette_version())
        if with_data:
            prefix = Path(data_path).relative_to(destination).as_posix()
            manifest["datas"] = [f"{prefix}/{app.filename}" for app in self.apps]
        path = destination / self.MANIFEST_FILENAME
        path.write_bytes(dump_manifest(manifest))
        return path

    # Plan and execution ---------------------------------------------------------

    def request_problems(self, request: DumpRequest) -> list[str]:
        """Every problem of ``request`` for this Dumper, one line each.

        The request's own problems (:meth:`DumpRequest.problems`), definition
        names in ``apps`` that do not exist, a filename template that cannot be
        used, a destination that exists and is not a folder.
        """
        problems = request.problems()
        names = [app.name for app in self.apps]
        problems += [
            f"unknown definition '{name}' for --app (known: {', '.join(names)})"
            for name in request.apps or ()
            if name not in names
        ]
        try:
            format_filename(request.filename, "", self.now)
        except FilenameError as exc:
            problems.append(str(exc))
        destination = request.destination
        if destination.exists() and not destination.is_dir():
            problems.append(f"destination is not a folder: {destination}")
        return problems

    def check_request(self, request: DumpRequest) -> None:
        """Raise one :class:`ConfigError` listing every problem of ``request``."""
        problems = self.request_problems(request)
        if problems:
            raise ConfigError(problems=problems)

    def plan(self, request: DumpRequest, progress=None, is_cancelled=None) -> DumpPlan:
        """Check ``request`` and compute what its dump would write, writing nothing.

        Drains leave what every definition owns, selected or not. With
        ``request.count_rows`` each model's rows are counted in one read
        transaction; with ``request.scan`` the storages are walked
        (``is_cancelled`` can stop the walk) and the destination is checked:
        :class:`DestinationError` when the archive could not be written there
        (:meth:`DumpPlan.destination_problems`).
        """
        self.check_request(request)
        progress = progress or no_progress
        storages = ()
        definitions, snapshot = self._definition_plans(request, progress)
        if request.scan and request.with_storages:
            storages = scan_storages(
                self.storages,
                self.storages_basepath,
                self.storages_excludes,
                with_storages_excludes=request.with_storages_excludes,
                progress=progress,
                is_cancelled=is_cancelled,
            )
        plan = DumpPlan(
            definitions=definitions,
            storages=tuple(storages),
            request=request,
            created=self.now,
            storages_basepath=self.storages_basepath,
            indent=self.indent,
            snapshot=snapshot,
        )
        if request.scan:
            _require_writable(plan)
        return plan

    def _definition_plans(self, request: DumpRequest, progress):
        """Every definition's plan, and the :class:`Snapshot` their row counts read."""
        definitions = []
        with serializers.snapshot() as snapshot:
            for index, app in enumerate(self.apps):
                progress(ProgressUpdate("plan", app.name, index, len(self.apps)))
                definitions.append(self._definition_plan(app, request))
        return tuple(definitions), snapshot

    def _definition_plan(self, app, request: DumpRequest) -> DefinitionPlan:
        registry = app.registry
        labels = app.models
        models = tuple(
            ModelPlan(
                label,
                registry.count_rows(label, app.use_base_manager) if request.count_rows else None,
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
            selected=request.apps is None or app.name in request.apps,
        )

    def _dump_planned(self, definitions, workdir, progress, on_snapshot=None) -> dict:
        """Dump the planned definitions into ``workdir``: ``{archive name: (path, objects)}``."""
        by_name = {app.name: app for app in self.apps}
        apps = [by_name[item.name] for item in definitions]
        paths = self._run_dumps(apps, workdir, self.indent, progress, on_snapshot)
        return {
            item.archive_name: (path, serializers.count_objects(path, item.format))
            for item, path in zip(definitions, paths, strict=True)
        }

    def execute(self, plan: DumpPlan, progress=None):
        """Write ``plan`` as an archive, atomically; return the ArchiveResult.

        The archive and new-folder modes are the request's; the manifest records
        the Python, Django and database versions, and the snapshot the data dumps read.
        A plan with unreadable storage entries (and no ``skip_unreadable``) raises
        :class:`DumpFailed` naming each, before anything is written.
        """
        if plan.writes_nothing:
            raise DumperError("nothing to dump: no definition and no storage selected")
        if plan.unreadable_problems:
            raise DumpFailed(problems=plan.unreadable_problems)
        _require_writable(plan)
        environment = serializers.environment()
        used = {}

        def dump_data(definitions, workdir, progress):
            return self._dump_planned(
                definitions, workdir, progress, on_snapshot=lambda found: used.update(found=found)
            )

        def manifest_factory(objects):
            return build_manifest(
                plan,
                self.get_diskette_version(),
                objects=objects,
                environment=environment,
                snapshot=used.get("found"),
            )

        writer = ArchiveWriter(
            plan,
            dump_data,
            manifest_factory,
            chmod=plan.request.chmod,
            dir_chmod=plan.request.dir_chmod,
            progress=progress,
        )
        return writer.write()

    # The seed's entry points, on top of plan and execute --------------------------

    def make_archive(
        self,
        destination,
        filename,
        with_data=True,
        with_storages=True,
        with_storages_excludes=True,
        destination_chmod=0o644,
    ):
        """Dump data and storages into an archive; return its path.

        ``destination_chmod`` applies to the archive and to the destination folder
        when it has to be created (diskette's behaviour).
        """
        request = _seed_request(
            destination,
            filename,
            with_data,
            with_storages,
            with_storages_excludes,
            destination_chmod,
        )
        return self.execute(self.plan(request)).path

    def make_script(
        self, destination, with_data=True, with_storages=True, with_storages_excludes=True
    ):
        """A shell script of the command lines that dump the data, each after a comment.

        It starts with ``set -e`` and a quoted ``mkdir -p`` of ``destination``;
        every word is shell-quoted and a comment stays one line whatever the
        definition's name holds.
        """
        _require_a_kind(with_data, with_storages)
        if not with_data:
            return ""
        commands = self.build_commands(destination=destination, indent=self.indent)
        return serializers.shell_script(commands, destination)

    def check(
        self,
        destination,
        filename,
        with_data=True,
        with_storages=True,
        with_storages_excludes=True,
        destination_chmod=0o644,
    ):
        """Report what would be done through the logger; return the archive path."""
        request = _seed_request(
            destination,
            filename,
            with_data,
            with_storages,
            with_storages_excludes,
            destination_chmod,
        )
        plan = self.plan(request)
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


def _seed_request(
    destination, filename, with_data, with_storages, with_storages_excludes, destination_chmod
) -> DumpRequest:
    """The request of a seed method's arguments (``destination_chmod`` for both modes)."""
    _require_a_kind(with_data, with_storages)
    return DumpRequest(
        destination,
        filename or DEFAULT_FILENAME,
        with_data=with_data,
        with_storages=with_storages,
        with_storages_excludes=with_storages_excludes,
        chmod=destination_chmod,
        dir_chmod=destination_chmod,
        count_rows=False,
    )


def _require_writable(plan: DumpPlan) -> None:
    """Raise :class:`DestinationError` when the plan's archive could not be written."""
    problems = plan.destination_problems()
    if problems:
        raise DestinationError(problems=problems)


def _require_a_kind(with_data, with_storages):
    """diskette's rule: a dump holds data, storages or both."""
    if not with_data and not with_storages:
        raise DumperError("Arguments 'with_data' and 'with_storages' can not be both 'False'")
