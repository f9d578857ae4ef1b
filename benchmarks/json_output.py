"""Benchmark: ``--json`` output against the text forms, at 100,000 files.

Generates a storage of 100,000 small files next to a demo project, then times
the real commands (subprocesses, stdout to /dev/null, best of ``--runs``):
``check`` against ``check --json`` on the storage, and ``verify`` against
``inspect --json`` on the archive ``dump`` writes of it. Targets (issue 8,
item 18): ``check --json`` at most 1.5 × ``check``, ``inspect --json`` at most
1.5 × ``verify``. Run: ``just bench-json`` (``python benchmarks/json_output.py
--files 100000 --runs 3``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from diskette_tui.demo import build_demo, write_demo_files
from diskette_tui.project import Project


def make_storage(folder: Path, files: int) -> None:
    """``files`` tiny files, a thousand per subfolder."""
    for index in range(files):
        sub = folder / f"d{index // 1000:03d}"
        if index % 1000 == 0:
            sub.mkdir(parents=True)
        (sub / f"f{index:06d}.txt").write_bytes(b"x")


def diskette(base: Path, *args: str) -> float:
    """Wall time of one run of the real command (stdout to /dev/null); fails loudly."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "diskette_tui", *args],
        cwd=base,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"diskette {' '.join(args)} failed: {result.stderr.strip()}")
    return elapsed


def best_of(runs: int, base: Path, *args: str) -> float:
    """Fastest of ``runs`` runs."""
    return min(diskette(base, *args) for _ in range(runs))


def main() -> None:
    """Build the tree, time the four commands, print the ratios against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="diskette-bench-json-"))
    try:
        demo = base / "demo"
        write_demo_files(demo)
        Project(settings="demo_settings", pythonpath=[demo]).setup()
        build_demo(demo)
        make_storage(base / "big", options.files)
        (base / "diskette.toml").write_text(
            f'settings = "demo_settings"\npythonpath = "{demo}"\nstorages = ["big"]\n'
            f'destination = "out"\n[[apps]]\nname = "Sites"\nmodels = "sites"\n'
        )
        check = best_of(options.runs, base, "check")
        check_json = best_of(options.runs, base, "check", "--json")
        diskette(base, "dump", "--yes", "-q")
        archive = base / "out" / "diskette_data_storages.tar.gz"
        with tarfile.open(archive) as tar:
            members = sum(1 for _ in tar)
        verify = best_of(options.runs, base, "verify", str(archive))
        inspect_json = best_of(options.runs, base, "inspect", "--json", str(archive))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"storage of {options.files:,} files; archive of {members:,} members")
    print(f"best of {options.runs} runs:")
    print(f"  check           {check:6.2f} s")
    print(
        f"  check --json    {check_json:6.2f} s  ({check_json / check:.2f} × check, target ≤ 1.5)"
    )
    print(f"  verify          {verify:6.2f} s")
    print(
        f"  inspect --json  {inspect_json:6.2f} s  "
        f"({inspect_json / verify:.2f} × verify, target ≤ 1.5)"
    )


if __name__ == "__main__":
    main()
