"""Bad configurations at scale: every one is valid or a configuration error, never a crash.

Hypothesis writes ``diskette.toml`` files mixing the real keys with wrong
types (datetimes, floats, nested tables…), unknown keys, unknown or odd model
labels, odd exclusion patterns, odd paths (``..``, ``~user``, NUL, very long,
any unicode), odd filenames (format fields such as ``{0}`` or ``{date:%Y}``)
and application definitions with unknown options — and passes odd command-line
flags over them. The configuration loader, ``Dumper.from_config`` and
``Dumper.plan`` either accept it or raise one
:class:`~diskette_tui.exceptions.DisketteError` whose lines name the problems;
``diskette check`` exits 0, 1 or 2 with ``error:`` lines, never a traceback
nor the catch-all line naming a Python exception. Nothing is ever written.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from diskette_tui import cli
from diskette_tui.config import load_config
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.requests import DumpRequest
from diskette_tui.exceptions import DisketteError

#: Examples per property; ``DISKETTE_FUZZ_EXAMPLES=2000`` explores further (README "Development").
EXAMPLES = int(os.environ.get("DISKETTE_FUZZ_EXAMPLES", "60"))

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: The catch-all of cli_common.reported_errors: a crash reported as "error: KeyError: …".
CRASH_LINE = re.compile(r"^error: [A-Z]\w*(Error|Exception|Warning)\b")

# -- values ------------------------------------------------------------------------------

odd_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    odd_text,
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 1, 1)),
    st.dates(),
    st.times(),
)
any_value = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(odd_text, children, max_size=3)
    ),
    max_leaves=6,
)
paths = st.one_of(
    st.sampled_from(
        [
            "media",
            "media/",
            "./media",
            "media/../media",
            "../media",
            "/",
            ".",
            "",
            "~",
            "~nosuchuser/x",
            "media\x00x",
            "/nonexistent/deep/folder",
            "x" * 300,
            "media/" + "y" * 5000,
            "media/file.txt",
            "data",
            "manifest.json",
        ]
    ),
    odd_text,
)
patterns = st.one_of(
    st.sampled_from(
        ["*.tmp", "cache/", "!keep", "", " ", "#c", "[", "[a-", "\\", "**", "a\nb", "/abs", "../x"]
    ),
    odd_text,
)
labels = st.one_of(
    st.sampled_from(
        ["sites", "auth", "auth.User", "catalog", "catalog.Product", "nosuch", "auth.Nope"]
        + ["", ".", "a.b.c", "AUTH", "auth.user", "sites.Site.extra", "contenttypes"]
    ),
    odd_text,
)
filenames = st.one_of(
    st.sampled_from(
        ["x.json", "x.xml", "x.yaml", "x.jsonl", "x", "x.JSON", "x.txt", "../x.json", "/abs.json"]
        + ["a/b.json", ".json", "data.json", "x.tar.gz", "{features}.tar.gz", "{date}.tar.gz"]
        + ["{0}.tar.gz", "{x.y}.tar.gz", "{features!r}", "{features:>10}", "{date:%Y}", "{", "}"]
        + ["{{}}.tar.gz", "{nope}.tar.gz", "{features[0]}", "x\x00.tar.gz", "x\n.tar.gz", ""]
    ),
    odd_text,
)
modes = st.one_of(
    st.sampled_from(["600", "0o644", "0600", "999", "0o7777", "", "abc", " 600 ", "0O700", "-1"]),
    st.integers(-1, 5000),
)


def or_anything(strategy):
    """Mostly a value of the right kind, now and then anything at all."""
    return st.one_of(*[strategy] * 7, any_value)


def seldom(strategy):
    """``strategy``'s value about once in eight draws, else an empty dict."""
    return st.one_of(*[st.just({})] * 7, strategy)


def app_tables(wild: bool):
    """Application definitions; ``wild`` mixes in values of any type and unknown options."""
    kind = or_anything if wild else (lambda strategy: strategy)
    tables = st.fixed_dictionaries(
        {
            "name": kind(st.one_of(st.sampled_from(["Sites", "Users", "Sites "]), odd_text)),
            "models": kind(st.one_of(labels, st.lists(labels, max_size=3))),
        },
        optional={
            "excludes": kind(st.lists(labels, max_size=3)),
            "natural_foreign": kind(st.booleans()),
            "natural_primary": kind(st.booleans()),
            "use_base_manager": kind(st.booleans()),
            "allow_drain": kind(st.booleans()),
            "is_drain": kind(st.booleans()),
            "drain_excluded": kind(st.booleans()),
            "filename": kind(filenames),
            "comments": kind(odd_text),
            "dump_command": kind(st.sampled_from(["dumpdata", "nosuch", ""]) | odd_text),
        },
    )
    if not wild:
        return tables
    return tables.flatmap(
        lambda table: seldom(st.dictionaries(odd_text, any_value, min_size=1, max_size=1)).map(
            lambda extra: {**table, **extra}  # now and then an unknown option
        )
    )


