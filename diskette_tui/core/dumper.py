"""The dump manager: diskette's ``Dumper`` API, built on the plan.

Every method of ``diskette.core.dumper.Dumper`` is here with the same name,
parameters, defaults and return values. On top of it,
:meth:`Dumper.from_config` builds the engine from a configuration,
:meth:`Dumper.plan` checks a :class:`~diskette_tui.core.requests.DumpRequest`
and computes the :class:`~diskette_tui.core.plan.DumpPlan` that the preview,
``check`` and the archive writer all read, and :meth:`Dumper.execute` writes
a plan atomically. The seed's methods are built on these two.

As diskette's, the constructor refuses definitions that share a name, and
ours also those that share a dump filename (:class:`DumperError`): two dumps
must never become one archive member.
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
from . import integrity, serializers
from .archive import ArchiveWriter
from .definitions import ApplicationConfig, DrainApplicationConfig
from .manifest import GENERATOR, build_manifest, dump_manifest
from .ordering import Relation
from .plan import (
    DefinitionPlan,
    DumpPlan,
    FilenameError,
    ModelPlan,
    clashing_names,
    format_filename,
)
from .progress import ProgressUpdate, no_progress
from .requests import DEFAULT_FILENAME, DumpRequest
from .storages import (
    FNMATCH,
    ExcludePatterns,
    check_patterns,
    scan_storages,
    storage_arcname,
    validate_storages,
)

__all__ = ["DEFAULT_FILENAME", "Dumper"]

#: Archive permissions of :meth:`Dumper.make_archive` without ``destination_chmod``
#: nor ``DISKETTE_DUMP_PERMISSIONS`` (the seed's documented default).
DEFAULT_ARCHIVE_MODE = 0o644


class Dumper:
    """Collects application data and storage files into an archive.

    ``apps`` is a list of definitions: dicts with a ``name`` key, or diskette's
    ``(name, options)`` pairs. They are copied, never changed. ``executable``
    prefixes the command lines of :meth:`build_commands`;
    ``storages_basepath`` (default: the current folder) is the folder storage
    archive names are relative to; ``storages_excludes`` are patterns in
    ``storages_excludes_syntax``: diskette's fnmatch by default (``*`` crosses
    ``/``), ``"gitignore"`` for gitignore-style ones (what
    :meth:`from_config` passes for a ``diskette.toml``); ``indent`` indents the
    data dumps; ``logger`` receives messages.

    Raises :class:`DumperError` when two definitions share a name (diskette's
    message: ``There was some duplicate names from applications: …``) or a
    dump filename.
    """

    MANIFEST_FILENAME = "manifest.json"
    #: The management command of definitions without ``dump_command``.
    COMMAND_NAME = serializers.COMMAND_NAME

    def __init__(
        self,
        apps,
        executable=None,
        storages_basepath=None,
        storages=None,
        storages_excludes=None,
        logger=None,
        indent=None,
        storages_excludes_syntax=FNMATCH,
    ):
        self.storages_basepath = Path(storages_basepath) if storages_basepath else Path.cwd()
        self.executable = executable + " " if executable else ""
        self.logger = logger or NoOperationLogger()
        self.storages = [Path(item) for item in storages or []]
        self.storages_excludes = list(storages_excludes or [])
        self.storages_excludes_syntax = storages_excludes_syntax
        self.indent = indent
        self.now = datetime.datetime.now().replace(microsecond=0)
        self.definitions = self._normalize(apps)
        self.apps = self.load(apps)

    @classmethod
    def from_config(cls, config, logger=None) -> Dumper:
        """The Dumper of a configuration, validated: the one way front ends build it.

        The storage patterns keep the meaning of their source
        (``config.storages_excludes_syntax``). Raises one :class:`ConfigError`
        listing every problem of the definitions and storages (a
        :class:`DumperError` when definitions share a name or a dump filename),
        or saying that nothing is configured.
        """
        if not config.apps and not config.storages:
            raise ConfigError(
                f"nothing configured to dump in {config.source or 'the configuration'}"
            )
        message, duplicates, unique = _duplicates(cls._normalize(config.apps))
        dumper = cls(
            unique,
            executable=config.executable,
            storages_basepath=config.storages_basepath,
            storages=config.storages,
            storages_excludes=config.storages_excludes,
            logger=logger,
            indent=config.indent,
            storages_excludes_syntax=config.storages_excludes_syntax,
        )
        if duplicates:
            # Every other problem too, found on the definitions without the repeats.
            problems = dumper.application_problems() + dumper.storage_problems()
            raise DumperError(message, problems=duplicates + problems)
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
        leaves both their included and excluded models. As diskette's: each
        definition's labels in turn, a label repeated when several leave it.
        Drains in ``apps`` are skipped (they leave nothing to another drain).
        """
        labels = []
        for app in apps:
            if app.is_drain:
                continue
            retention = app.retention
            if drain_excluded:
                labels.extend(retention)
            else:
                labels.extend([*retention, *(x for x in app.excludes if x not in retention)])
        return labels

    def load(self, apps):
        """Build definition objects: normal ones first, then drains.

        Raises :class:`DumperError` when two definitions share a name (as
        diskette) or a dump filename, before building anything.
        """
        message, duplicates, _unique = _duplicates(self._normalize(apps))
        if duplicates:
            raise DumperError(message, problems=duplicates)
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
            drain.drain_exclusions = list(
                dict.fromkeys(
                    self.get_drain_exclusions(normal, drain_excluded=drain.drain_excluded)
                )
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
            (app.name, self.command(app, destination=destination, indent=indent))
            for app in self.apps
        ]

    def get_command_name(self, application):
        """The management command that dumps ``application``: its ``dump_command``
        or :attr:`COMMAND_NAME`."""
        return getattr(application, "dump_command", None) or self.COMMAND_NAME

    def command(self, application, destination=None, indent=None):
        """The shell command line that dumps ``application`` (see :meth:`build_commands`).

        ``destination`` is the folder its dump file is written to, ``indent``
        the indentation of the dump; the Dumper's ``executable`` prefixes it.
        """
        return serializers.command_line(
            application,
            executable=self.executable.strip(),
            destination=destination,
            indent=indent,
        )

    def call(self, application, destination=None, indent=None, traceback=False, check=False):
        """Dump one definition with Django's command, in this process.

        As diskette's: with ``check`` nothing is queried and the result is a dict
        of the labels and the command's options (``{"models", "options"}``);
        with ``destination`` (a folder) the dump is written there as the
        definition's filename and the result is the JSON string
        ``{"destination": path}``; otherwise the result is the dumped data.
        ``traceback`` is accepted for compatibility: an in-process failure
        always raises with its traceback.
        """
        if check:
            labels, options = serializers.call_options(application, indent=indent)
            return {"models": labels, "options": options}
        self.logger.info(f"Dumping data for definition '{application.name}'")
        if destination:
            path = Path(destination) / application.filename
            serializers.dump_definition(application, path, indent=indent)
            return json.dumps({"destination": str(path)})
        with tempfile.TemporaryDirectory() as workdir:
            path = Path(workdir) / application.filename
            serializers.dump_definition(application, path, indent=indent)
            return path.read_text(encoding="utf-8")

    def dump_data(self, destination=None, indent=None, check=False):
        """Run ``dumpdata`` for each definition, in one read transaction.

        With ``destination`` each dump is written there and the output is a JSON
        string naming the file; without it the output is the dumped data. With
        ``check`` nothing is queried or written: the output describes the call.
        """
        if check:
            return [(app.name, self.call(app, indent=indent, check=True)) for app in self.apps]
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

    def _run_dumps(
        self, apps, workdir, indent, progress=None, on_snapshot=None, counts=None
    ) -> list[Path]:
        """Dump ``apps`` into ``workdir`` with the one dump loop; log each definition.

        ``counts`` (a dict) gets the object count of each dump counted while written.
        """
        progress = progress or no_progress

        def logged(update: ProgressUpdate) -> None:
            if update.stage == "data" and update.item:
                self.logger.info(f"Dumping data for definition '{update.item}'")
            progress(update)

        return serializers.dump_definitions(
            apps, workdir, indent=indent, progress=logged, on_snapshot=on_snapshot, counts=counts
        )

    # Validation --------------------------------------------------------------

    def application_problems(self) -> list[str]:
        """Every problem of the definitions, one line each."""
        return [line for lines in self._problems_by_definition().values() for line in lines]

    def _problems_by_definition(self) -> dict:
        """Each invalid definition's name (its repr when it has none) and its problem lines.

        Definitions that share a name or a dump filename are refused when the
        Dumper is built (:meth:`load`); a Dumper whose ``apps`` were changed
        afterwards gets them reported here.
        """
        problems: dict = {}
        for app in self.apps:
            key = app.name if isinstance(app.name, str) and app.name.strip() else repr(app)
            lines = [] if key == app.name else ["a definition has no name"]
            lines += app.problems()
            if lines:
                problems.setdefault(key, []).extend(lines)
        _message, duplicates, _unique = _duplicates(
            [(app.name, {"filename": app.filename}) for app in self.apps]
        )
        if duplicates:
            problems.setdefault("(duplicates)", []).extend(duplicates)
        drains = [str(app.name) for app in self.apps if app.is_drain]
        if len(drains) > 1:
            named = ", ".join(f"'{name}'" for name in drains)
            problems.setdefault("(drains)", []).append(
                f"only one drain is allowed, {len(drains)} are defined ({named}): each would "
                "dump every model the others leave; keep one"
            )
        return problems

    def validate_applications(self):
        """Raise :class:`ApplicationRegistryError` with every definition problem.

        Its ``error_messages`` maps each invalid definition's name to its
        problems (joined by ``; ``), as diskette's; ``problems`` and
        ``get_payload_details()`` have one line per problem.
        """
        by_name = self._problems_by_definition()
        if by_name:
            raise ApplicationRegistryError(
                problems=[line for lines in by_name.values() for line in lines],
                error_messages={name: "; ".join(lines) for name, lines in by_name.items()},
            )

    def storage_problems(self) -> list[str]:
        """Every problem of the storages and their patterns, one line each."""
        return validate_storages(self.storages, self.storages_basepath) + check_patterns(
            self.storages_excludes, self.storages_excludes_syntax
        )

    def validate_storages(self):
        """Raise :class:`DumperError` with every storage problem."""
        problems = self.storage_problems()
        if problems:
            raise DumperError(problems=problems)

    def validate(self):
        """Check definitions and storages; raise one error listing every problem.

        As diskette's, invalid definitions raise :class:`ApplicationRegistryError`
        (its ``problems`` also list the other problems) and invalid storages (or
        executable) alone :class:`DumperError`; both are :class:`ConfigError`.
        """
        others = self.storage_problems()
        executable = serializers.executable_problem(self.executable)
        if executable:
            others.append(executable)
        try:
            self.validate_applications()
        except ApplicationRegistryError as exc:
            exc.problems += others
            raise
        if others:
            raise DumperError(problems=others)

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

        As diskette's, it reads neither the database nor the storages: ``datas``
        are the definitions' dump files in ``data_path`` (a folder inside
        ``destination``), relative to ``destination``; ``storages`` the storage
        paths relative to ``storages_basepath``; each is None when its kind is
        off. ``generator`` names diskette-tui.
        """
        destination = Path(destination)
        manifest = {
            "version": self.get_diskette_version(),
            "creation": self.now.isoformat(timespec="seconds"),
            "datas": None,
            "storages": None,
            "generator": GENERATOR,
        }
        if with_data:
            manifest["datas"] = [
                (Path(data_path) / app.filename).relative_to(destination).as_posix()
                for app in self.apps
            ]
        if with_storages:
            manifest["storages"] = [
                storage_arcname(storage, self.storages_basepath) for storage in self.storages
            ]
        path = destination / self.MANIFEST_FILENAME
        path.write_bytes(dump_manifest(manifest))
        return path

    # Storages, as diskette's StorageMixin -----------------------------------------

    def is_allowed_path(self, path):
        """Whether a file at ``path`` (relative to its storage) escapes every exclusion pattern.

        The patterns keep their meaning (``storages_excludes_syntax``): with
        diskette's fnmatch, ``foo/*.txt`` excludes ``foo/bar/bar.txt``.
        """
        patterns = ExcludePatterns(self.storages_excludes, self.storages_excludes_syntax)
        return patterns.match(Path(path).as_posix()) is None

    def get_file_size(self, path):
        """Size in bytes of the file at ``path`` (diskette's shortcut)."""
        return Path(path).stat().st_size

    def iter_storages_files(self, allow_excludes=True):
        """``(path, archive name as a Path)`` of every file and kept link of the storages.

        The same walk as the archive's, in its order (sorted by name); with
        ``allow_excludes`` False the exclusion patterns are ignored. Folders
        are not listed; links that leave their storage are skipped.
        """
        self.validate_storages()
        for storage in scan_storages(
            self.storages,
            self.storages_basepath,
            self.storages_excludes,
            with_storages_excludes=allow_excludes,
            syntax=self.storages_excludes_syntax,
        ):
            for entry in storage.entries:
                if entry.kind != "dir":
                    yield entry.path, Path(entry.arcname)

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
        definitions, snapshot, checks = self._definition_plans(request, progress)
        if request.scan and request.with_storages:
            storages = scan_storages(
                self.storages,
                self.storages_basepath,
                self.storages_excludes,
                with_storages_excludes=request.with_storages_excludes,
                progress=progress,
                is_cancelled=is_cancelled,
                syntax=self.storages_excludes_syntax,
            )
        plan = DumpPlan(
            definitions=definitions,
            storages=tuple(storages),
            request=request,
            created=self.now,
            storages_basepath=self.storages_basepath,
            indent=self.indent,
            snapshot=snapshot,
            checks=checks,
        )
        if request.scan:
            _require_writable(plan)
        return plan

    def _definition_plans(self, request: DumpRequest, progress):
        """Every definition's plan, the :class:`Snapshot` their row counts read, and what
        the rows hold (:func:`integrity.check_data`, when rows are counted for a dump
        with data)."""
        definitions = []
        with serializers.snapshot() as snapshot:
            for index, app in enumerate(self.apps):
                progress(ProgressUpdate("plan", app.name, index, len(self.apps)))
                definitions.append(self._definition_plan(app, request))
            wanted = request.count_rows and request.with_data  # a storages-only dump reads no rows
            checks = integrity.check_data(self.apps) if wanted else None
        return tuple(definitions), snapshot, checks

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
            # The manifest records what a drain dumped (diskette's payload says []).
            payload={**app.as_config(), "models": list(labels)},
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
        counts = {}  # dumps counted while written (the fast path): no second read
        paths = self._run_dumps(apps, workdir, self.indent, progress, on_snapshot, counts)
        return {
            item.archive_name: (
                path,
                counts[path] if path in counts else serializers.count_objects(path, item.format),
            )
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
            from .restore.remap import recorded_maps  # content types and permissions, for loads

            return build_manifest(
                plan,
                self.get_diskette_version(),
                objects=objects,
                environment=environment,
                snapshot=used.get("found"),
                references=recorded_maps() if plan.selected_definitions else None,
            )

        writer = ArchiveWriter(
            plan,
            dump_data,
            manifest_factory,
            chmod=plan.request.chmod,
            dir_chmod=plan.request.dir_chmod,
            progress=progress,
            compresslevel=plan.request.compresslevel,
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
        destination_chmod=None,
    ):
        """Dump data and storages into an archive; return its path.

        ``destination_chmod`` applies to the archive and to the destination folder
        when it has to be created (diskette's behaviour); without it, the
        ``DISKETTE_DUMP_PERMISSIONS`` setting, else ``0o644``.
        """
        destination_chmod = (
            destination_chmod or serializers.dump_permissions() or DEFAULT_ARCHIVE_MODE
        )
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
        destination_chmod=None,
    ):
        """Report what would be done through the logger; return the archive path."""
        destination_chmod = (
            destination_chmod or serializers.dump_permissions() or DEFAULT_ARCHIVE_MODE
        )
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
    """The request of a seed method's arguments (``destination_chmod`` for both modes).

    A destination folder the dump creates gets ``destination_chmod`` as
    diskette gives it, plus what a folder needs to be used: the owner's
    ``rwx`` and the execute bit wherever reading is granted.
    """
    _require_a_kind(with_data, with_storages)
    folder_mode = destination_chmod | 0o700 | ((destination_chmod & 0o044) >> 2)
    return DumpRequest(
        destination,
        filename or DEFAULT_FILENAME,
        with_data=with_data,
        with_storages=with_storages,
        with_storages_excludes=with_storages_excludes,
        chmod=destination_chmod,
        dir_chmod=folder_mode,
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


def _duplicates(pairs) -> tuple[str, list[str], list]:
    """Definitions that share a name or a dump filename, in ``(name, options)`` pairs.

    Returns the error message (diskette's sentence for names, then ours for
    filenames), one problem line per repeated name or filename, and the pairs
    without the repeats (the first of each name, then of each filename). A
    definition without ``filename`` has the one its name gives; filenames that
    differ only in case clash too. A repeated name is not reported again as
    the filename it gives.
    """
    names = [name for name, _options in pairs if _hashable(name)]
    repeated = [name for name, count in Counter(names).items() if count > 1]
    named, seen_names = [], set()
    for name, options in pairs:
        if _hashable(name):
            if name in seen_names:
                continue
            seen_names.add(name)
        named.append((name, options))
    filenames = [_dump_filename(name, options) for name, options in named]
    clashes = clashing_names(filenames)
    sentences = []
    if repeated:
        sentences.append(
            "There was some duplicate names from applications: "
            + ", ".join(str(name) for name in repeated)
        )
    if clashes:
        sentences.append(
            "There was some duplicate dump filenames from applications: "
            + ", ".join(spellings for spellings, _count in clashes)
        )
    problems = [
        f"definition name '{name}' is used {names.count(name)} times" for name in repeated
    ] + [
        f"dump filename {spellings} is used by {count} definitions" for spellings, count in clashes
    ]
    unique, seen_files = [], set()
    for pair, filename in zip(named, filenames, strict=True):
        folded = filename.casefold() if isinstance(filename, str) else None
        if folded is None or folded not in seen_files:
            seen_files.add(folded)
            unique.append(pair)
    return "; ".join(sentences), problems, unique


def _dump_filename(name, options):
    """The dump filename a definition has: its ``filename``, else its name's."""
    given = options.get("filename") if isinstance(options, dict) else None
    if given:
        return given
    return ApplicationConfig(name).filename if isinstance(name, str) else None


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
