"""The Textual apps (the only package that imports Textual).

:func:`run_preview`, :func:`run_inspect` and :func:`run_load` are what the
command line calls; :class:`~.dump_app.DumpApp`, :class:`~.inspect_app.InspectApp`
and :class:`~.load_app.LoadApp` are what tests drive with ``run_test``.
"""

from __future__ import annotations


def run_preview(
    dumper, request, *, read_only: bool, title: str, subtitle: str = "", written=None
) -> int:
    """Preview the dump ``request`` asks for with ``dumper``; return the process exit code.

    The plan is computed and the archive written in thread workers; the
    preview's ``e`` re-plans ``dataclasses.replace(request, …)``. Once the app
    has closed (the terminal is back), ``written(result)`` is called with the
    :class:`~diskette_tui.core.archive.ArchiveResult` of an archive written
    from it. Exit codes: 0 written or quit, 1 the plan or the dump failed
    (after the user read the error), 130 cancelled while writing.
    """
    from .dump_app import DumpApp

    app = DumpApp(dumper, request, read_only=read_only, title=title, subtitle=subtitle)
    app.run()
    if app.result is not None and written is not None:
        written(app.result)
    return app.return_code if app.return_code is not None else 0


def run_inspect(archive, *, title: str, subtitle: str = "") -> int:
    """Browse ``archive`` (read in a thread worker); return the process exit code.

    Exit codes: 0 quit, 1 the archive cannot be read (after the user read why).
    """
    from .inspect_app import InspectApp

    label = subtitle or "the archive"
    app = InspectApp(archive, title=title, subtitle=subtitle, archive_label=label)
    app.run()
    return app.return_code if app.return_code is not None else 0


def run_load(loader, request, *, title: str, subtitle: str = "", database: str = "") -> int:
    """Preview the load ``request`` asks for, confirm it, run it; return the exit code.

    ``loader.plan(request)`` reads, checks and verifies the archive (writes
    nothing) and ``loader.execute`` loads, both in thread workers; ``database``
    says where the data goes. Exit codes: 0 loaded; 1 the load cannot be
    planned or failed (rolled back), or the user left without loading; 2 a
    configuration problem found while planning; 130 the user stopped the load
    (rolled back).
    """
    from .load_app import LoadApp

    app = LoadApp(loader, request, title=title, subtitle=subtitle, database=database)
    app.run()
    return app.return_code if app.return_code is not None else 1
