"""Run a scan and write its reports: shared by `phiscope scan` and `phiscope demo` (moved out of
scan/cli.py so the demo does not import the CLI that imports the demo)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from phiscope.json_types import ReportV1


def run_and_report(
    cfg: Any,
    store: Any,
    *,
    output_dir: Path,
    formats: list[str],
    quiet: bool = False,
    mutelist: Path | None = None,
    fail_on: str = "high",
    ignore_exit_code_3: bool = False,
    db: str | None = None,
    pool: Any = None,
) -> int:
    """Run the scan with a progress display, write the reports, return the exit code. `pool`: worker
    processes already starting (pipeline.prestarted_pool), shut down with the scan."""
    from rich.console import Console

    from phiscope.contract import EXIT_INTERRUPTED, CliError, CouldNotVerify, describe_exception
    from phiscope.scan.pipeline import ScanInterrupted, Scanner, TargetError
    from phiscope.scan.progress import ProgressDisplay
    from phiscope.scan.report import build_report

    console = Console(stderr=True, quiet=quiet)
    _announce_mode(cfg, console)
    try:
        with ProgressDisplay(console, enabled=not quiet) as display:
            scan_id = Scanner(cfg, store, on_progress=display.update, pool=pool).run()
    except ScanInterrupted as e:
        import shlex
        import sys

        again = (
            "phiscope scan --resume " + shlex.quote(e.scan_id) + (f" --db {shlex.quote(db)}" if db else "")
        )
        done = len(store.finished_keys(e.scan_id))
        sys.stderr.write(
            f"interrupted: scan {e.scan_id} stopped after {done} object(s); resume with: {again}\n"
        )
        return EXIT_INTERRUPTED
    except TargetError as e:
        raise CouldNotVerify(e.target, e.cause, e.hint) from None
    except (ValueError, KeyError) as e:
        raise CliError(str(e).strip("'\"")) from None
    except Exception as e:
        raise CliError(
            f"scan failed: {describe_exception(e)}", hint="rerun with --debug for details"
        ) from None
    report = build_report(store, scan_id)
    code = write_outputs(
        report,
        output_dir=output_dir,
        formats=formats,
        quiet=quiet,
        mutelist=mutelist,
        fail_on=fail_on,
        ignore_exit_code_3=ignore_exit_code_3,
    )
    from phiscope.scan.org import unverified_accounts

    if n := unverified_accounts(report):  # an account not read is never an all-clear
        console.print(f"[red]error:[/] {n} account(s) of the Organization could not be verified")
        return 1
    return code


def write_outputs(
    report: ReportV1,
    *,
    output_dir: Path,
    formats: list[str],
    quiet: bool = False,
    mutelist: Path | None = None,
    fail_on: str = "high",
    ignore_exit_code_3: bool = False,
) -> int:
    from rich.console import Console

    console = Console(quiet=quiet)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return _output_error(output_dir, e, report)
    try:
        from phiscope.report import render
    except ImportError:
        render = None  # type: ignore[assignment]
    if mutelist is not None:
        from phiscope.report.mutelist import apply_mutelist, load_mutelist

        try:
            muter = load_mutelist(mutelist)
        except (OSError, ValueError) as e:
            Console(stderr=True).print(f"[red]error:[/] mutelist {mutelist}: {e}")
            return 1
        for w in apply_mutelist(report, muter):
            console.print(f"[yellow]mutelist:[/] {w}")
    if render is not None:
        if quiet:
            formats = [f for f in formats if f != "summary"]
        try:
            paths = render.write_reports(report, output_dir, formats)
        except OSError as e:  # disk full, a file where the folder should be, no permission
            return _output_error(output_dir, e, report)
    else:
        path = output_dir / "phiscope-report.json"
        path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        paths = {"json": path}
    for kind, path in paths.items():
        console.print(f"[dim]{kind:>8}[/] {path}")
    from phiscope.contract import EXIT_ERROR, error_line, one_line
    from phiscope.report.exitcode import exit_code
    from phiscope.scan.verdict import COULD_NOT_VERIFY

    unverified = [b for b in report.get("buckets") or [] if b.get("verdict") == COULD_NOT_VERIFY]
    for b in unverified:
        hint = f" ({b['verdict_hint']})" if b.get("verdict_hint") else ""
        error_line(
            one_line(
                f"could not verify {(b.get('uri') or b['name']).rstrip('/')}: {b.get('verdict_cause')}{hint}"
            )
        )
    if unverified:
        return EXIT_ERROR  # never a silent all-clear: what could not be checked is an error
    return exit_code(report, fail_on=fail_on, ignore_exit_code_3=ignore_exit_code_3)


def _announce_mode(cfg: Any, console: Any) -> None:
    """Say so when no credentials were found: the scan then only sees what anyone can."""
    if cfg.anonymous is not None or not any(t.startswith("s3://") for t in cfg.targets):
        return
    from phiscope.storage.s3 import has_credentials

    if not has_credentials(cfg.profile):
        console.print(
            "[yellow]note:[/] no AWS credentials found: anonymous mode (the attacker's view: "
            "only what anyone on the internet can do is checked)"
        )


def _output_error(output_dir: Path, e: OSError, report: ReportV1) -> int:
    """Reports could not be written: say why (no traceback); the findings are safe in the DB."""
    import errno

    from rich.console import Console

    from phiscope.textsafe import printable

    why = errno.errorcode.get(e.errno or 0, type(e).__name__)
    scan_id = (report.get("scan") or {}).get("id") or ""
    Console(stderr=True).print(
        f"[red]error:[/] cannot write reports to {printable(str(output_dir))} ({why}); the findings are "
        f"in the database: phiscope report {scan_id} -o ANOTHER_FOLDER"
    )
    return 1


def preflight_output_dir(output_dir: Path) -> str | None:
    """Why reports could not be written there (checked before a long scan), or None."""
    p = output_dir
    while not p.exists() and p != p.parent:
        p = p.parent
    if not p.is_dir():
        return f"{p} is not a folder"
    if not os.access(p, os.W_OK | os.X_OK):
        return f"{p} is not writable"
    return None


__all__ = ["preflight_output_dir", "run_and_report", "write_outputs"]
