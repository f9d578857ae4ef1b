"""Benchmark: ``diskette dump`` against diskette 0.6.0 and ``dumpdata`` + ``tar czf``.

On one generated instance (benchmarks/generate.py: ~100k objects over three
definitions, ~200 MB of media at ``--scale 1``), in one run, alternating the
tools, it times and measures the peak RSS of the process tree (``os.wait4`` of
each child: the largest resident set of the child and of every process it
waited for) of:

- ``ours``: ``diskette dump --yes``;
- ``diskette``: diskette 0.6.0's ``diskette_dump``, from its own virtual
  environment (benchmarks/.venv-diskette, made here with pip on first use);
- ``dumpdata``: ``django-admin dumpdata`` per definition, then ``tar czf``;

for data only, storages only and both. It prints a table of medians and ratios
to ours, and writes it to benchmarks/RESULTS.md with the machine and the
command. It also times building the plan of a 100,000-file storage against
``find DIR -type f -printf '%s\\n'`` on the same tree (issue 12, item 5).

Run: ``just bench`` (``python benchmarks/run.py``); ``--scale 0.01`` for a
quick one. ``just bench-archive`` is the former ``just bench`` (the archive
writer against GNU tar, in-process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import generate

BENCHMARKS = generate.BENCHMARKS
ROOT = BENCHMARKS.parent
DISKETTE_VENV = BENCHMARKS / ".venv-diskette"
DISKETTE_VERSION = "0.6.0"
WORKDIR = BENCHMARKS / ".work"
TOOLS = ("ours", "diskette", "dumpdata")
MODES = ("data", "storages", "both")
SCAN_MARKER = ".scan-ready"


@dataclass
class Measure:
    """The runs of one tool on one kind of dump."""

    seconds: list = field(default_factory=list)
    cpu_seconds: list = field(default_factory=list)
    peak_kb: list = field(default_factory=list)
    archive_bytes: list = field(default_factory=list)

    @property
    def time(self) -> float:
        """Median wall time."""
        return statistics.median(self.seconds)

    @property
    def cpu(self) -> float:
        """Median CPU time (user + system, of the whole process tree)."""
        return statistics.median(self.cpu_seconds)

    @property
    def rss_mb(self) -> float:
        """Median peak RSS, in MB."""
        return statistics.median(self.peak_kb) / 1024

    @property
    def archive_mb(self) -> float:
        """Median archive size, in MB."""
        return statistics.median(self.archive_bytes) / 1e6


# The instance and the tools -----------------------------------------------------------


def ensure_instance(scale: float, media_scale: float | None = None, folder=None) -> Path:
    """The instance of these sizes, built when missing (or of other sizes)."""
    sizes = generate.Sizes.at(scale, media_scale)
    instance = Path(folder) if folder else WORKDIR / f"scale-{scale:g}-{media_scale or scale:g}"
    if not generate.is_ready(instance, sizes):
        print(f"building the instance in {instance} ...", file=sys.stderr)
        generate.build(instance, sizes)
    return instance.resolve()


def ensure_diskette_venv(venv: Path = DISKETTE_VENV) -> Path:
    """Python of a virtual environment holding diskette 0.6.0 and our Django version."""
    import django

    python = venv / "bin" / "python"
    probe = "import diskette, django; print(django.get_version())"
    if python.exists():
        found = subprocess.run([python, "-c", probe], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip() == django.get_version():
            return python
        shutil.rmtree(venv)
    print(f"installing diskette {DISKETTE_VERSION} into {venv} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run(
        [python, "-m", "pip", "install", "-q"]
        + [f"diskette=={DISKETTE_VERSION}", f"Django=={django.get_version()}"],
        check=True,
    )
    return python


def byte_compile() -> None:
    """Byte-compile our package and the benchmark app, as installing a wheel does.

    diskette 0.6.0 is installed from a wheel (byte-compiled by pip); ours is
    usually an editable checkout, and on a machine that sets
    ``PYTHONDONTWRITEBYTECODE`` every start would compile its modules again
    (~0.2 s a run, which is not the tool's cost).
    """
    import compileall

    for folder in (ROOT / "diskette_tui", BENCHMARKS / "benchsite"):
        compileall.compile_dir(folder, quiet=1)


def definitions() -> list[tuple[str, dict]]:
    """The instance's ``DISKETTE_APPS`` (plain Python: no Django needed)."""
    import benchsite.settings

    return [(name, dict(options)) for name, options in benchsite.settings.DISKETTE_APPS]


def dumpdata_script(instance: Path, out: Path, mode: str) -> str:
    """The shell script of ``dumpdata`` per definition then ``tar czf`` (leg ``dumpdata``)."""
    django_admin = shlex.join([sys.executable, "-m", "django"])
    lines = ["set -e"]
    parts = []
    if mode in ("data", "both"):
        lines.append(f"mkdir -p {shlex.quote(str(out / 'data'))}")
        for name, options in definitions():
            target = out / "data" / f"{name.lower()}.json"
            flags = ["--natural-foreign"] if options.get("natural_foreign") else []
            words = ["dumpdata", *options["models"], *flags, "-o", str(target)]
            lines.append(f"{django_admin} {shlex.join(words)}")
        parts += ["-C", str(out), "data"]
    if mode in ("storages", "both"):
        parts += ["-C", str(instance), "media"]
    lines.append(shlex.join(["tar", "czf", str(out / "dumpdata.tar.gz"), *parts]))
    return "\n".join(lines)


def command(tool: str, mode: str, instance: Path, out: Path, diskette_python) -> tuple:
    """``(argv, env)`` of one tool dumping ``mode`` of ``instance`` into ``out``."""
    flags = {"data": ["--no-storages"], "storages": ["--no-data"], "both": []}[mode]
    if tool == "ours":
        env = generate.instance_env(instance)
        argv = [sys.executable, "-m", "diskette_tui", "dump", "--yes", "-q", "-d", str(out)]
        return argv + flags, env
    if tool == "diskette":
        env = generate.instance_env(instance, generate.DISKETTE_SETTINGS_MODULE)
        argv = [str(diskette_python), "-m", "django", "diskette_dump", "--destination", str(out)]
        return argv + flags, env
    return ["bash", "-c", dumpdata_script(instance, out, mode)], generate.instance_env(instance)


def measure(argv, env, cwd: Path, log: Path) -> tuple[float, float, int]:
    """Run ``argv`` in ``cwd`` once: wall seconds, CPU seconds and peak RSS (KB) of its tree.

    ``os.wait4`` reports the child's own resource use together with that of
    every process it waited for: its ``ru_maxrss`` is the largest of them, its
    CPU times their sum. On a shared machine the CPU time is the steadier figure.
    """
    with open(log, "wb") as output:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=output, stderr=output)
        _pid, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{shlex.join(map(str, argv))[:200]} failed ({child.returncode}):\n{tail}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def run_dumps(instance, runs, tools, modes, diskette_python) -> dict:
    """``{(mode, tool): Measure}``: ``runs`` rounds, each running every tool on every mode.

    The tools take turns (their order rotates each round), so a busy spell of
    the machine does not fall on one of them.
    """
    results = {(mode, tool): Measure() for mode in modes for tool in tools}
    for round_index in range(runs):
        order = tools[round_index % len(tools) :] + tools[: round_index % len(tools)]
        for mode in modes:
            for tool in order:
                with tempfile.TemporaryDirectory(prefix="bench-out-", dir=instance) as folder:
                    out = Path(folder)
                    argv, env = command(tool, mode, instance, out / "dumps", diskette_python)
                    (out / "dumps").mkdir()
                    # In the instance: the storages base path of both tools is the current folder.
                    seconds, cpu, peak = measure(argv, env, instance, out / "run.log")
                    archives = list((out / "dumps").glob("*.tar.gz"))
                    if len(archives) != 1:
                        raise SystemExit(f"{tool} ({mode}) wrote {len(archives)} archives")
                    result = results[(mode, tool)]
                    result.seconds.append(seconds)
                    result.cpu_seconds.append(cpu)
                    result.peak_kb.append(peak)
                    result.archive_bytes.append(sum(path.stat().st_size for path in archives))
                print(
                    f"round {round_index + 1}/{runs} {mode:8} {tool:8} {seconds:7.2f} s "
                    f"(CPU {cpu:7.2f} s) {peak / 1024:6.1f} MB",
                    file=sys.stderr,
                )
    return results


