"""Benchmarks: diskette-tui's storage scan and archive writer against GNU tar.

Both run side by side in one process run, on the same generated tree, so the
figures are ratios on the same (shared, noisy) machine. Run: ``just bench-archive``
(what ``just bench`` measured before issue 12).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

from diskette_tui.core.archive import ArchiveWriter
from diskette_tui.core.manifest import build_manifest
from diskette_tui.core.plan import DumpPlan
from diskette_tui.core.requests import DumpRequest
from diskette_tui.core.storages import scan_storages


def make_tree(base: Path, small_files: int, big_files: int, big_size: int) -> Path:
    """A storage with many small files and a few big incompressible ones."""
    media = base / "media"
    for index in range(small_files):
        folder = media / f"d{index // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{index:06d}.txt").write_bytes(b"x" * (index % 2048))
    blob = os.urandom(1 << 20)
    (media / "big").mkdir(parents=True, exist_ok=True)
    for index in range(big_files):
        (media / "big" / f"blob{index}.bin").write_bytes(blob * (big_size >> 20))
    return media


def best_of(runs: int, func):
    """Fastest wall time of several runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(small_files=20_000, big_files=4, big_size=32 << 20, runs=3):
    base = Path(tempfile.mkdtemp(prefix="diskette-bench-"))
    try:
        media = make_tree(base, small_files, big_files, big_size)
        out = base / "out"
        out.mkdir()
        scan_time, storages = best_of(runs, lambda: scan_storages([media], base, ["*.tmp"]))
        plan = DumpPlan(
            definitions=(),
            storages=tuple(storages),
            request=DumpRequest(out, "bench{features}.tar.gz"),
            created=datetime.now(),
            storages_basepath=base,
        )

        def ours():
            return ArchiveWriter(
                plan, lambda *a: {}, lambda objects: build_manifest(plan, "bench", objects)
            ).write()

        def gnu_tar():
            subprocess.run(
                ["tar", "-I", "gzip -6", "-cf", str(out / "gnu.tar.gz"), "-C", str(base), "media"],
                check=True,
            )

        ours_time, result = best_of(runs, ours)
        tar_time, _ = best_of(runs, gnu_tar)
        tracemalloc.start()
        ours()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        total = plan.size
        print(
            f"tree: {plan.files:,} files, {total / 1e6:.1f} MB ({small_files:,} small, "
            f"{big_files} × {big_size >> 20} MiB random)"
        )
        print(
            f"scan (pathspec, 1 pattern): {scan_time:.2f} s ({plan.files / scan_time:,.0f} files/s)"
        )
        print(f"diskette-tui archive (scan excluded, sha256 + gzip -6): {ours_time:.2f} s")
        print(f"GNU tar -I 'gzip -6' (no checksums):                     {tar_time:.2f} s")
        print(f"ratio diskette-tui / tar: {ours_time / tar_time:.2f}")
        print(
            f"Python heap peak while writing: {peak / 1e6:.1f} MB "
            f"(largest file {big_size >> 20} MiB)"
        )
        print(f"archive: {result.size / 1e6:.1f} MB")
    finally:
        shutil.rmtree(base)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
