"""``manifest.json`` and ``SHA256SUMS``: building and reading them.

The manifest starts with diskette's four keys (``version``, ``creation``,
``datas``, ``storages``) so diskette 0.6.0 reads our archives, then adds ours.
"""

from __future__ import annotations

import json

from .. import __version__
from ..exceptions import ArchiveError
from .plan import CHECKSUMS_FILENAME

GENERATOR = f"diskette-tui {__version__}"
DISKETTE_KEYS = ("version", "creation", "datas", "storages")


def build_manifest(
    plan, version, objects=None, environment=None, applications=None, snapshot=None
) -> dict:
    """The manifest of an archive written from ``plan``.

    ``objects`` maps each data member to its object count, ``applications``
    are the payloads of the dumped definitions, ``environment`` the Python,
    Django and database versions, ``snapshot`` the
    :class:`~diskette_tui.core.plan.Snapshot` the data dumps read (recorded as
    ``"snapshot": {"vendor", "isolation", "consistent"...}`` when there is data).
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
    return manifest


def format_checksums(digests) -> bytes:
    """``sha256sum`` lines for ``(member name, hex digest)`` pairs."""
    return "".join(f"{digest}  {name}\n" for name, digest in digests).encode("utf-8")


def parse_checksums(content: bytes) -> dict[str, str]:
    """Member name → hex digest from a ``SHA256SUMS`` file."""
    found = {}
    for number, line in enumerate(content.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ArchiveError(f"{CHECKSUMS_FILENAME} line {number} is malformed")
        found[name.removeprefix("*")] = digest.lower()
    return found
