"""`phiscope scan` and `phiscope demo`: options in, scan run, reports out, exit code."""

from __future__ import annotations

from pathlib import Path

import typer

from phiscope.report.render import FORMATS
from phiscope.scan.run import run_and_report, write_outputs


def _formats(value: str) -> list[str]:
    out = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in out if f not in FORMATS]
    if bad:
        raise typer.BadParameter(f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    return out


def scan_command(
    targets: list[str] = typer.Argument(
        None, help="s3://bucket, s3://bucket/prefix, s3:// (all buckets), or a folder"
    ),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="S3-compatible endpoint URL"),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile (standard credential chain)"),
    region: str | None = typer.Option(None, "--region"),
    path_style: bool | None = typer.Option(None, "--path-style/--virtual-hosted", help="Addressing style"),
    anonymous: bool = typer.Option(False, "--anonymous", help="Unsigned requests only (attacker's view)"),
    output_dir: Path = typer.Option(Path("phiscope-output"), "--output-dir", "-o"),
    fmt: str = typer.Option(
        "json,html,summary", "--format", "-M", help=f"Comma list of {', '.join(FORMATS)}"
    ),
    db: str | None = typer.Option(None, "--db", help="Findings DB URL (default: SQLite in the data dir)"),
    sample: str | None = typer.Option(None, "--sample", help="Budget per bucket: 500 | 10% | 2GB"),
    full: bool = typer.Option(False, "--full", help="Scan every object (no sampling)"),
    max_objects: int | None = typer.Option(None, "--max-objects", help="At most N objects per bucket"),
    inventory: str | None = typer.Option(
        None, "--inventory", help="S3 Inventory manifest instead of listing"
    ),
    resume: str | None = typer.Option(None, "--resume", help="Continue an interrupted scan by id"),
    no_ocr: bool = typer.Option(False, "--no-ocr", help="Do not OCR images and scanned pages"),
    no_audio: bool = typer.Option(False, "--no-audio", help="Do not transcribe recordings"),
    audio_max_seconds: float | None = typer.Option(None, "--audio-max-seconds"),
    asr_model: Path | None = typer.Option(
        None, "--asr-model", help="Speech-to-text model: directory, key (base, tiny.en) or FIRST+REFINE"
    ),
    workers: int = typer.Option(0, "--workers", help="Worker processes (default: one per core)"),
    object_timeout: float = typer.Option(120.0, "--object-timeout", help="Per-object time budget, seconds"),
    max_object_size: int = typer.Option(2 * 1024**3, "--max-object-size", help="Skip larger objects (bytes)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary on the terminal"),
    log_json: str | None = typer.Option(None, "--log-json", help="Write JSON-lines events to this file"),
    mutelist: Path | None = typer.Option(None, "--mutelist", help="YAML file of muted findings"),
    fail_on: str = typer.Option("high", "--fail-on", help="Exit 3 on findings at/above this severity"),
    ignore_exit_code_3: bool = typer.Option(False, "--ignore-exit-code-3"),
) -> None:
    """Scan buckets or folders: who can reach them, what sensitive data is inside, how many people."""
    from phiscope.db.store import Store
    from phiscope.scan.pipeline import ScanConfig

    formats = _formats(fmt)
    if asr_model is not None:
        from phiscope.extract.media import set_asr_model

        set_asr_model(asr_model)  # sets PHISCOPE_ASR_MODEL, inherited by worker processes
    try:
        store = Store.open(db)
    except Exception as e:
        typer.echo(f"error: cannot open the findings database: {type(e).__name__}", err=True)
        raise typer.Exit(1) from None
    if resume:
        prev = store.get_scan(resume)
        if prev is None:
            typer.echo(f"error: no scan {resume} in the database", err=True)
            raise typer.Exit(1)
        opts = dict(prev["options"])
        cfg = ScanConfig(**{k: v for k, v in opts.items() if k in ScanConfig.__dataclass_fields__})
        cfg.resume, cfg.log_json = resume, log_json
    else:
        if not targets:
            typer.echo("error: give at least one target (s3://bucket, s3://, or a folder)", err=True)
            raise typer.Exit(1)
        cfg = ScanConfig(
            targets=list(targets),
            endpoint_url=endpoint_url,
            profile=profile,
            region=region,
            path_style=path_style,
            anonymous=True if anonymous else None,
            sample=sample,
            full=full,
            max_objects=max_objects,
            inventory=inventory,
            ocr=not no_ocr,
            audio=not no_audio,
            audio_max_seconds=audio_max_seconds,
            workers=workers,
            object_timeout=object_timeout,
            max_object_bytes=max_object_size,
            log_json=log_json,
        )
    code = run_and_report(
        cfg,
        store,
        output_dir=output_dir,
        formats=formats,
        quiet=quiet,
        mutelist=mutelist,
        fail_on=fail_on,
        ignore_exit_code_3=ignore_exit_code_3,
    )
    raise typer.Exit(code)


def demo_command(
    output_dir: Path = typer.Option(Path("phiscope-demo"), "--output-dir", "-o"),
    fmt: str = typer.Option("json,ocsf,sarif,csv,html,summary", "--format", "-M"),
    no_audio: bool = typer.Option(False, "--no-audio"),
    no_ocr: bool = typer.Option(False, "--no-ocr"),
    people: int = typer.Option(300, "--people", help="Synthetic people to generate"),
    keep_running: bool = typer.Option(False, "--keep-running", help="Leave the endpoint up after the scan"),
) -> None:
    """Start an embedded S3 endpoint with synthetic telehealth data and scan it, end to end."""
    from phiscope.demo import run_demo

    code = run_demo(
        output_dir=output_dir,
        formats=_formats(fmt),
        audio=not no_audio,
        ocr=not no_ocr,
        people=people,
        keep_running=keep_running,
    )
    raise typer.Exit(code)


def report_command(
    scan_id: str = typer.Argument(None, help="Scan id (default: the latest scan in the database)"),
    db: str | None = typer.Option(None, "--db", help="Findings DB URL"),
    output_dir: Path = typer.Option(Path("phiscope-output"), "--output-dir", "-o"),
    fmt: str = typer.Option("json,html,summary", "--format", "-M"),
    mutelist: Path | None = typer.Option(None, "--mutelist"),
    fail_on: str = typer.Option("high", "--fail-on"),
    ignore_exit_code_3: bool = typer.Option(False, "--ignore-exit-code-3"),
) -> None:
    """Render the reports of a past scan from the findings database (same code path as the scan)."""
    from phiscope.db.store import Store
    from phiscope.scan.report import build_report

    store = Store.open(db)
    chosen = scan_id or store.latest_scan_id()
    if not chosen or store.get_scan(chosen) is None:
        typer.echo(f"error: no scan {chosen or ''} in the database", err=True)
        raise typer.Exit(1)
    report = build_report(store, chosen)
    raise typer.Exit(
        write_outputs(
            report,
            output_dir=output_dir,
            formats=_formats(fmt),
            mutelist=mutelist,
            fail_on=fail_on,
            ignore_exit_code_3=ignore_exit_code_3,
        )
    )
