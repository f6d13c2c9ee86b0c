"""Run a scan and write its reports: shared by `phiscope scan` and `phiscope demo` (moved out of
scan/cli.py so the demo does not import the CLI that imports the demo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
) -> int:
    """Run the scan with a progress display, write the reports, return the exit code."""
    from rich.console import Console

    from phiscope.scan.pipeline import Scanner
    from phiscope.scan.progress import ProgressDisplay
    from phiscope.scan.report import build_report

    console = Console(stderr=True, quiet=quiet)
    try:
        with ProgressDisplay(console, enabled=not quiet) as display:
            scan_id = Scanner(cfg, store, on_progress=display.update).run()
    except (ValueError, KeyError) as e:
        console.print(f"[red]error:[/] {e}")
        return 1
    except Exception as e:
        code = getattr(e, "response", {}).get("Error", {}).get("Code") if hasattr(e, "response") else None
        console.print(f"[red]error:[/] scan failed: {code or type(e).__name__}")
        return 1
    report = build_report(store, scan_id)
    return write_outputs(
        report,
        output_dir=output_dir,
        formats=formats,
        quiet=quiet,
        mutelist=mutelist,
        fail_on=fail_on,
        ignore_exit_code_3=ignore_exit_code_3,
    )


def write_outputs(
    report: dict[str, Any],
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
    output_dir.mkdir(parents=True, exist_ok=True)
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
        paths = render.write_reports(report, output_dir, formats)
    else:
        path = output_dir / "phiscope-report.json"
        path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        paths = {"json": path}
    for kind, path in paths.items():
        console.print(f"[dim]{kind:>8}[/] {path}")
    try:
        from phiscope.report.exitcode import exit_code
    except ImportError:
        return 0
    return exit_code(report, fail_on=fail_on, ignore_exit_code_3=ignore_exit_code_3)


__all__ = ["run_and_report", "write_outputs"]
