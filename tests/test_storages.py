"""Storage validation, walking, exclusion patterns and the symbolic link policy.

Everything runs on real files under ``tmp_path``; no Django settings needed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from diskette_tui.core.plan import ExcludedEntry, StoragePlan
from diskette_tui.core.progress import ProgressUpdate
from diskette_tui.core.storages import (
    StorageScan,
    _nesting_problems,
    _storage_folder,
    _Walk,
    check_patterns,
    compile_excludes,
    scan_storages,
    validate_storages,
)
from diskette_tui.exceptions import DumperError
from unprivileged import give_to_unprivileged, run_unprivileged


def make_tree(root: Path, spec: dict) -> None:
    """Create files (str or bytes values) and folders (dict values) under root."""
    root.mkdir(parents=True, exist_ok=True)
    for name, value in spec.items():
        path = root / name
        if isinstance(value, dict):
            make_tree(path, value)
        elif isinstance(value, bytes):
            path.write_bytes(value)
        else:
            path.write_text(value)


@pytest.fixture
def base(tmp_path) -> Path:
    """The storages base path, with an empty ``media`` storage in it."""
    (tmp_path / "media").mkdir()
    return tmp_path


def scan(base: Path, storage="media", **options) -> StoragePlan:
    return StorageScan(base / storage, base, **options).run()


def names(plan: StoragePlan, kind=None) -> list[str]:
    return [entry.arcname for entry in plan.entries if kind is None or entry.kind == kind]


def excluded(plan: StoragePlan) -> dict[str, str]:
    return {entry.arcname: entry.pattern for entry in plan.excluded}


def skipped(plan: StoragePlan) -> dict[str, str]:
    return {entry.arcname: entry.reason for entry in plan.skipped_links}


# Walking ------------------------------------------------------------------


def test_entries_in_depth_first_name_order_folders_first(base):
    make_tree(base / "media", {"b.txt": "b", "a": {"z.txt": "z", "y": {"x.txt": "x"}}, "c": {}})

    plan = scan(base)

    assert names(plan) == [
        "media/a",
        "media/a/y",
        "media/a/y/x.txt",
        "media/a/z.txt",
        "media/b.txt",
        "media/c",
    ]
    assert [entry.kind for entry in plan.entries] == ["dir", "dir", "file", "file", "file", "dir"]


def test_scan_is_deterministic(base):
    make_tree(base / "media", {f"f{i:03}.txt": str(i) for i in range(50)} | {"d": {"e": "e"}})

    assert scan(base) == scan(base)


def test_empty_folders_are_kept(base):
    make_tree(base / "media", {"empty": {}, "outer": {"inner": {}}})

    plan = scan(base)

    assert names(plan, "dir") == ["media/empty", "media/outer", "media/outer/inner"]
    assert plan.files == 0


def test_sizes_come_from_the_files(base):
    make_tree(base / "media", {"one.bin": b"x" * 10, "sub": {"two.bin": b"y" * 2500}, "zero": ""})

    plan = scan(base)

    assert {entry.arcname: entry.size for entry in plan.entries} == {
        "media/one.bin": 10,
        "media/sub": 0,
        "media/sub/two.bin": 2500,
        "media/zero": 0,
    }
    assert plan.files == 3
    assert plan.size == 2510


def test_arcnames_are_relative_to_basepath(tmp_path):
    make_tree(tmp_path / "var" / "media", {"pictures": {"a.jpg": "a"}})

    plan = StorageScan(tmp_path / "var" / "media", tmp_path).run()

    assert plan.arcname == "var/media"
    assert plan.path == (tmp_path / "var" / "media").resolve()
    assert names(plan) == ["var/media/pictures", "var/media/pictures/a.jpg"]
    assert plan.entries[1].path == (tmp_path / "var" / "media" / "pictures" / "a.jpg").resolve()


def test_strings_are_accepted_for_paths(base):
    make_tree(base / "media", {"a.txt": "a"})

    plan = StorageScan(str(base / "media"), str(base)).run()

    assert names(plan) == ["media/a.txt"]


def test_scan_storages_keeps_the_order_given(base):
    make_tree(base / "static", {"s.css": "s"})
    make_tree(base / "media", {"m.jpg": "m"})

    plans = scan_storages([base / "static", base / "media"], base)

    assert [plan.arcname for plan in plans] == ["static", "media"]
    assert names(plans[0]) == ["static/s.css"]


def test_scan_of_invalid_storage_raises_with_the_problem(base):
    with pytest.raises(DumperError) as caught:
        StorageScan(base / "missing", base).run()

    assert caught.value.problems == [f"storage does not exist: {base / 'missing'}"]


def test_special_files_are_skipped(base):
    os.mkfifo(base / "media" / "pipe")

    plan = scan(base)

    assert plan.entries == ()
    assert skipped(plan) == {"media/pipe": "not a regular file"}


SCAN_AS_USER = """
import json, sys
from diskette_tui.core.storages import StorageScan
plan = StorageScan(sys.argv[1], sys.argv[2]).run()
print(json.dumps({
    "entries": [entry.arcname for entry in plan.entries],
    "skipped": {e.arcname: [e.reason, e.unreadable] for e in plan.skipped_links},
}))
"""


def test_unreadable_folder_and_file_are_recorded_as_unreadable(shared_tmp):
    # Root reads anything: the scan runs as an unprivileged user (see unprivileged.py).
    make_tree(shared_tmp / "media", {"locked": {"secret": "s"}, "private.txt": "p", "ok.txt": "o"})
    os.mkfifo(shared_tmp / "media" / "pipe")
    give_to_unprivileged(shared_tmp)
    (shared_tmp / "media" / "locked").chmod(0)
    (shared_tmp / "media" / "private.txt").chmod(0)

    result = run_unprivileged(
        ["-c", SCAN_AS_USER, str(shared_tmp / "media"), str(shared_tmp)], cwd=shared_tmp
    )

    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["entries"] == ["media/ok.txt"]
    assert plan["skipped"] == {
        "media/locked": ["permission denied", True],
        "media/pipe": ["not a regular file", False],
        "media/private.txt": ["permission denied", True],
    }


def test_a_storage_that_cannot_be_listed_is_unreadable(shared_tmp):
    make_tree(shared_tmp / "media", {"a.txt": "a"})
    give_to_unprivileged(shared_tmp)
    (shared_tmp / "media").chmod(0o300)  # enter and write, but not list

    result = run_unprivileged(
        ["-c", SCAN_AS_USER, str(shared_tmp / "media"), str(shared_tmp)], cwd=shared_tmp
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "entries": [],
        "skipped": {"media": ["permission denied", True]},
    }


def test_names_that_are_not_utf8_are_recorded_escaped_and_unreadable(base):
    media = os.fsencode(base / "media")
    with open(media + b"/caf\xe9.txt", "wb") as file:
        file.write(b"x")
    os.mkdir(media + b"/d\xe9j\xe0")
    with open(media + b"/d\xe9j\xe0/inside.txt", "wb") as file:
        file.write(b"never walked")
    with open(media + b"/old\xff.tmp", "wb") as file:
        file.write(b"excluded by a pattern")
    os.symlink(b"caf\xe9.txt", media + b"/link")
    (base / "media" / "good.txt").write_text("g")

    plan = scan(base, excludes=["*.tmp"])

    assert names(plan) == ["media/good.txt"]
    assert [(e.arcname, e.reason, e.unreadable) for e in plan.skipped_links] == [
        ("media/caf\\xe9.txt", "file name is not valid UTF-8", True),
        ("media/d\\xe9j\\xe0", "file name is not valid UTF-8", True),
        ("media/link", "link target is not valid UTF-8", True),
    ]
    assert plan.skipped_links[2].target == "caf\\xe9.txt"
    assert excluded(plan) == {"media/old\\xff.tmp": "*.tmp"}
    # Every name the plan holds can be written as UTF-8 (JSON, SHA256SUMS, the manifest).
    for entry in (*plan.entries, *plan.excluded, *plan.skipped_links):
        entry.arcname.encode("utf-8")


def test_a_storage_whose_name_is_not_utf8_is_refused(base):
    folder = os.fsencode(base) + b"/m\xe9dia"
    os.mkdir(folder)

    problems = validate_storages([os.fsdecode(folder)], base)

    assert problems == ["storage name is not valid UTF-8: m\\xe9dia"]


# Exclusion patterns ---------------------------------------------------------


def test_file_pattern_excludes_files_and_names_the_pattern(base):
    make_tree(base / "media", {"a.tmp": b"12345", "a.txt": "a", "sub": {"b.tmp": "b"}})

    plan = scan(base, excludes=["*.log", "*.tmp"])
    media = base.resolve() / "media"

    assert names(plan) == ["media/a.txt", "media/sub"]
    assert plan.excluded == (
        ExcludedEntry(media / "a.tmp", "media/a.tmp", "*.tmp", False, 5),
        ExcludedEntry(media / "sub" / "b.tmp", "media/sub/b.tmp", "*.tmp", False, 1),
    )


def test_folder_pattern_excludes_folders_and_does_not_walk_them(base):
    make_tree(base / "media", {"cache": {"c.jpg": "c", "deep": {"d.jpg": "d"}}, "keep.jpg": "k"})
    # If the walk entered cache/, this link would show up among the skipped.
    os.symlink("/nowhere", base / "media" / "cache" / "broken")
    updates = []

    plan = scan(base, excludes=["cache/"], progress=updates.append)

    assert names(plan) == ["media/keep.jpg"]
    assert plan.excluded == (
        ExcludedEntry(base.resolve() / "media" / "cache", "media/cache", "cache/", True, 0),
    )
    assert plan.skipped_links == ()
    # Two entries seen at the top level, none inside cache/.
    assert updates[-1].completed == 2


def test_folder_pattern_does_not_exclude_a_file_of_that_name(base):
    make_tree(base / "media", {"cache": "a file", "sub": {"cache": {"x": "x"}}})

    plan = scan(base, excludes=["cache/"])

    assert names(plan) == ["media/cache", "media/sub"]
    assert excluded(plan) == {"media/sub/cache": "cache/"}


def test_nested_folder_pattern(base):
    make_tree(
        base / "media",
        {"thumbs": {"t": "t"}, "a": {"b": {"thumbs": {"t": "t"}, "p.jpg": "p"}}, "thumbs.jpg": "j"},
    )

    plan = scan(base, excludes=["**/thumbs/"])

    assert names(plan) == ["media/a", "media/a/b", "media/a/b/p.jpg", "media/thumbs.jpg"]
    assert excluded(plan) == {"media/a/b/thumbs": "**/thumbs/", "media/thumbs": "**/thumbs/"}


def test_negation_keeps_a_file_and_the_last_match_wins(base):
    make_tree(base / "media", {"a.tmp": "a", "keep.tmp": "k", "sub": {"keep.tmp": "k"}})

    plan = scan(base, excludes=["*.tmp", "!keep.tmp"])

    assert names(plan, "file") == ["media/keep.tmp", "media/sub/keep.tmp"]
    assert excluded(plan) == {"media/a.tmp": "*.tmp"}

    # Reversed, the exclusion comes last and wins again.
    plan = scan(base, excludes=["!keep.tmp", "*.tmp"])

    assert names(plan, "file") == []
    assert excluded(plan) == {
        "media/a.tmp": "*.tmp",
        "media/keep.tmp": "*.tmp",
        "media/sub/keep.tmp": "*.tmp",
    }


def test_patterns_are_relative_to_the_storage(tmp_path):
    make_tree(tmp_path / "var" / "media", {"top.txt": "t", "sub": {"top.txt": "t"}})

    plan = StorageScan(tmp_path / "var" / "media", tmp_path, excludes=["/top.txt"]).run()

    assert excluded(plan) == {"var/media/top.txt": "/top.txt"}
    assert names(plan, "file") == ["var/media/sub/top.txt"]

    # A pattern spelled relative to the base path matches nothing.
    plan = StorageScan(tmp_path / "var" / "media", tmp_path, excludes=["var/media/top.txt"]).run()

    assert plan.excluded == ()


def test_with_storages_excludes_false_excludes_nothing(base):
    make_tree(base / "media", {"a.tmp": "a", "cache": {"c": "c"}})

    plan = scan(base, excludes=["*.tmp", "cache/"], with_storages_excludes=False)

    assert names(plan) == ["media/a.tmp", "media/cache", "media/cache/c"]
    assert plan.excluded == ()


def test_excluded_link_is_not_judged(base):
    os.symlink("/etc", base / "media" / "outside.lnk")

    plan = scan(base, excludes=["*.lnk"])

    assert excluded(plan) == {"media/outside.lnk": "*.lnk"}
    assert plan.skipped_links == ()


def test_invalid_pattern_raises_value_error_naming_it(base):
    with pytest.raises(ValueError, match=r"'!'"):
        compile_excludes(["*.tmp", "!"])
    with pytest.raises(ValueError, match=r"trailing\\\\"):
        StorageScan(base / "media", base, excludes=["trailing\\"])


def test_invalid_patterns_are_ignored_when_excludes_are_off(base):
    plan = scan(base, excludes=["!"], with_storages_excludes=False)

    assert plan.entries == ()


def test_check_patterns_reports_each_invalid_pattern():
    problems = check_patterns(["*.tmp", "!", "", "# note", "cache/", 3, "a\nb"])

    assert len(problems) == 5
    assert "'!'" in problems[0]
    assert "''" in problems[1] and "matches nothing" in problems[1]
    assert "'# note'" in problems[2]
    assert "3" in problems[3]
    assert "several lines" in problems[4]
    assert check_patterns(["*.tmp", "!keep.tmp", "**/thumbs/", r"\#hash"]) == []
    assert check_patterns("*.tmp") != []


def test_compile_excludes_lines_up_with_the_patterns():
    spec = compile_excludes(["*.tmp", "!keep.tmp", "cache/"])

    assert spec.check_file("a.tmp").index == 0
    assert spec.check_file("keep.tmp").include is False
    assert spec.check_file("x/cache/").index == 2


# Symbolic links -------------------------------------------------------------


def test_relative_link_inside_is_kept_as_link(base):
    make_tree(base / "media", {"a.txt": "a", "sub": {}})
    os.symlink("../a.txt", base / "media" / "sub" / "alias")

    plan = scan(base)

    link = plan.entries[-1]
    assert (link.arcname, link.kind, link.link_target, link.size) == (
        "media/sub/alias",
        "link",
        "../a.txt",
        0,
    )
    assert plan.files == 1


def test_relative_link_through_the_parent_that_lands_inside_is_kept(base):
    make_tree(base / "media", {"a.txt": "a"})
    os.symlink("../media/a.txt", base / "media" / "detour")

    plan = scan(base)

    assert names(plan, "link") == ["media/detour"]


def test_link_outside_is_skipped(base):
    make_tree(base, {"secret.txt": "s"})
    os.symlink("../secret.txt", base / "media" / "relative")
    os.symlink(base / "secret.txt", base / "media" / "absolute")

    plan = scan(base)

    assert plan.entries == ()
    assert skipped(plan) == {
        "media/absolute": "points outside the storage",
        "media/relative": "points outside the storage",
    }
    assert {entry.target for entry in plan.skipped_links} == {
        "../secret.txt",
        str(base / "secret.txt"),
    }


def test_broken_link_is_skipped(base):
    os.symlink("missing.txt", base / "media" / "broken")
    os.symlink("missing/deeper.txt", base / "media" / "broken-deeper")

    plan = scan(base)

    assert plan.entries == ()
    assert skipped(plan) == {"media/broken": "broken link", "media/broken-deeper": "broken link"}


def test_link_loop_is_skipped(base):
    os.symlink("ping", base / "media" / "pong")
    os.symlink("pong", base / "media" / "ping")
    os.symlink("self", base / "media" / "self")

    plan = scan(base)

    assert plan.entries == ()
    assert set(skipped(plan).values()) == {"link loop"}
    assert len(plan.skipped_links) == 3


def test_absolute_link_inside_is_skipped(base):
    make_tree(base / "media", {"a.txt": "a"})
    os.symlink(base / "media" / "a.txt", base / "media" / "absolute")

    plan = scan(base)

    assert names(plan) == ["media/a.txt"]
    assert skipped(plan) == {"media/absolute": "absolute link target"}


def test_link_to_folder_is_not_descended(base):
    make_tree(base / "media", {"real": {"a.txt": "a"}})
    make_tree(base / "elsewhere", {"b.txt": "b"})
    os.symlink("real", base / "media" / "inside")
    os.symlink("../elsewhere", base / "media" / "outside")

    plan = scan(base)

    assert [(entry.arcname, entry.kind) for entry in plan.entries] == [
        ("media/inside", "link"),
        ("media/real", "dir"),
        ("media/real/a.txt", "file"),
    ]
    assert skipped(plan) == {"media/outside": "points outside the storage"}


def test_link_to_storage_root_is_kept_and_to_its_parent_skipped(base):
    os.symlink("..", base / "media" / "up")
    os.mkdir(base / "media" / "sub")
    os.symlink("..", base / "media" / "sub" / "up")

    plan = scan(base)

    assert skipped(plan) == {"media/up": "points outside the storage"}
    assert names(plan, "link") == ["media/sub/up"]


def test_storage_reached_through_a_link_is_walked_at_its_real_place(base):
    make_tree(base / "media", {"a.txt": "a"})
    os.symlink("media", base / "alias")

    plan = StorageScan(base / "alias", base).run()

    assert plan.arcname == "media"
    assert names(plan) == ["media/a.txt"]


# Progress and cancellation ------------------------------------------------


def test_progress_every_500_entries_and_at_the_end(base):
    make_tree(base / "media", {f"{i:04}": "" for i in range(1200)})
    updates = []

    scan(base, progress=updates.append)

    assert updates == [
        ProgressUpdate(stage="scan", item="media", completed=500),
        ProgressUpdate(stage="scan", item="media", completed=1000),
        ProgressUpdate(stage="scan", item="media", completed=1200),
    ]


def test_progress_is_reported_for_an_empty_storage(base):
    updates = []

    scan(base, progress=updates.append)

    assert updates == [ProgressUpdate(stage="scan", item="media", completed=0)]


def test_cancel_raises_keyboard_interrupt(base):
    make_tree(base / "media", {f"{i:04}": "" for i in range(1200)})
    asked = []

    def is_cancelled():
        asked.append(True)
        return len(asked) == 2

    with pytest.raises(KeyboardInterrupt):
        scan(base, is_cancelled=is_cancelled)
    assert len(asked) == 2


def test_not_cancelled_scan_completes(base):
    make_tree(base / "media", {f"{i:04}": "" for i in range(600)})

    plan = scan(base, is_cancelled=lambda: False)

    assert plan.files == 600


# Validation -----------------------------------------------------------------


def test_valid_storages_have_no_problem(base):
    make_tree(base / "static", {})
    make_tree(base / "var" / "uploads", {})

    storages = [base / "media", str(base / "static"), base / "var" / "uploads"]

    assert validate_storages(storages, base) == []
    assert validate_storages([], base) == []


def test_missing_storage(base):
    problems = validate_storages([base / "missing"], base)

    assert problems == [f"storage does not exist: {base / 'missing'}"]


def test_missing_storage_gets_no_other_problem(base, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "missing"

    assert validate_storages([elsewhere, elsewhere, base / "media"], base) == [
        f"storage does not exist: {elsewhere}",
        f"storage does not exist: {elsewhere}",
    ]


def test_storage_not_a_folder(base):
    (base / "file.txt").write_text("x")

    problems = validate_storages([base / "file.txt"], base)

    assert problems == [f"storage is not a folder: {base / 'file.txt'}"]


@pytest.mark.parametrize("name", ["data", "manifest.json", "SHA256SUMS"])
def test_reserved_storage_name(base, name):
    (base / name).mkdir()

    problems = validate_storages([base / name], base)

    assert len(problems) == 1
    assert f"'{name}'" in problems[0] and "reserved" in problems[0]
    assert str(base / name) in problems[0]


def test_reserved_name_is_the_first_component(base):
    (base / "data" / "media").mkdir(parents=True)
    (base / "media" / "data").mkdir()

    problems = validate_storages([base / "data" / "media"], base)

    assert len(problems) == 1 and "'data'" in problems[0]
    assert validate_storages([base / "media" / "data"], base) == []


def test_storage_listed_twice(base):
    problems = validate_storages([base / "media", base / "media"], base)

    assert len(problems) == 1
    assert "listed twice" in problems[0] and str(base / "media") in problems[0]


def test_storage_listed_twice_with_another_spelling(base):
    (base / "other").mkdir()
    spelling = base / "media" / ".." / "media"

    problems = validate_storages([base / "media", str(spelling)], base)

    assert problems == [f"storage is listed twice: {spelling} (same folder as {base / 'media'})"]


def test_storage_outside_basepath(base, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")

    problems = validate_storages([elsewhere], base / "media")

    assert len(problems) == 1
    assert "not inside the storages base path" in problems[0] and str(elsewhere) in problems[0]


def test_storage_escaping_basepath_through_a_link(base, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    os.symlink(elsewhere, base / "linked")

    problems = validate_storages([base / "linked"], base)

    assert len(problems) == 1 and "a symbolic link (or under one) leading outside" in problems[0]


def test_storage_equal_to_basepath(base):
    problems = validate_storages([base, base / "media"], base)

    assert len(problems) == 1
    assert "base path itself" in problems[0] and str(base) in problems[0]


@pytest.mark.parametrize("outer_first", [True, False], ids=["outer-first", "inner-first"])
def test_nested_storages(base, outer_first):
    inner = base / "media" / "pictures"
    inner.mkdir()
    storages = [base / "media", inner] if outer_first else [inner, base / "media"]

    problems = validate_storages(storages, base)

    assert problems == [f"storage {inner} is inside storage {base / 'media'}"]


def test_all_problems_are_collected(base):
    (base / "data").mkdir()
    (base / "file.txt").write_text("x")

    problems = validate_storages(
        [base / "missing", base / "file.txt", base / "data", base / "media", base / "media"],
        base,
    )

    assert len(problems) == 4
    assert problems[0].startswith("storage does not exist")
    assert problems[1].startswith("storage is not a folder")
    assert problems[2].startswith("storage name 'data' is reserved")
    assert problems[3].startswith("storage is listed twice")


def test_bad_input_never_raises(base):
    assert validate_storages([None, 42], base) == [
        "storage is not a path: None",
        "storage is not a path: 42",
    ]
    assert validate_storages(None, base) == []
    assert validate_storages(str(base / "media"), base) == []
    assert validate_storages([base / "media"], None) == [
        "storages base path is not a valid path: None"
    ]


def test_missing_basepath_is_reported(base):
    problems = validate_storages([base / "media"], base / "gone")

    assert problems[0] == f"storages base path does not exist: {base / 'gone'}"
    assert "not inside" in problems[1]


# The walk's steps ----------------------------------------------------------------


def test_a_scan_keeps_no_walk_state_between_runs(base):
    make_tree(base / "media", {"a.txt": "a", "sub": {"b.txt": "b"}})
    scanner = StorageScan(base / "media", base)

    first = scanner.run()
    (base / "media" / "c.txt").write_text("c")
    second = scanner.run()

    assert names(first) == ["media/a.txt", "media/sub", "media/sub/b.txt"]
    assert names(second) == ["media/a.txt", "media/c.txt", "media/sub", "media/sub/b.txt"]


def test_walk_plan_keeps_what_the_steps_recorded(base):
    walk = _Walk(root=str(base / "media"), arcname="media")
    walk.skip(base / "media" / "sock", "media/sock", "not a regular file")
    walk.skip(base / "media" / "out.lnk", "media/out.lnk", "points outside", target="/etc")

    plan = walk.plan()

    assert plan.path == base / "media"
    assert plan.entries == () and plan.excluded == ()
    assert skipped(plan) == {"media/sock": "not a regular file", "media/out.lnk": "points outside"}
    assert plan.skipped_links[1].target == "/etc"


def test_storage_folder_resolves_or_names_one_problem(base):
    (base / "file.txt").write_text("x")

    assert _storage_folder(base / "media") == (base / "media", (base / "media").resolve(), None)
    assert _storage_folder(None) == (None, None, "storage is not a path: None")
    assert _storage_folder(base / "file.txt")[2] == f"storage is not a folder: {base / 'file.txt'}"


def test_nesting_problems_name_each_pair_once(tmp_path):
    outer, inner, apart = tmp_path / "a", tmp_path / "a" / "b", tmp_path / "c"
    pairs = [(outer, outer), (inner, inner), (apart, apart)]

    assert _nesting_problems(pairs) == [f"storage {inner} is inside storage {outer}"]
    assert _nesting_problems(pairs[::-1]) == [f"storage {inner} is inside storage {outer}"]
