"""``manifest.json`` and ``SHA256SUMS``: building and reading them.

The manifest starts with diskette's four keys (``version``, ``creation``,
``datas``, ``storages``) so diskette 0.6.0 reads our archives, then adds ours.
"""

from __future__ import annotations

import json
import re

from .. import __version__
from ..exceptions import ArchiveError
from .plan import CHECKSUMS_FILENAME

GENERATOR = f"diskette-tui {__version__}"
DISKETTE_KEYS = ("version", "creation", "datas", "storages")


def build_manifest(
    plan,
    version,
    objects=None,
    environment=None,
    applications=None,
    snapshot=None,
    references=None,
) -> dict:
    """The manifest of an archive written from ``plan``.

    ``objects`` maps each data member to its object count, ``applications``
    are the payloads of the dumped definitions, ``environment`` the Python,
    Django and database versions, ``snapshot`` the
    :class:`~diskette_tui.core.plan.Snapshot` the data dumps read (recorded as
    ``"snapshot": {"vendor", "isolation", "consistent"...}`` when there is data).
    Storage entries left out (unreadable with ``--skip-unreadable``, links
    leaving their storage, fifos…) are listed under ``"skipped"`` with their
    reason, when there are any.
    """
    definitions = plan.selected_definitions
    storages = plan.selected_storages
    manifest = {
        "version": version,
        "creation": plan.created.isoformat(timespec="seconds"),
        "datas": [item.archive_name for item in definitions] if definitions else None,
        "storages": [item.arcname for item in storages] if storages else None,
        "generator": GENERATOR,
        "environment": environment or {},
        "applications": applications
        if applications is not None
        else [item.payload for item in definitions],
        "objects": objects or {},
        "checksums": CHECKSUMS_FILENAME,
    }
    if snapshot is not None:
        manifest["snapshot"] = snapshot.as_dict()
    if definitions and references:
        manifest.update(references)
    skipped = plan.skipped
    if skipped:
        manifest["skipped"] = [entry.as_dict() for entry in skipped]
    return manifest


def dump_manifest(manifest: dict) -> bytes:
    """The manifest as the bytes written to the archive."""
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def read_manifest(content: bytes) -> dict:
    """Parse and check a manifest; raise :class:`ArchiveError` when it is unusable."""
    try:
        manifest = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveError(f"manifest.json is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict):
        raise ArchiveError("manifest.json is not a JSON object")
    for key in ("datas", "storages"):
        if key not in manifest:
            raise ArchiveError(f"manifest.json has no '{key}' key")
        value = manifest[key]
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(item, str) for item in value)
        ):
            raise ArchiveError(f"manifest.json '{key}' must be a list of paths")
        for item in value or ():
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:  # a JSON "\\udce9" escape: no member has that name
                shown = item.encode("utf-8", "backslashreplace").decode("utf-8")
                raise ArchiveError(
                    f"manifest.json '{key}' holds a path that is not text: {shown}"
                ) from None
    return manifest


def format_checksums(digests) -> bytes:
    """``sha256sum`` lines for ``(member name, hex digest)`` pairs.

    A name holding a backslash, a newline or a carriage return is written as
    GNU coreutils writes it: the line starts with a backslash and those
    characters are escaped (``\\\\``, ``\\n``, ``\\r``), so that
    ``sha256sum -c`` reads it back.
    """
    return "".join(_checksum_line(name, digest) for name, digest in digests).encode("utf-8")


def _checksum_line(name: str, digest: str) -> str:
    if "\\" in name or "\n" in name or "\r" in name:
        return f"\\{digest}  {name.translate(_ESCAPES)}\n"
    return f"{digest}  {name}\n"


_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"\\": "\\", "n": "\n", "r": "\r"}
_ESCAPED = re.compile(r"\\(.?)", re.DOTALL)


def parse_checksums(content: bytes) -> dict[str, str]:
    """Member name → hex digest from a ``SHA256SUMS`` file.

    Lines end with a newline only (a name may hold any other character); a
    line starting with a backslash has its name escaped as
    :func:`format_checksums` writes it. Both ``digest  name`` (text) and
    ``digest *name`` (binary) lines are read.
    """
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ArchiveError(f"{CHECKSUMS_FILENAME} is not valid UTF-8") from None
    found = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        escaped = line.startswith("\\")
        if escaped:
            line = line[1:]
        digest, mode, name = line[:64], line[64:66], line[66:]
        if mode not in ("  ", " *") or not name or not _is_hex(digest):
            raise ArchiveError(f"{CHECKSUMS_FILENAME} line {number} is malformed")
        if escaped:
            name = _unescape(name, number)
        found[name] = digest.lower()
    return found


def _is_hex(digest: str) -> bool:
    return len(digest) == 64 and all(char in "0123456789abcdefABCDEF" for char in digest)


def _unescape(name: str, number: int) -> str:
    """A name from an escaped ``SHA256SUMS`` line; any other escape is malformed."""

    def replace(match):
        try:
            return _UNESCAPES[match.group(1)]
        except KeyError:
            raise ArchiveError(f"{CHECKSUMS_FILENAME} line {number} is malformed") from None

    return _ESCAPED.sub(replace, name)
