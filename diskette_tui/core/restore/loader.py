"""The Loader: plan a load from a :class:`LoadRequest`, then load data and storages.

:meth:`Loader.plan` checks the request, reads the archive once
(:func:`~..reader.scan`), refuses unsafe members, verifies the checksums and
works out what each data file and storage will do: a :class:`LoadPlan`.
Nothing is written until :meth:`Loader.execute`, which works in three steps
so that a failure leaves things as they were:

1. *stage* (:mod:`.staging`): a second streaming read extracts the chosen data
   files into a private temporary folder and each storage into a temporary
   sibling of its target, checking every digest against the first read;
2. *data* (:mod:`.apply`): ``loaddata`` of each data file in manifest order,
   all inside one ``transaction.atomic()``;
3. *storages*, still inside that transaction: ``replace`` swaps each staged
   folder in by renames (undone if a later one fails), ``merge`` moves the
   staged files over the existing ones.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ...exceptions import ArchiveError, ConfigError
from ...loggers import NoOperationLogger
from ...wording import count, unlisted_warning
from .. import reader
from ..plan import DATA_DIRNAME
from ..progress import ProgressUpdate, no_progress
from ..requests import LoadRequest
from . import apply, post_load
from .plan import NOT_CHECKED, DataLoadPlan, LoadPlan, LoadResult, StorageLoadPlan
from .staging import stage, staging_folder
from .targets import storage_plan

#: The steps :meth:`Loader.plan` reports, as ``ProgressUpdate("plan", step, done, total)``.
PLAN_STEPS = ("read", "check", "verify", "targets")


class Loader:
    """Restores archives into the configured Django project and storages folder.

    The archive and every choice come with each :class:`LoadRequest`; the
    archive is only ever read. ``logger`` receives warnings (an archive
    without checksums) and what was loaded.
    """

    def __init__(self, logger=None):
        self.logger = logger or NoOperationLogger()

    # Planning ------------------------------------------------------------------

    def check(self, request: LoadRequest) -> None:
        """The checks that need no reading: the request itself, and the archive is a file.

        :meth:`plan` makes them too; a front end calls this to report such a
        problem before it sets Django up or opens an app.
        """
        _require_valid(request)
        reader.require_archive_file(request.archive)

    def plan(self, request: LoadRequest, progress=None) -> LoadPlan:
        """Check the request, read, check and verify the archive; say what a load would do.

        Raises one :class:`ConfigError` for impossible choices (unknown
        exclusion, both parts disabled, bad mode, a basepath that is not a
        folder) and one :class:`ArchiveError` for an archive that is missing,
        unreadable, unsafe or does not match its checksums.
        """
        _require_valid(request)
        report = _step_reporter(progress or no_progress)
        report("read")
        contents = reader.scan(request.archive)
        report("check")
        reader.check_safety(contents)
        if contents.unlisted_datas:
            self.logger.warning(unlisted_warning(contents.unlisted_datas))
        report("verify")
        verification = self._verify(contents, request.verify)
        datas = data_plans(contents, request)
        report("targets")
        basepath = Path(os.path.abspath(request.storages_basepath))
        storages = storage_plans(contents, request, basepath)
        return LoadPlan(
            request=request,
            archive_size=contents.size,
            manifest=contents.manifest,
            verification=verification,
            datas=datas,
            storages=storages,
            storages_basepath=basepath,
            contents=contents,
        )

    def _verify(self, contents: reader.ArchiveContents, wanted: bool) -> str:
        """The plan's verification status; raises on any checksum mismatch."""
        if not wanted:
            return NOT_CHECKED
        report = reader.verify(contents)
        if report.status == "mismatch":
            raise ArchiveError(problems=[f"checksum {line}" for line in report.problems()])
        if report.status == "unverifiable":
            if contents.manifest.get("checksums"):
                raise ArchiveError(
                    f"manifest.json names {contents.manifest['checksums']!r} "
                    "but the archive has no such member"
                )
            self.logger.warning(
                f"{contents.path.name} has no SHA256SUMS (written by diskette?): "
                "its content cannot be verified"
            )
        return report.status

    # Execution ----------------------------------------------------------------

    def execute(self, plan: LoadPlan, progress=None, using="default") -> LoadResult:
        """Load what ``plan`` says. On failure the database and storages are unchanged.

        (``merge`` is the exception for storages: a failure while moving files
        in can leave some of them merged; the database is still rolled back.)
        """
        progress = progress or no_progress
        datadir = Path(tempfile.mkdtemp(prefix="diskette-load-"))
        staging: dict[str, Path] = {}
        swapped: list[tuple[Path, Path | None]] = []  # (target, old folder moved away)
        committed = False
        try:
            for storage in plan.selected_storages:
                staging[storage.name] = staging_folder(storage.target)
            files = stage(plan, datadir, staging, progress)
            with apply.atomic(using, bool(plan.selected_datas)):
                loaded = self._load_datas(plan, datadir, progress, using)
                self._put_storages_in_place(plan.selected_storages, staging, swapped)
                post_load.run_in_transaction(plan, self.logger)
            committed = True
            post_load.run_after_commit(plan, self.logger)
            return LoadResult(
                loaded=loaded,
                storages={item.name: item.target for item in plan.selected_storages},
                files=files,
            )
        finally:
            _clean_up(committed, swapped, [datadir, *staging.values()])

    def _load_datas(self, plan: LoadPlan, datadir: Path, progress, using: str) -> dict:
        """``loaddata`` each chosen data file, in manifest order: member name -> objects."""
        datas = plan.selected_datas
        loaded = {}
        for number, item in enumerate(datas, start=1):
            progress(ProgressUpdate("data", item.name, number - 1, len(datas)))
            done = apply.loaddata(datadir / item.name, item.name, plan.ignorenonexistent, using)
            objects = item.objects if done.objects is None else done.objects
            loaded[item.name] = objects
            for warning in done.warnings:
                self.logger.warning(f"{item.name}: {warning}")
            missing = shortfall(item, objects, plan.ignorenonexistent)
            if missing:
                self.logger.warning(missing)
            else:
                self.logger.info(f"loaded {item.name} ({count(objects, 'object')})")
        if datas:
            progress(ProgressUpdate("data", "", len(datas), len(datas)))
        return loaded

    def _put_storages_in_place(self, storages, staging: dict, swapped: list) -> None:
        """Swap or merge each staged storage in; ``swapped`` records what to undo."""
        for storage in storages:
            if storage.mode == "replace" or not storage.target.exists():
                # Nothing to merge with: swap the complete folder in at once.
                swapped.append(apply.swap_in(storage.target, staging[storage.name]))
                del staging[storage.name]  # in place now: not a temporary to remove
            else:
                apply.merge_in(staging[storage.name], storage.target)
            self.logger.info(f"restored {storage.name} into {storage.target}")