def configurations(wild: bool = True):
    """``diskette.toml`` tables; ``wild`` mixes in values of any type and unknown keys.

    Without ``wild`` every value has the right type (but odd contents), so that
    most of them reach ``Dumper.from_config`` and ``Dumper.plan``.
    """
    kind = or_anything if wild else (lambda strategy: strategy)
    required = {}
    if not wild:  # something to dump, mostly in the storage that exists
        required = {
            "storages": st.lists(st.one_of(st.just("media"), paths), min_size=1, max_size=2),
            "apps": st.lists(
                app_tables(wild), min_size=1, max_size=3, unique_by=lambda app: app["name"].strip()
            ),
        }
    tables = st.fixed_dictionaries(
        required,
        optional={
            "settings": kind(st.sampled_from(["demo_settings", "nosuch.settings"])),
            "storages_basepath": kind(paths),
            **({"storages": kind(st.lists(paths, max_size=3))} if wild else {}),
            "storages_excludes": kind(st.lists(patterns, max_size=3)),
            "destination": kind(paths),
            "filename": kind(filenames),
            "indent": kind(st.integers(-3, 10)),
            "chmod": kind(modes.map(str) if not wild else modes),
            "dir_chmod": kind(modes.map(str) if not wild else modes),
            "executable": kind(odd_text),
            **({"apps": kind(st.lists(app_tables(wild), max_size=4))} if wild else {}),
        },
    )
    if not wild:
        return tables
    return tables.flatmap(
        lambda table: seldom(st.dictionaries(odd_text, any_value, min_size=1, max_size=2)).map(
            lambda extra: {**extra, **table}  # unknown keys, among the known ones
        )
    )


# -- TOML ----------------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes, plus DEL (TOML wants it escaped)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value) -> str:
    """A value as TOML (inline tables and arrays; dates, times and floats as TOML writes them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{toml_string(key)} = {toml_value(item)}" for key, item in value.items())
        return "{" + items + "}"
    raise TypeError(value)


def toml_document(table: dict) -> str:
    return "".join(f"{toml_string(key)} = {toml_value(value)}\n" for key, value in table.items())


documents = st.one_of(
    configurations().map(toml_document).map(lambda text: text.encode("utf-8")),
    st.binary(max_size=60),  # not TOML, not UTF-8
    st.sampled_from([b"[[apps]]\n", b"apps = 1\n[[apps]]\n", b"x = \n", b"\xef\xbb\xbfname = 1\n"]),
)

# -- the site every example runs in -----------------------------------------------------------


def make_site(folder: Path) -> None:
    """A storages base path with a ``media`` storage, where relative paths lead."""
    (folder / "media" / "sub").mkdir(parents=True)
    (folder / "media" / "file.txt").write_text("hello")
    (folder / "media" / "sub" / "b.tmp").write_text("tmp")


def listing(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def assert_problem_lines(exc: DisketteError) -> None:
    """An error lists its problems, one line each, none empty."""
    assert exc.problems, repr(exc)
    assert all(line.strip() for line in exc.problems), exc.problems
    assert exc.exit_code in (1, 2)


# -- the properties ------------------------------------------------------------------------


@FUZZ
@given(document=documents)
def test_a_generated_diskette_toml_is_valid_or_one_configuration_error(demo_project, document):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        make_site(folder)
        (folder / "diskette.toml").write_bytes(document)
        before = listing(folder)
        try:
            config = load_config(folder)
            dumper = Dumper.from_config(config)
            request = DumpRequest.from_config(config)
            plan = dumper.plan(request)
        except DisketteError as exc:
            assert_problem_lines(exc)
            event(f"refused: {re.sub(r'[0-9]+', 'N', exc.problems[0])[:60]}")
        else:
            json.dumps(plan.as_dict())
            event("planned")
        assert listing(folder) == before


@FUZZ
@given(table=configurations(wild=False))
def test_a_well_typed_odd_configuration_is_planned_or_one_configuration_error(demo_project, table):
    """Right types, odd contents: labels, patterns, paths, filenames, modes reach the engine."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        make_site(folder)
        (folder / "diskette.toml").write_text(toml_document(table), encoding="utf-8")
        before = listing(folder)
        try:
            config = load_config(folder)
            dumper = Dumper.from_config(config)
            plan = dumper.plan(DumpRequest.from_config(config))
        except DisketteError as exc:
            assert_problem_lines(exc)
            event(f"refused: {re.sub(r'[0-9]+', 'N', exc.problems[0])[:50]}")
        else:
            json.dumps(plan.as_dict())
            event("planned")
        assert listing(folder) == before


