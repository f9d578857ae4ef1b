"""Hostile archives at scale: ``inspect``, ``verify`` and ``load`` never crash, never write.

Hypothesis builds ``.tar.gz`` files from parts an attacker (or a broken disk)
controls: random members (files, folders, symbolic and hard links, fifos,
devices) with traversal, absolute and odd unicode names; manifests that are
right, wrong-typed, not JSON or missing; ``SHA256SUMS`` right, altered,
malformed or missing; data files that are not fixtures; headers with huge or
negative sizes; gzip streams cut short, altered or followed by garbage.

Each is either a valid archive or an error with the documented exit code (1)
naming the problem in one ``error:`` line per problem — never a traceback and
never the catch-all line that names a Python exception type. A ``load`` that
fails leaves its storages base path and the database as they were.
Everything runs in-process (Typer's CliRunner, the reader's functions).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from diskette_tui import cli
from diskette_tui.core import reader
from diskette_tui.core.manifest import format_checksums
from diskette_tui.exceptions import ArchiveError

#: Examples per property; ``DISKETTE_FUZZ_EXAMPLES=2000`` explores further (README "Development").
EXAMPLES = int(os.environ.get("DISKETTE_FUZZ_EXAMPLES", "60"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: The catch-all of cli_common.reported_errors: a crash reported as "error: KeyError: …".
CRASH_LINE = re.compile(r"^error: [A-Z]\w*(Error|Exception|Warning)\b")

# -- parts of an archive -------------------------------------------------------------

odd_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=12,
)
plausible_names = st.sampled_from(
    [
        "data",
        "data/users.json",
        "data/sites.jsonl",
        "data/shop.xml",
        "data/notes.txt",
        "media",
        "media/a.txt",
        "media/sub",
        "media/sub/b.bin",
        "media/link",
        "manifest.json",
        "SHA256SUMS",
        "other/x",
    ]
)
hostile_names = st.sampled_from(
    [
        "../escape.txt",
        "media/../../escape.txt",
        "/etc/passwd",
        "./manifest.json",
        "media//a.txt",
        "media/./a.txt",
        "C:\\windows\\x",
        "\\\\server\\share",
        "media/" + "x" * 300,
        "media/new\nline",
        "data/../media/a.txt",
        "media/caf\udce9.txt",  # not UTF-8: the byte 0xe9 alone
        "",
    ]
)
names = st.one_of(
    plausible_names,
    hostile_names,
    st.builds(lambda top, rest: f"{top}/{rest}", st.sampled_from(["media", "data"]), odd_text),
    odd_text,
)
link_targets = st.one_of(
    st.sampled_from(["a.txt", "../a.txt", "../../etc/passwd", "/etc/passwd", "media/a.txt", ""]),
    names,
)
contents = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"[]", b"[{}]", b'[{"model": "sites.site", "pk": 1}]', b"{", b"\xff\xfe"]),
)
member = st.fixed_dictionaries(
    {
        "name": names,
        "kind": st.sampled_from(
            ["file", "file", "file", "dir", "symlink", "hardlink", "fifo", "chr"]
        ),
        "content": contents,
        "linkname": link_targets,
    }
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(odd_text, children, max_size=3)
    ),
    max_leaves=8,
)
storage_names = st.one_of(
    st.sampled_from(["media", "media/sub", "other", "data", "manifest.json", "../media", ""]), names
)
damages = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.floats(0, 1)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=20)),
    st.tuples(st.just("not gzip"), st.binary(max_size=40)),
    st.tuples(st.just("plain tar"), st.none()),
)
raw_headers = st.tuples(
    st.sampled_from(["media/big.bin", "data/x.json", "manifest.json"]),
    st.sampled_from([-1, -(2**40), 2**33, 2**62, 10**15]),
)


def rarely(draw, strategy, one_in: int = 6):
    """A value of ``strategy`` about once in ``one_in`` draws, else None."""
    return draw(strategy) if draw(st.integers(1, one_in)) == 1 else None


@st.composite
def manifests(draw, members: list[dict]):
    """Mostly a manifest that names the archive's own members; sometimes anything at all."""
    kind = draw(
        st.sampled_from(["exact"] * 4 + ["fitting"] * 3 + ["any lists", "json", "bytes", "none"])
    )
    if kind == "exact":
        datas = [
            m["name"] for m in members if m["kind"] == "file" and m["name"].startswith("data/")
        ]
        return {"version": "0.6.0", "datas": datas, "storages": ["media"]}
    member_names = [item["name"] for item in members]
    if kind == "json":
        return draw(json_values)
    if kind == "bytes":
        return draw(st.binary(max_size=40))
    if kind == "none":
        return None  # no manifest member at all
    own = st.sampled_from(member_names) if member_names else names
    datas = st.lists(st.one_of(own, names), max_size=3)
    storages = st.lists(storage_names, max_size=3)
    if kind == "any lists":
        datas = st.one_of(datas, json_values)
        storages = st.one_of(storages, json_values)
    manifest = {
        "version": draw(json_values),
        "datas": draw(st.one_of(st.none(), datas)),
        "storages": draw(st.one_of(st.none(), storages)),
    }
    if draw(st.booleans()):
        manifest["checksums"] = draw(st.one_of(st.just("SHA256SUMS"), json_values))
    return manifest


