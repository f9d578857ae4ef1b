"""Benchmark: gzip backends (Python's zlib, ISA-L, zlib-ng) on the benchmark media.

Streams every file of a folder through each backend's ``GzipFile`` at several
levels, into a sink that only counts bytes (the disk is left out), and prints
wall time, throughput and the compressed size; with ``--threads`` it also times
compressing while another thread serializes JSON (the two-core case of a dump:
does the backend release the GIL?). This is what chose ``isal`` and the default
``compresslevel`` (README "Compression"). Run: ``just bench-gzip [FOLDER]``
(default: the media of the runner's instance, built if missing).
"""

from __future__ import annotations

import argparse
import gzip
import json
import threading
import time
from pathlib import Path

BUFFER = 1024 * 1024


class Sink:
    """A write-only file that counts what it is given."""

    def __init__(self):
        self.size = 0

    def write(self, data):
        self.size += len(data)
        return len(data)

    def flush(self):
        """Nothing buffered."""


def backends() -> dict:
    """``{name: (GzipFile class, levels)}`` of the installed backends."""
    found = {"zlib": (gzip.GzipFile, (1, 3, 6, 9))}
    try:
        from isal import igzip

        found["isal"] = (igzip.IGzipFile, (0, 1, 2, 3))
    except ImportError:
        pass
    try:
        from zlib_ng import gzip_ng

        found["zlib-ng"] = (gzip_ng.GzipNGFile, (1, 3, 6, 9))
    except ImportError:
        pass
    return found


def compress_tree(files, gzip_class, level) -> tuple[float, int, int]:
    """Compress ``files`` one after the other into one stream: (seconds, in bytes, out bytes)."""
    sink = Sink()
    read = 0
    started = time.perf_counter()
    with gzip_class(filename="", mode="wb", fileobj=sink, compresslevel=level) as stream:
        for path in files:
            with open(path, "rb") as source:
                while chunk := source.read(BUFFER):
                    stream.write(chunk)
                    read += len(chunk)
    return time.perf_counter() - started, read, sink.size


def json_work(stop: threading.Event) -> int:
    """Serialize JSON in pure Python until ``stop``: the GIL-bound half of a dump."""
    rows = [{"pk": i, "fields": {"name": f"n{i}", "price": "1.00"}} for i in range(200)]
    encoder = json.JSONEncoder()
    done = 0
    while not stop.is_set():
        for _chunk in encoder.iterencode(rows):
            pass
        done += 1
    return done


def with_json_thread(files, gzip_class, level) -> tuple[float, int]:
    """Compress while a thread encodes JSON: (compress seconds, JSON rounds done)."""
    stop = threading.Event()
    rounds = []
    worker = threading.Thread(target=lambda: rounds.append(json_work(stop)))
    worker.start()
    try:
        seconds, _read, _out = compress_tree(files, gzip_class, level)
    finally:
        stop.set()
        worker.join()
    return seconds, rounds[0] / seconds


def json_alone(seconds: float) -> float:
    """JSON rounds per second with nothing else running."""
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    return json_work(stop) / seconds


def main() -> None:
    """Time every backend and level on a folder; print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--threads", action="store_true", help="also time beside a JSON thread")
    options = parser.parse_args()
    folder = options.folder
    if folder is None:
        from run import ensure_instance

        folder = ensure_instance(1.0) / "media"
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    for path in files:  # warm the page cache: every backend reads from memory
        path.read_bytes()
    print(f"{len(files):,} files in {folder}")
    print(f"{'backend':8} {'level':>5} {'seconds':>8} {'MB/s':>7} {'ratio':>6}")
    for name, (gzip_class, levels) in backends().items():
        for level in levels:
            seconds, read, written = compress_tree(files, gzip_class, level)
            print(
                f"{name:8} {level:5} {seconds:8.2f} {read / seconds / 1e6:7.0f} "
                f"{written / read:6.3f}"
            )
    if options.threads:
        alone = json_alone(3.0)
        print(f"JSON alone: {alone:,.0f} rounds/s")
        for name, (gzip_class, levels) in backends().items():
            level = levels[1]
            seconds, rate = with_json_thread(files, gzip_class, level)
            print(
                f"{name} level {level} beside JSON: {seconds:.2f} s, "
                f"JSON at {rate / alone:.0%} of its speed alone"
            )


if __name__ == "__main__":
    main()