# The plan of a big storage (item 5) ----------------------------------------------------

_PLAN_SCRIPT = """
import sys, time
from pathlib import Path
import django
django.setup()
from diskette_tui.core.dumper import Dumper
from diskette_tui.core.requests import DumpRequest

tree = Path(sys.argv[1])
started = time.perf_counter()
plan = Dumper([], storages=[tree], storages_basepath=tree.parent).plan(
    DumpRequest(tree.parent / "plan-out", with_data=False, count_rows=False)
)
print(time.perf_counter() - started, plan.files)
"""


def scan_tree(instance: Path, files: int) -> Path:
    """A storage of ``files`` tiny files beside the instance, made once."""
    tree = instance.parent / f"scan-{files}" / "big"
    marker = tree.parent / SCAN_MARKER
    if not marker.exists():
        shutil.rmtree(tree.parent, ignore_errors=True)
        generate.write_many_files(tree, files)
        marker.write_text(str(files))
    return tree


def time_plan(instance: Path, tree: Path, runs: int) -> tuple[float, float, int]:
    """Medians of building the plan of ``tree`` and of ``find`` on it, and its file count.

    Both run as fresh processes, alternating, after one warm-up of each (the
    tree is in the page cache for both). The plan is timed inside its process
    (Python's start-up and Django's set-up on the instance left out); ``find`` is timed whole.
    """
    find = ["bash", "-c", f"find {shlex.quote(str(tree))} -type f -printf '%s\\n' >/dev/null"]
    plan_argv = [sys.executable, "-c", _PLAN_SCRIPT, str(tree)]
    env = generate.instance_env(instance)
    plans, finds, files = [], [], 0
    for index in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(find, check=True)
        found = time.perf_counter() - started
        output = subprocess.run(plan_argv, env=env, check=True, capture_output=True, text=True)
        seconds, files = output.stdout.split()
        if index:  # the first round warms the cache
            finds.append(found)
            plans.append(float(seconds))
    return statistics.median(plans), statistics.median(finds), int(files)


