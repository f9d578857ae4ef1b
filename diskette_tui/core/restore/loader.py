"""The Loader: plan a load from a :class:`LoadRequest`, then load data and storages.

:meth:`Loader.plan` checks the request, reads the archive once
(:func:`~..reader.scan`), refuses unsafe members, verifies the checksums and
works out what each data file and storage will do: a :class:`LoadPlan`.
Nothing is written until :meth:`Loader.execute`, which works in three steps
so that a failure leaves things as they were:

1. *stage* (:mod:`.staging`): a second streaming read extracts the chosen data
   files into a private temporary folder and each storage into a temporary
   sibling of its target, checking every digest against the first read;
2. *data* (:mod:`.apply`), all inside one ``transaction.atomic()``: with
   ``--data-mode replace`` the rows of the archive's models are deleted first
   (:mod:`.clear`); each data file is rewritten with its content-type and
   permission ids translated to the target's (:mod:`.remap`), then loaded
   with ``loaddata`` in manifest order; the target is then compared with the
   archive, model by model (:mod:`.checks`);
3. *storages*, still inside that transaction: ``replace`` swaps each staged
   folder in by renames, ``merge`` moves the staged files over the existing
   ones, both keeping what undoes them; the commit and the end of the moves
   are one step, and a failure or an interruption before it undoes them all.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ...exceptions import ArchiveError, ConfigError, LoadFailed
from ...loggers import NoOperationLogger
from ...wording import NO_REFERENCE_MAPS, count, load_check_lines, unlisted_warning
from .. import reader
from ..plan import DATA_DIRNAME
from ..interrupts import stoppable
from ..progress import ProgressUpdate, no_progress
from ..requests import LoadRequest
from . import apply, post_load
from .checks import check_loaded
from .clear import clear_models
from .remap import Remapper, ReferenceMaps, missing_app_line
from .target_state import survey_target
from .plan import NOT_CHECKED, DataLoadPlan, LoadPlan, LoadResult, StorageLoadPlan
from .staging import Staging, recover_leftovers, stage
from .targets import member_totals, storage_plan

#: Why data off and every storage excluded is refused.
NOTHING_LEFT = "--no-data and excluding every storage leave nothing to load"
#: The steps :meth:`Loader.plan` reports, as ``ProgressUpdate("plan", step, done, total)``.
#: ("targets": the storages' folders and the target database.)
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
        plan = LoadPlan(
            request=request,
            archive_size=contents.size,
            manifest=contents.manifest,
            verification=verification,
            datas=datas,
            storages=storages,
            storages_basepath=basepath,
            contents=contents,
        )
        return self._with_target_state(plan)

    def _with_target_state(self, plan: LoadPlan) -> LoadPlan:
        """``plan`` with what its database holds (when data is loaded and Django is set up).

        Refuses (:class:`LoadFailed`) an archive that refers to content types
        whose app the target does not have.
        """
        if not plan.selected_datas or not django_ready():
            return plan
        state = survey_target(plan)
        if state.references.impossible:
            raise LoadFailed(
                missing_app_line([name.split(".") for name in state.references.impossible])
            )
        if state.references.by_id_unchecked:
            self.logger.warning(NO_REFERENCE_MAPS)
        return dataclasses.replace(plan, target_state=state)

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
        """Load what ``plan`` says: all of it, or, on a failure or an interruption, nothing.

        Leftovers of killed loads beside the targets are cleaned up first
        (:func:`.staging.recover_leftovers`, listed in the result). Staging
        comes next; the data is loaded and the storages moved in as one
        all-or-nothing step (:func:`.apply.all_or_nothing`).
        """
        progress = stoppable(progress or no_progress)
        recovered = recover_leftovers(plan)
        staged = Staging.create(plan)
        try:
            files = stage(plan, staged.datadir, staged.roots, progress)
            moves = apply.Moves()
            with apply.all_or_nothing(using, bool(plan.selected_datas), moves):
                state = self._current_state(plan, using)
                deleted = self._clear_for_replace(plan, state, using)
                remapper = self._remapper(plan, using)
                loaded = self._load_datas(plan, staged.datadir, progress, using, remapper)
                check = self._check_loaded(state, using)
                moves.put_in_place(plan.selected_storages, staged.roots, staged.tag)
                post_load.run_in_transaction(plan, self.logger)
            post_load.run_after_commit(plan, self.logger)
            for storage in plan.selected_storages:
                self.logger.info(f"restored {storage.name} into {storage.target}")
            return LoadResult(
                loaded=loaded,
                storages={item.name: item.target for item in plan.selected_storages},
                files=files,
                recovered=recovered,
                deleted=deleted,
                remapped=remapper.counts.changed if remapper else 0,
                check=check,
            )
        finally:
            staged.remove()

    def _current_state(self, plan: LoadPlan, using: str):
        """The plan's :class:`TargetState` (surveyed now if the plan was made without Django)."""
        if not plan.selected_datas:
            return None
        return plan.target_state or survey_target(plan, using)

    def _clear_for_replace(self, plan: LoadPlan, state, using: str) -> dict:
        """``--data-mode replace``: delete the rows of the archive's models; rows per model."""
        if plan.data_mode != "replace" or state is None:
            return {}
        deleted = clear_models([item.label for item in state.models], using)
        self.logger.info(f"deleted {count(sum(deleted.values()), 'existing row')} (replace)")
        return deleted

    def _remapper(self, plan: LoadPlan, using: str) -> Remapper | None:
        """What translates content-type and permission ids, when the archive has the maps."""
        maps = ReferenceMaps.from_manifest(plan.manifest)
        if maps is None or not plan.selected_datas:
            return None
        from django.apps import apps

        if not apps.is_installed("django.contrib.contenttypes"):
            return None
        return Remapper(maps, using)

    def _check_loaded(self, state, using: str):
        """Compare the target with the archive, model by model; report what differs."""
        if state is None:
            return None
        check = check_loaded(state, using)
        for line in load_check_lines(check):
            if check.ok:
                self.logger.info(line)
            else:
                self.logger.warning(line)
        return check

    def _load_datas(
        self, plan: LoadPlan, datadir: Path, progress, using: str, remapper=None
    ) -> dict:
        """``loaddata`` each chosen data file, in manifest order: member name -> objects.

        With a ``remapper`` each file is first rewritten beside itself (under
        ``remapped/``) with the target's content-type and permission ids.
        """
        datas = plan.selected_datas
        loaded = {}
        for number, item in enumerate(datas, start=1):
            progress(ProgressUpdate("data", item.name, number - 1, len(datas)))
            path = remapped_file(remapper, datadir, item)
            done = apply.loaddata(path, item.name, plan.ignorenonexistent, using)
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


