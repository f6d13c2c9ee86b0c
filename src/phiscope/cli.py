"""The command line: a thin Typer layer over the packages.

Each command group lives beside the package it drives (exposure/cli.py, remediate/cli.py, ...) and
imports its heavy dependencies inside the command, so `phiscope --help` starts fast.
"""

from __future__ import annotations

import typer

from phiscope import __version__
from phiscope.exposure.cli import app as exposure_app
from phiscope.exposure.cli import probe_command
from phiscope.remediate.cli import app as fix_app
from phiscope.remediate.cli import incident_command
from phiscope.scan.cli import demo_command, report_command, scan_command
from phiscope.serve.cli import serve_command, users_app

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
) -> None:
    """PHIscope: who can reach your buckets, what health data is inside, how many people, how to close it."""


app.command("demo")(demo_command)
app.command("scan")(scan_command)
app.add_typer(exposure_app, name="exposure")
app.command("probe")(probe_command)
app.add_typer(fix_app, name="fix")
app.command("incident")(incident_command)
app.command("report")(report_command)
app.command("serve")(serve_command)
app.add_typer(users_app, name="users")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