@st.composite
def archives(draw):
    """Everything :func:`build_archive` needs to make one hostile (or valid) archive."""
    members = draw(st.lists(member, max_size=8, unique_by=lambda item: item["name"]))
    return {
        "members": members,
        "manifest": draw(manifests(members)),
        "checksums": draw(
            st.sampled_from(["right"] * 4 + ["altered", "missing-line", "malformed", "garbage"])
            | st.just("absent")
        ),
        "damage": rarely(draw, damages),
        "raw_header": rarely(draw, raw_headers),
        "well_formed_prefix": draw(st.sampled_from([True, True, False])),
        "format": draw(
            st.sampled_from([tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
        ),
    }


def _sum_line(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    try:
        return format_checksums([(name, digest)]).decode("utf-8")
    except UnicodeEncodeError:  # a name that is not UTF-8: its bytes, as sha256sum writes them
        return f"{digest}  {name}\n"


def _sums(files: dict[str, bytes], how: str) -> bytes | None:
    if how == "absent":
        return None
    lines = [_sum_line(name, data) for name, data in files.items()]
    if how == "altered" and lines:
        lines[0] = re.sub("[0-9a-f]{64}", "0" * 64, lines[0], count=1)
    if how == "missing-line" and lines:
        lines.pop()
    if how == "malformed":
        lines.append("not a checksum line\n")
    if how == "garbage":
        return b"\xff\x00garbage"
    return "".join(lines).encode("utf-8", "surrogateescape")


def _tarinfo(spec: dict) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(spec["name"])
    kind = spec["kind"]
    if kind == "file":
        info.size = len(spec["content"])
        return info, spec["content"]
    info.type = {
        "dir": tarfile.DIRTYPE,
        "symlink": tarfile.SYMTYPE,
        "hardlink": tarfile.LNKTYPE,
        "fifo": tarfile.FIFOTYPE,
        "chr": tarfile.CHRTYPE,
    }[kind]
    if kind in ("symlink", "hardlink"):
        info.linkname = spec["linkname"]
    return info, None


def build_tar(spec: dict) -> bytes:
    """The uncompressed tar of ``spec``: its members, then SHA256SUMS and the manifest."""
    buffer = io.BytesIO()
    files = {}
    with tarfile.open(
        fileobj=buffer, mode="w", format=spec["format"], errors="surrogateescape"
    ) as tar:
        if spec["well_formed_prefix"]:
            for name in ("data", "media"):
                info = tarfile.TarInfo(name)
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
        for item in spec["members"]:
            info, content = _tarinfo(item)
            try:
                tar.addfile(info, io.BytesIO(content) if content is not None else None)
            except (ValueError, UnicodeError):
                continue  # tarfile itself refuses to write this header
            if content is not None:
                files[item["name"]] = content
        sums = _sums(files, spec["checksums"])
        if sums is not None:
            info = tarfile.TarInfo("SHA256SUMS")
            info.size = len(sums)
            tar.addfile(info, io.BytesIO(sums))
        manifest = spec["manifest"]
        if manifest is not None:
            data = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    if spec["raw_header"] is not None:
        name, size = spec["raw_header"]
        # A header tarfile would not write: a size that is negative or far beyond the data.
        info = tarfile.TarInfo(name)
        info.size = 0
        header = bytearray(info.tobuf(tarfile.GNU_FORMAT))
        header[124:136] = tarfile.itn(size, 12, tarfile.GNU_FORMAT)
        header[148:156] = b"        "
        header[148:156] = b"%06o\0 " % sum(header)
        raw = bytes(header) + b"\0" * 512 + raw
    return raw


def build_archive(spec: dict, path: Path) -> None:
    raw = build_tar(spec)
    compressed = gzip.compress(raw, mtime=0)
    damage = spec["damage"]
    if damage is not None:
        how, arg = damage
        if how == "truncate":
            compressed = compressed[: int(len(compressed) * arg)]
        elif how == "flip" and compressed:
            at = min(int(len(compressed) * arg), len(compressed) - 1)
            compressed = compressed[:at] + bytes([compressed[at] ^ 0x55]) + compressed[at + 1 :]
        elif how == "append":
            compressed += arg
        elif how == "not gzip":
            compressed = arg
        elif how == "plain tar":
            compressed = raw
    path.write_bytes(compressed)


# -- the checks ------------------------------------------------------------------------


def assert_clean_outcome(result, codes=(0, 1)) -> None:
    """A documented exit code; on failure, ``error:`` lines that are not crash reports."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in codes, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    crashes = [line for line in result.stderr.splitlines() if CRASH_LINE.match(line)]
    assert not crashes, crashes
    if result.exit_code != 0:
        assert any(line.startswith("error: ") for line in result.stderr.splitlines()), result.output


def snapshot_of(folder: Path) -> dict:
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@FUZZ
@given(spec=archives())
def test_reading_a_hostile_archive_is_valid_or_an_archive_error(spec):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.tar.gz"
        build_archive(spec, path)
        try:
            contents = reader.scan(path)
        except ArchiveError as exc:
            assert exc.problems and all(line.strip() for line in exc.problems)
            event("unreadable: " + re.sub(r"[0-9]+", "N", exc.problems[0][:45]))
            return
        json.dumps(contents.as_dict())
        try:
            reader.check_safety(contents)
            event("safe")
        except ArchiveError as exc:
            assert exc.problems
            event("unsafe")
        report = reader.verify(contents)
        event(f"verify: {report.status}")
        json.dumps(report.as_dict())
        assert report.status in ("ok", "mismatch", "unverifiable")
        assert report.ok or report.problems()


@FUZZ
@given(spec=archives(), json_output=st.booleans())
def test_inspect_and_verify_exit_0_or_1_with_one_line_per_problem(runner, spec, json_output):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.tar.gz"
        build_archive(spec, path)
        before = snapshot_of(Path(folder))
        flags = ["--json"] if json_output else []
        for command in ("inspect", "verify"):
            result = runner.invoke(cli.app, [command, str(path), *flags])
            assert_clean_outcome(result)
            if json_output and result.exit_code == 0:
                json.loads(result.stdout)
        assert snapshot_of(Path(folder)) == before


def database_fingerprint() -> dict:
    """Row counts of every model of the demo project."""
    from django.apps import apps

    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed
    }


@settings(FUZZ, max_examples=max(EXAMPLES * 2 // 3, 1))
@given(spec=archives(), mode=st.sampled_from(["merge", "replace"]))
def test_a_load_of_a_hostile_archive_fails_cleanly_and_writes_nothing(
    demo_project, runner, spec, mode
):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.tar.gz"
        build_archive(spec, path)
        basepath = Path(folder) / "site"
        (basepath / "media").mkdir(parents=True)
        (basepath / "media" / "kept.txt").write_text("kept")
        before = snapshot_of(Path(folder))
        rows = database_fingerprint()

        result = runner.invoke(
            cli.app,
            ["load", "--demo", "--yes", "-q", str(path)]
            + ["--storages-basepath", str(basepath), "--storages-mode", mode],
        )

        assert_clean_outcome(result)
        if result.exit_code != 0:
            assert snapshot_of(Path(folder)) == before
            assert database_fingerprint() == rows


@pytest.mark.parametrize("command", ["inspect", "verify", "load"])
def test_a_member_name_that_is_not_utf8_is_refused_by_name(demo_project, runner, tmp_path, command):
    """Found by the fuzzing: such a name reached the terminal (or JSON) and crashed the output."""
    spec = {
        "members": [
            {"name": "media/caf\udce9.txt", "kind": "file", "content": b"x", "linkname": ""}
        ],
        "manifest": {"version": "0.6.0", "datas": [], "storages": ["media"]},
        "checksums": "absent",
        "damage": None,
        "raw_header": None,
        "well_formed_prefix": True,
        "format": tarfile.GNU_FORMAT,
    }
    path = tmp_path / "latin.tar.gz"
    build_archive(spec, path)
    argv = [command, str(path)]
    if command == "load":
        argv += ["--demo", "--yes", "--storages-basepath", str(tmp_path / "site")]

    result = runner.invoke(cli.app, argv)

    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        "error: member name is not valid UTF-8: media/caf\\xe9.txt"
    ]
    assert not (tmp_path / "site").exists()


def test_a_member_name_longer_than_a_file_system_takes_is_refused(demo_project, runner, tmp_path):
    """Found by the fuzzing: the load's planning crashed on ENAMETOOLONG."""
    name = "media/" + "x" * 300
    spec = {
        "members": [{"name": name, "kind": "file", "content": b"", "linkname": ""}],
        "manifest": {"version": "0.6.0", "datas": [], "storages": ["media"]},
        "checksums": "right",
        "damage": None,
        "raw_header": None,
        "well_formed_prefix": True,
        "format": tarfile.GNU_FORMAT,
    }
    path = tmp_path / "long.tar.gz"
    build_archive(spec, path)
    site = tmp_path / "site"
    site.mkdir()

    result = runner.invoke(
        cli.app, ["load", "--demo", "--yes", str(path), "--storages-basepath", str(site)]
    )

    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"error: member {name!r}: a name longer than 255 bytes (no file system takes it)"
    ]
    assert list(site.iterdir()) == []
