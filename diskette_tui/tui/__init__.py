"""The Textual apps (the only package that imports Textual).

:func:`run_preview`, :func:`run_inspect` and :func:`run_load` are what the
command line calls; :class:`~.dump_app.DumpApp`, :class:`~.inspect_app.InspectApp`
and :class:`~.load_app.LoadApp` are what tests drive with ``run_test``.
"""

from __future__ import annotations


def run_preview(load_plan, execute, *, read_only: bool, title: str, subtitle: str = "") -> int:
    """Run the app; return the process exit code.

    ``load_plan(progress, is_cancelled, use_excludes=True) -> DumpPlan`` and
    ``execute(plan, progress) -> ArchiveResult`` are blocking and run in
    thread workers. Exit codes: 0 written or quit, 1 the plan or the dump
    failed (after the user read the error), 130 cancelled while writing.
    """
    from .dump_app import DumpApp

    app = DumpApp(load_plan, execute, read_only=read_only, title=title, subtitle=subtitle)
    app.run()
    return app.return_code if app.return_code is not None else 0


def run_inspect(load_contents, *, title: str, subtitle: str = "") -> int:
    """Browse an archive; return the process exit code.

    ``load_contents() -> ArchiveContents`` is blocking and runs in a thread
    worker. Exit codes: 0 quit, 1 the archive cannot be read (after the user
    read why).
    """
    from .inspect_app import InspectApp

    app = InspectApp(
        load_contents, title=title, subtitle=subtitle, archive_label=subtitle or "the archive"
    )
    app.run()
    return app.return_code if app.return_code is not None else 0


def run_load(load_plan, execute, *, title: str, subtitle: str = "", database: str = "") -> int:
    """Preview a load, ask for confirmation, run it; return the process exit code.

    ``load_plan() -> LoadPlan`` (reads, checks and verifies the archive; writes
    nothing) and ``execute(plan, progress) -> LoadResult`` are blocking and run
    in thread workers; ``database`` says where the data goes. Exit codes: 0
    loaded; 1 the load cannot be planned or failed (rolled back), or the user
    left without loading; 2 a configuration problem found while planning; 130
    the user stopped the load (rolled back).
    """
    from .load_app import LoadApp

    app = LoadApp(
        load_plan,
        execute,
        title=title,
        subtitle=subtitle,
        database=database,
    )
    app.run()
    return app.return_code if app.return_code is not None else 1
