"""What a user asked for: a dump or a load, as frozen values.

A request names each idea once, with the configuration key's name, from the
command line (or the preview, or a test) down to the engine. The front ends
build a request; the preview changes it with :func:`dataclasses.replace`
(``replace(request, with_storages_excludes=False)``) and asks the engine for a
new plan. Requests hold no I/O and no Django: the engine checks them
(:meth:`Dumper.plan`, :meth:`Loader.plan`) and reports every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Default archive filename; ``{features}`` becomes ``_data``, ``_storages`` or both.
DEFAULT_FILENAME = "diskette{features}.tar.gz"
#: Default archive permissions: dumps hold password hashes.
ARCHIVE_MODE = 0o600
#: Default permissions of a destination folder the dump creates.
FOLDER_MODE = 0o700
#: Default gzip level of an archive (gzip's scale, 0-9): 1, written by ISA-L when
#: installed; chosen from benchmarks/compression.py (README "Compression").
DEFAULT_COMPRESSLEVEL = 1
#: What ``load --storages-mode`` accepts.
STORAGE_MODES = ("merge", "replace")
#: What ``load --data-mode`` accepts.
DATA_MODES = ("merge", "replace")


@dataclass(frozen=True)
class DumpRequest:
    """One dump, as asked for.

    ``apps`` names the definitions to dump (None: all of them; drains still
    leave what the others own). ``chmod`` is the archive's mode and
    ``dir_chmod`` the mode of every folder the dump has to create (the
    destination and its missing parents).
    ``count_rows`` counts each model's rows while planning; ``scan`` walks the
    storages and checks the destination can take the archive (``diskette
    apps`` needs neither). ``skip_unreadable`` leaves out (and lists) storage
    entries the user cannot read or whose name is not UTF-8, which otherwise
    fail the dump. ``compresslevel`` is the archive's gzip level (0-9).
    """

    destination: Path
    filename: str = DEFAULT_FILENAME
    with_data: bool = True
    with_storages: bool = True
    with_storages_excludes: bool = True
    apps: tuple[str, ...] | None = None
    chmod: int = ARCHIVE_MODE
    dir_chmod: int = FOLDER_MODE
    count_rows: bool = True
    scan: bool = True
    skip_unreadable: bool = False
    compresslevel: int = DEFAULT_COMPRESSLEVEL

    def __post_init__(self):
        # Accept any path and any sequence of names; store the canonical types.
        object.__setattr__(self, "destination", Path(self.destination))
        if self.apps is not None:
            object.__setattr__(self, "apps", tuple(self.apps))

    @classmethod
    def from_config(cls, config, **choices) -> DumpRequest:
        """A request from a configuration (destination, filename, modes) and choices.

        ``choices`` are the request's other fields (``with_data``, ``apps``...).
        Without a configured ``chmod`` the archive is owner-only (``0o600``);
        without a configured ``dir_chmod`` every folder the dump creates is
        owner-only too (``0o700``), whatever ``chmod`` says.
        """
        chmod = config.chmod if config.chmod is not None else ARCHIVE_MODE
        dir_chmod = config.dir_chmod if config.dir_chmod is not None else FOLDER_MODE
        values = dict(
            destination=config.destination,
            filename=config.filename,
            chmod=chmod,
            dir_chmod=dir_chmod,
        )
        if config.compresslevel is not None:
            values["compresslevel"] = config.compresslevel
        values.update(choices)
        return cls(**values)

    def problems(self) -> list[str]:
        """What is wrong with the request on its own, one line each."""
        problems = []
        if not self.with_data and not self.with_storages:
            problems.append("--no-data and --no-storages together leave nothing to dump")
        problems += _mode_problems("chmod", self.chmod)
        folder_problems = _mode_problems("dir_chmod", self.dir_chmod)
        if not folder_problems and self.dir_chmod & 0o700 != 0o700:
            folder_problems.append(
                f"dir_chmod must let the owner read, write and enter the folder (0o700), "
                f"not 0o{self.dir_chmod:03o}"
            )
        problems += folder_problems
        if not 0 <= self.compresslevel <= 9:
            problems.append(f"compresslevel must be 0 to 9, not {self.compresslevel}")
        return problems


@dataclass(frozen=True)
class LoadRequest:
    """One load, as asked for.

    ``exclude_data`` names data files not to load (``users.json``,
    ``data/users.json`` or a definition name). ``storages_mode`` is ``merge``
    (write the archive's files, keep the others) or ``replace`` (each storage
    folder becomes exactly the archive's). ``verify`` checks every member
    against ``SHA256SUMS`` before anything is written. ``data_mode`` is
    ``merge`` (load the archive's rows over the target's) or ``replace``
    (delete the existing rows of every model the archive holds first, in the
    same transaction). ``exclude_storages`` names storages not to restore.
    """

    archive: Path
    storages_basepath: Path
    with_data: bool = True
    with_storages: bool = True
    exclude_data: tuple[str, ...] = ()
    ignorenonexistent: bool = False
    storages_mode: str = "merge"
    verify: bool = True
    data_mode: str = "merge"
    exclude_storages: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "archive", Path(self.archive))
        object.__setattr__(self, "storages_basepath", Path(self.storages_basepath))
        object.__setattr__(self, "exclude_data", tuple(self.exclude_data))
        object.__setattr__(self, "exclude_storages", tuple(self.exclude_storages))

    @classmethod
    def from_config(cls, config, archive, storages_basepath=None, **choices) -> LoadRequest:
        """A request to load ``archive`` with a configuration (or None) and choices.

        The storages go into ``storages_basepath`` when given (relative to
        the current folder: it comes from the command line), else into the
        configuration's ``load_storages_basepath`` (``DISKETTE_LOAD_STORAGES_PATH``),
        else its ``storages_basepath``, else into the current folder.
        ``choices`` are the request's other fields (``with_data``...).
        """
        if storages_basepath is not None:
            basepath = Path(storages_basepath).expanduser().absolute()
        elif config is not None and getattr(config, "load_storages_basepath", None) is not None:
            basepath = Path(config.load_storages_basepath)
        elif config is not None and config.storages_basepath is not None:
            basepath = Path(config.storages_basepath)
        else:
            basepath = Path.cwd()
        return cls(archive=archive, storages_basepath=basepath, **choices)

    def problems(self) -> list[str]:
        """What is wrong with the request on its own, one line each."""
        problems = []
        if not self.with_data and not self.with_storages:
            problems.append("--no-data and --no-storages together leave nothing to load")
        if self.storages_mode not in STORAGE_MODES:
            problems.append(
                f"--storages-mode must be one of {', '.join(STORAGE_MODES)}, "
                f"not {self.storages_mode!r}"
            )
        if self.data_mode not in DATA_MODES:
            problems.append(
                f"--data-mode must be one of {', '.join(DATA_MODES)}, not {self.data_mode!r}"
            )
        return problems


def _mode_problems(key: str, mode) -> list[str]:
    """Permission bits only (0 to 0o777): no setuid, setgid or sticky bit."""
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o777:
        return [f"{key} must be a mode between 0 and 0o777, not {mode!r}"]
    return []