# -- planning, one part each ------------------------------------------------------


def shortfall(item: DataLoadPlan, objects: int | None, ignorenonexistent: bool = False) -> str:
    """What ``loaddata`` left unsaved of a data file (``objects`` saved of the
    ``item.objects`` it holds), or an empty string when it saved them all."""
    held = item.objects
    if objects is None or held is None or objects >= held:
        return ""
    reason = (
        "skipped by --ignorenonexistent (their models do not exist in this project)"
        if ignorenonexistent
        else "not saved by loaddata"
    )
    if objects == 0:
        verb = "was" if held == 1 else "were"
        return f"loaded nothing from {item.name}: its {count(held, 'object')} {verb} {reason}"
    return (
        f"loaded {item.name} partly: {objects} of {count(held, 'object')}, "
        f"{held - objects} {reason}"
    )


def _require_valid(request: LoadRequest) -> None:
    problems = request.problems()
    if problems:
        raise ConfigError(problems=problems)


def _step_reporter(progress):
    def report(step: str) -> None:
        progress(ProgressUpdate("plan", step, PLAN_STEPS.index(step), len(PLAN_STEPS)))

    return report


def data_plans(contents: reader.ArchiveContents, request: LoadRequest) -> tuple[DataLoadPlan, ...]:
    """Each data file of the archive, loaded or skipped (``excluded``, ``empty``).

    Raises :class:`ConfigError` for an exclusion that names no data file, and
    :class:`ArchiveError` when a data file to load cannot be read.
    """
    definitions = contents.definition_names()
    excluded = match_exclusions(contents, request.exclude_data, definitions)
    datas = []
    for name in contents.datas:
        count = contents.data.get(name) or reader.DataCount(
            reader.data_format(name), None, "missing"
        )
        member = contents.member(name)
        reason = "excluded" if name in excluded else "empty" if count.objects == 0 else None
        datas.append(
            DataLoadPlan(
                name=name,
                definition=definitions.get(name),
                format=count.format,
                objects=count.objects,
                size=member.size if member else 0,
                selected=reason is None,
                reason=reason,
            )
        )
    if request.with_data:
        unreadable = [
            f"{item.name}: {contents.data[item.name].error}"
            for item in datas
            if item.selected and contents.data[item.name].error
        ]
        if unreadable:
            raise ArchiveError(problems=unreadable)
    return tuple(datas)


def match_exclusions(contents: reader.ArchiveContents, exclusions, definitions) -> set[str]:
    """Data members named by ``--exclude-data`` (member, file name or definition name)."""
    found = set()
    unknown = []
    for wanted in exclusions or ():
        matches = {
            name
            for name in contents.datas
            if wanted in (name, name.removeprefix(DATA_DIRNAME + "/"), definitions.get(name))
        }
        if not matches:
            unknown.append(wanted)
        found |= matches
    if unknown:
        choices = (
            ", ".join(name.removeprefix(DATA_DIRNAME + "/") for name in contents.datas) or "none"
        )
        raise ConfigError(
            problems=[
                f"--exclude-data {item!r}: no such data file in the archive (has: {choices})"
                for item in unknown
            ]
        )
    return found


def storage_plans(
    contents: reader.ArchiveContents, request: LoadRequest, basepath: Path
) -> tuple[StorageLoadPlan, ...]:
    """What restoring each storage of the archive does (none with ``--no-storages``)."""
    if not request.with_storages:
        return ()
    if contents.storages and basepath.exists() and not basepath.is_dir():
        raise ConfigError(f"storages basepath is not a folder: {basepath}")
    return tuple(
        storage_plan(contents, name, basepath, request.storages_mode) for name in contents.storages
    )


def _clean_up(committed: bool, swapped: list, temporary: list[Path]) -> None:
    """After a load: undo the swaps (failed) or drop the old folders (done); remove temporaries."""
    if not committed:
        for target, old in reversed(swapped):
            apply.undo_swap(target, old)
    else:
        for _target, old in swapped:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    for folder in temporary:
        shutil.rmtree(folder, ignore_errors=True)
