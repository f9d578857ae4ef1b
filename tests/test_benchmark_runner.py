"""``just bench`` works end to end at a tiny scale (issue 12): figures are not checked, only
that every leg ran, wrote an archive and was measured, and that RESULTS.md says so."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "benchmarks" / "run.py"
HAS_DISKETTE = importlib.util.find_spec("diskette") is not None


def run_bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """The runner in a subprocess, on an instance and a results file under ``tmp_path``."""
    return subprocess.run(
        [sys.executable, str(RUNNER), "--scale", "0.002", "--runs", "1"]
        + ["--instance", str(tmp_path / "instance"), "--results", str(tmp_path / "RESULTS.md")]
        + list(args),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )


@pytest.mark.skipif(
    not HAS_DISKETTE, reason="diskette 0.6.0 is not installed (pip install -e '.[dev]')"
)
def test_runner_measures_every_tool_on_every_kind_of_dump(tmp_path):
    # diskette 0.6.0 from the dev dependencies: no virtual environment to build here.
    result = run_bench(tmp_path, "--scan-files", "300", "--diskette-python", sys.executable)
    assert result.returncode == 0, result.stderr[-3000:]
    text = (tmp_path / "RESULTS.md").read_text()
    assert text == result.stdout.rstrip("\n") + "\n"
    rows = re.findall(r"^\| (data|storages|both) \| (\w+) \| (.+) \|$", text, re.M)
    assert [(mode, tool) for mode, tool, _ in rows] == [
        (mode, tool)
        for mode in ("data", "storages", "both")
        for tool in ("ours", "diskette", "dumpdata")
    ]
    for mode, tool, cells in rows:
        seconds, time_ratio, cpu, cpu_ratio, rss, rss_ratio, archive = cells.split(" | ")
        assert float(seconds) > 0 and float(cpu) > 0 and float(rss) > 10, (mode, tool)
        if tool == "ours":
            assert time_ratio == cpu_ratio == rss_ratio == "1.00"
        assert float(archive) > 0, (mode, tool)
    assert "objects over 3 definitions" in text
    assert re.search(r"CPU: .+, \d+ cores; RAM: [\d.]+ GiB", text)
    assert re.search(r"Python 3\.\d+\.\d+, Django \d", text)
    assert "python benchmarks/run.py --scale 0.002" in text
    assert re.search(r"Plan of a storage of 300 files: [\d.]+ s; `find .+`: [\d.]+ s", text)
    # Memory in the number of rows: the same data dump at 5× the rows, beside the instance.
    assert re.search(
        r"Peak RSS of our data dump: [\d.]+ MB \(\d[\d,]* objects .+\); "
        r"[\d.]+ MB at 5× the rows \(\d[\d,]* objects .+\): [+-][\d.]+ MB\.",
        text,
    )
    assert (tmp_path / "instance-rows-x5" / "db.sqlite3").is_file()
    # The generated instance is a real Django project whose rows all three tools dumped.
    assert (tmp_path / "instance" / "db.sqlite3").is_file()
    assert not list((tmp_path / "instance").glob("bench-out-*")), "runs are cleaned up"


def test_instance_dumps_every_definition(tmp_path):
    """Our leg alone: the archive holds the three definitions' files and the media."""
    result = run_bench(
        tmp_path, "--tools", "ours", "--modes", "both", "--scan-files", "0", "--rows-scale", "0"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| both | ours |" in result.stdout
    assert "Plan of a storage" not in result.stdout
    assert "Peak RSS of our data dump" not in result.stdout
    instance = tmp_path / "instance"
    out = tmp_path / "check"
    env_run = subprocess.run(
        [sys.executable, "-m", "diskette_tui", "dump", "--yes", "-q", "-d", str(out)],
        cwd=instance,
        env=_instance_env(instance),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert env_run.returncode == 0, env_run.stderr
    (archive,) = out.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"data/catalog.json", "data/sales.json", "data/comments.json"} <= set(names)
    assert any(name.startswith("media/photos/") for name in names)
    assert any(name.startswith("media/documents/") for name in names)


def test_unknown_tool_is_one_line(tmp_path):
    result = run_bench(tmp_path, "--tools", "ours,tarball")
    assert result.returncode == 1
    assert result.stderr.strip() == "unknown tools or modes: tarball"


def _instance_env(instance: Path) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return generate.instance_env(instance)
