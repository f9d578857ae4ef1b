"""The Textual preview app (the only package that imports Textual).

:func:`run_preview` is what the command line calls; :class:`DisketteApp`
(in :mod:`.app`) is what tests drive with ``run_test``.
"""

from __future__ import annotations


def run_preview(load_plan, execute, *, read_only: bool, title: str, subtitle: str = "") -> int:
    """Run the app; return the process exit code.

    ``load_plan(progress, is_cancelled) -> DumpPlan`` and
    ``execute(plan, progress) -> ArchiveResult`` are blocking and run in
    thread workers. Exit codes: 0 written or quit, 1 the plan or the dump
    failed (after the user read the error), 130 cancelled while writing.
    """
    from .app import DisketteApp

    app = DisketteApp(load_plan, execute, read_only=read_only, title=title, subtitle=subtitle)
    app.run()
    return app.return_code if app.return_code is not None else 0
