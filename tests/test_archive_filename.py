"""``--filename``: only {features} and {date} are placeholders; anything else is a usage error."""

from __future__ import annotations

import pytest
from test_cli import invoke, write_config


@pytest.mark.parametrize(
    "template, message",
    [
        ("{features.__class__}.tar.gz", "uses unknown field {features.__class__}"),
        ("{features!r}.tar.gz", "uses unknown field {features!r}"),
        ("{features:>40}.tar.gz", "uses unknown field {features:>40}"),
        ("{0}.tar.gz", "uses unknown field {0}"),
        ("{}.tar.gz", "uses unknown field {}"),
        ("a{.tar.gz", "has a lone '{'"),
        ("a}b.tar.gz", "has a lone '}'"),
        ("{{features}}.tar.gz", "has a lone '{'"),
        ("sub/d{features}.tar.gz", "must be a plain file name"),
        ("line\nbreak.tar.gz", "holds a control character"),
        ("tab\there.tar.gz", "holds a control character"),
        ("bell\x07.tar.gz", "holds a control character"),
        ("d{features}.zip", "must end with '.tar.gz'"),
        ("d{features}.tar.gz.bak", "must end with '.tar.gz'"),
    ],
)
def test_filename_with_anything_but_features_and_date_is_a_usage_error(
    demo_project, tmp_path, template, message
):
    config = write_config(tmp_path, demo_project)
    for command in (["dump", "--yes"], ["check"]):
        result = invoke(*command, "-c", config, "-q", "--filename", template)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.stderr
        assert "<class" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "dumps").exists()


def test_filename_fills_features_and_date_only(demo_project, tmp_path):
    config = write_config(tmp_path, demo_project)
    result = invoke(
        "dump",
        "-c",
        config,
        "--yes",
        "-q",
        "--no-storages",
        "--filename",
        "s{features}@{date}.tar.gz",
    )
    assert result.exit_code == 0, result.output
    [archive] = (tmp_path / "dumps").iterdir()
    assert archive.name.startswith("s_data@") and archive.name.endswith(".tar.gz")
    assert "{" not in archive.name