# -- planning, one part each ------------------------------------------------------


def django_ready() -> bool:
    """Whether a Django project is set up in this process (the target database is known)."""
    try:
        from django.apps import apps
        from django.conf import settings
    except ImportError:
        return False
    return settings.configured and apps.ready


def remapped_file(remapper: Remapper | None, datadir: Path, item: DataLoadPlan) -> Path:
    """The staged data file to load: rewritten by ``remapper`` (the original then removed)."""
    staged = datadir / item.name
    if remapper is None:
        return staged
    rewritten = datadir / "remapped" / item.name
    try:
        remapper.rewrite(staged, rewritten, item.format)
    except LoadFailed:
        raise
    except Exception as exc:
        raise LoadFailed(
            f"{item.name}: cannot translate its content-type and permission ids, "
            f"database rolled back: {type(exc).__name__}: {' '.join(str(exc).split())}"
        ) from exc
    staged.unlink()
    return rewritten


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
    """What restoring each storage of the archive does (none with ``--no-storages``).

    A storage named by ``--exclude-storage`` is listed, not selected, with
    reason ``excluded`` (its target is not examined). Raises
    :class:`ConfigError` for an exclusion that names no storage of the
    archive, and when data is off and every storage is excluded.
    """
    excluded = match_storage_exclusions(contents, request.exclude_storages)
    if not request.with_storages:
        return ()
    if contents.storages and not request.with_data and excluded >= set(contents.storages):
        raise ConfigError(NOTHING_LEFT)
    if contents.storages and basepath.exists() and not basepath.is_dir():
        raise ConfigError(f"storages basepath is not a folder: {basepath}")
    return tuple(
        excluded_storage_plan(contents, name, basepath, request.storages_mode)
        if name in excluded
        else storage_plan(contents, name, basepath, request.storages_mode)
        for name in contents.storages
    )


def match_storage_exclusions(contents: reader.ArchiveContents, exclusions) -> set[str]:
    """Storages named by ``--exclude-storage``; one problem per name the archive lacks."""
    unknown = [name for name in exclusions or () if name not in contents.storages]
    if unknown:
        choices = ", ".join(contents.storages) or "none"
        raise ConfigError(
            problems=[
                f"--exclude-storage {name!r}: no such storage in the archive (has: {choices})"
                for name in unknown
            ]
        )
    return set(exclusions or ())


def excluded_storage_plan(
    contents: reader.ArchiveContents, name: str, basepath: Path, mode: str
) -> StorageLoadPlan:
    """A storage left out by ``--exclude-storage``: its totals, nothing done to its target."""
    members = contents.storage_members(name)
    folder = basepath / name
    return StorageLoadPlan(
        name=name,
        target=folder,
        **member_totals(members),
        mode=mode,
        exists=folder.exists(),
        selected=False,
        folder=folder,
        reason="excluded",
    )