def rows_memory(options, instance: Path) -> list[str]:
    """Our data dump's peak RSS at ``--rows-scale`` times the rows, against the default size.

    Memory must stay flat in the number of rows (issue 12: within 10 MB of
    the default size at 5× the rows). The bigger instance is built once with
    little media (only the data is dumped); both are measured here, alternating.
    """
    folder = None
    if options.instance:  # beside the given instance, not under .work/
        folder = options.instance.parent / f"{options.instance.name}-rows-x{options.rows_scale:g}"
    big = ensure_instance(options.scale * options.rows_scale, min(options.scale, 0.05), folder)
    peaks: dict[Path, list[int]] = {instance: [], big: []}
    for _round in range(options.runs):
        for folder in peaks:
            with tempfile.TemporaryDirectory(prefix="bench-out-", dir=folder) as out:
                argv, env = command("ours", "data", folder, Path(out) / "dumps", None)
                peaks[folder].append(measure(argv, env, folder, Path(out) / "run.log")[2])
    small, large = (statistics.median(values) / 1024 for values in peaks.values())
    return [
        f"Peak RSS of our data dump: {small:.1f} MB ({describe_instance(instance).split(';')[0]}); "
        f"{large:.1f} MB at {options.rows_scale:g}× the rows "
        f"({describe_instance(big).split(';')[0]}): {large - small:+.1f} MB."
    ]


# The report -------------------------------------------------------------------------


def machine() -> list[str]:
    """CPU model, cores, RAM, Python, Django and library versions, load."""
    import django

    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        ram = int(info.readline().split()[1]) / 1024 / 1024
    from diskette_tui.core.archive import gzip_backend
    from diskette_tui.core.requests import DEFAULT_COMPRESSLEVEL

    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; RAM: {ram:.1f} GiB",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"{platform.system()} {platform.release()}",
        f"- ours: gzip by {gzip_backend(DEFAULT_COMPRESSLEVEL)} at the default "
        f"compresslevel {DEFAULT_COMPRESSLEVEL}; diskette {DISKETTE_VERSION} and `tar czf`: zlib",
        f"- load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]