flags = st.lists(
    st.one_of(
        st.tuples(st.just("--exclude"), patterns),
        st.tuples(st.just("--storage"), paths),
        st.tuples(st.just("--filename"), filenames),
        st.tuples(st.just("-d"), paths),
        st.tuples(st.just("--app"), st.one_of(st.sampled_from(["Sites", "Nope"]), odd_text)),
        st.tuples(st.just("--no-data"), st.none()),
        st.tuples(st.just("--no-storages"), st.none()),
        st.tuples(st.just("--no-storages-excludes"), st.none()),
        st.tuples(st.just("--skip-unreadable"), st.none()),
    ),
    max_size=4,
)
#: A configuration that works, for the flags to change.
GOOD_CONFIG = {
    "storages": ["media"],
    "storages_excludes": ["*.tmp"],
    "destination": "dumps",
    "apps": [{"name": "Sites", "models": ["sites"]}],
}


@FUZZ
@given(
    table=st.one_of(st.just(GOOD_CONFIG), configurations(wild=False), configurations()),
    options=flags,
)
def test_check_with_odd_flags_exits_0_1_or_2_with_error_lines(demo_project, table, options):
    table = {key: value for key, value in table.items() if key != "pythonpath"}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        make_site(folder)
        config = folder / "diskette.toml"
        config.write_text(toml_document(table), encoding="utf-8")
        before = listing(folder)
        argv = ["check", "--json", "-c", str(config)]
        for flag, value in options:
            argv += [flag] if value is None else [flag, value]
        cwd = os.getcwd()
        os.chdir(folder)  # relative flags are relative to the current folder
        try:
            result = CliRunner().invoke(cli.app, argv)
        finally:
            os.chdir(cwd)

        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        assert result.exit_code in (0, 1, 2), result.output
        assert "Traceback" not in result.output
        lines = result.stderr.splitlines()
        assert not [line for line in lines if CRASH_LINE.match(line)], lines
        if result.exit_code:
            ours = any(line.startswith("error: ") for line in lines)
            usage = result.exit_code == 2 and any(line.startswith("Error: ") for line in lines)
            assert ours or usage, result.output  # usage: Click's own (a bad --indent...)
        else:
            json.loads(result.stdout)
        event(f"exit {result.exit_code}")
        assert listing(folder) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--json", "--exclude", "a\x00b"],
        ["check", "--json", "--storage", "media\x00x"],
        ["check", "--json", "-d", "du\x00mps"],
        ["check", "--json", "--filename", "{0}.tar.gz"],
        ["check", "--json", "--filename", "{date:%Y}.tar.gz"],
        ["check", "--json", "--filename", "a/b.tar.gz"],
        ["check", "--json", "--app", "\x00"],
        ["check", "--json", "-d", "x" * 300],  # found by the fuzzing: ENAMETOOLONG crashed
        ["check", "--json", "--storage", "media/" + "y/" * 3000],
        ["load", "--yes", "--storages-basepath", "ba\x00se", "nope.tar.gz"],
    ],
)
def test_a_nul_a_long_name_or_a_format_field_in_a_flag_is_an_error(demo_project, tmp_path, argv):
    """Flags argv cannot carry from a shell (NUL), names too long, format fields."""
    make_site(tmp_path)
    config = tmp_path / "diskette.toml"
    config.write_text(toml_document(GOOD_CONFIG), encoding="utf-8")
    before = listing(tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli.app, [*argv, "-c", str(config)])
    finally:
        os.chdir(cwd)
    assert result.exit_code in (1, 2), result.output
    lines = result.stderr.splitlines()
    assert not [line for line in lines if CRASH_LINE.match(line)], lines
    ours = [line for line in lines if line.startswith("error: ")]
    usage = [line for line in lines if line.startswith("Error: ")]  # Click's own, exit 2
    assert ours or (usage and result.exit_code == 2), result.output
    assert listing(tmp_path) == before
