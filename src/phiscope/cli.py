"""The command line: a thin Typer layer over the packages.

Each command group lives beside the package it drives (exposure/cli.py, remediate/cli.py, ...) and
imports its heavy dependencies inside the command, so `phiscope --help` starts fast.
"""

from __future__ import annotations

import typer

from phiscope import __version__
from phiscope.discover.cli import HELP as DISCOVER_HELP
from phiscope.discover.cli import discover_command
from phiscope.exposure.cli import app as exposure_app
from phiscope.exposure.cli import probe_command
from phiscope.remediate.cli import app as fix_app
from phiscope.remediate.cli import incident_command
from phiscope.scan.cli import demo_command, report_command, scan_command
from phiscope.scan.diff_cli import diff_command
from phiscope.scan.scans_cli import scans_command
from phiscope.serve.cli import serve_command, users_app
from phiscope.watch.cli import watch_command

app = typer.Typer(
    name="phiscope",
    help="Find exposed cloud object storage and the health and personal data inside it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"phiscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show version."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks (also PHISCOPE_DEBUG=1)."),
) -> None:
    """PHIscope: who can reach your buckets, what health data is inside, how many people, how to close it."""


app.command("demo")(demo_command)
app.command("scan")(scan_command)
app.add_typer(exposure_app, name="exposure")
app.command("probe")(probe_command)
app.add_typer(fix_app, name="fix")
app.command("incident")(incident_command)
app.command("report")(report_command)
app.command("discover", help=DISCOVER_HELP)(discover_command)
app.command("scans")(scans_command)
app.command("watch")(watch_command)
app.command("diff")(diff_command)
app.command("serve")(serve_command)
app.add_typer(users_app, name="users")


def main() -> None:
    """Exit codes: 0 clean, 3 findings, 1 error or could not verify, 2 usage, 130 interrupted."""
    import sys

    from phiscope.contract import guard_all, run

    __import__("phiscope.hardening").hardening.private_files()  # 0600 files, 0700 dirs
    guard_all(app)
    code = run(app)
    _leave(code)
    sys.exit(code)


def _leave(code: int) -> None:
    """Exit without the interpreter's teardown, which freed the parent's detection tables and caches
    object by object: ~0.3 s after every scan. What exit must do is done first: the databases closed
    (SQLite folds its WAL into the file), the atexit handlers (multiprocessing, thread pools,
    logging) run, the standard streams flushed. Skipped under a debugger or coverage, which report
    at teardown, and while a non-daemon thread still runs."""
    import atexit
    import os
    import sys
    import threading

    if sys.gettrace() is not None or "coverage" in sys.modules:
        return
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return  # the normal exit waits for these threads: let it

    if "phiscope.db.store" in sys.modules:
        sys.modules["phiscope.db.store"].close_all()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said anyway
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