def table(results: dict, tools, modes) -> list[str]:
    """Markdown rows: medians and ratios to ours, per kind of dump and tool."""
    lines = [
        "| dump | tool | time (s) | time / ours | CPU (s) | CPU / ours "
        "| peak RSS (MB) | RSS / ours | archive (MB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in modes:
        ours = results.get((mode, "ours"))
        for tool in tools:
            found = results[(mode, tool)]
            time_ratio = f"{found.time / ours.time:.2f}" if ours else "–"
            cpu_ratio = f"{found.cpu / ours.cpu:.2f}" if ours else "–"
            rss_ratio = f"{found.rss_mb / ours.rss_mb:.2f}" if ours else "–"
            lines.append(
                f"| {mode} | {tool} | {found.time:.2f} | {time_ratio} | {found.cpu:.2f} "
                f"| {cpu_ratio} | {found.rss_mb:.1f} "
                f"| {rss_ratio} | {found.archive_mb:.2f} |"
            )
    return lines


def describe_instance(instance: Path) -> str:
    """The instance's sizes, read back from its marker and media folder."""
    sizes = json.loads((instance / generate.READY_MARKER).read_text())
    files = sum(1 for path in (instance / "media").rglob("*") if path.is_file())
    objects = sum(sizes["rows"].values())
    return (
        f"{objects:,} objects over 3 definitions; media: {files:,} files, "
        f"{sizes['media_bytes'] / 1e6:.0f} MB (60 % random, 40 % text)"
    )


def parse_options(argv=None) -> argparse.Namespace:
    """The runner's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1: ~100k objects, ~200 MB")
    parser.add_argument("--media-scale", type=float, default=None, help="default: --scale")
    parser.add_argument("--runs", type=int, default=3, help="rounds (medians are reported)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="among ours,diskette,dumpdata")
    parser.add_argument("--modes", default=",".join(MODES), help="among data,storages,both")
    parser.add_argument("--instance", type=Path, help="instance folder (default under .work/)")
    parser.add_argument(
        "--diskette-python",
        type=Path,
        help="a Python with diskette 0.6.0 (default: benchmarks/.venv-diskette, made if missing)",
    )
    parser.add_argument(
        "--scan-files", type=int, default=100_000, help="files of the plan benchmark (0: skip)"
    )
    parser.add_argument(
        "--rows-scale",
        type=float,
        default=5,
        help="peak RSS of our data dump at this many times the rows (0: skip)",
    )
    parser.add_argument("--results", type=Path, default=BENCHMARKS / "RESULTS.md")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Build what is missing, run the legs, print and write the results."""
    options = parse_options(argv)
    tools = tuple(options.tools.split(","))
    modes = tuple(options.modes.split(","))
    unknown = (set(tools) - set(TOOLS)) | (set(modes) - set(MODES))
    if unknown:
        raise SystemExit(f"unknown tools or modes: {', '.join(sorted(unknown))}")
    instance = ensure_instance(options.scale, options.media_scale, options.instance)
    diskette_python = None
    if "diskette" in tools:
        diskette_python = options.diskette_python or ensure_diskette_venv()
    byte_compile()
    started = datetime.now().replace(microsecond=0)
    header = machine()
    results = run_dumps(instance, options.runs, tools, modes, diskette_python)
    lines = [
        "# Benchmark results",
        "",
        f"`{shlex.join(['python', 'benchmarks/run.py', *(argv or sys.argv[1:])])}` "
        f"— {started.isoformat(sep=' ')}, median of {options.runs} alternating rounds.",
        "",
        *header,
        f"- instance: {describe_instance(instance)}",
        "",
        *table(results, tools, modes),
    ]
    if options.scan_files:
        tree = scan_tree(instance, options.scan_files)
        plan, find, files = time_plan(instance, tree, options.runs)
        lines += [
            "",
            f"Plan of a storage of {files:,} files: {plan:.2f} s; "
            f"`find DIR -type f -printf '%s\\n' >/dev/null`: {find:.2f} s "
            f"(plan / find: {plan / find:.2f}).",
        ]
    if options.rows_scale and "ours" in tools:
        lines += ["", *rows_memory(options, instance)]
    text = "\n".join(lines) + "\n"
    print(text)
    options.results.write_text(text)


if __name__ == "__main__":
    sys.path.insert(0, str(BENCHMARKS))
    main()
