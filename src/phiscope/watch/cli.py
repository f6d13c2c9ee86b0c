"""`phiscope watch`: options and config file in, a Watcher run, an exit code out."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import typer


def load_config(path: Path) -> dict[str, Any]:
    """The YAML config file (docs/watch.md): the CLI's options, plus `webhook_secret` and `smtp`."""
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(doc, dict):
        raise ValueError("the config file must be a mapping")
    return doc


def watch_command(
    targets: list[str] = typer.Argument(None, help="s3://bucket, s3://bucket/prefix, s3:// or a folder"),
    endpoint_url: str | None = typer.Option(None, "--endpoint-url", help="S3-compatible endpoint URL"),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile"),
    region: str | None = typer.Option(None, "--region"),
    anonymous: bool = typer.Option(False, "--anonymous", help="Attacker's view: unsigned probes only"),
    interval: float | None = typer.Option(
        None, "--interval", help="Seconds between settings checks/polls (default 30)"
    ),
    alert: list[str] = typer.Option(
        None, "--alert", help="webhook=URL | slack=URL | email=ADDR | securityhub (repeatable)"
    ),
    db: str | None = typer.Option(None, "--db", help="Findings DB URL (default: SQLite in the data dir)"),
    queue_url: str | None = typer.Option(None, "--queue-url", help="SQS queue with S3/CloudTrail events"),
    once: bool = typer.Option(False, "--once", help="One pass (cron/CI): exit 0 clean, 3 findings, 1 error"),
    config: Path | None = typer.Option(None, "--config", help="YAML config file (docs/watch.md)"),
    metrics: str | None = typer.Option(
        None, "--metrics", help="Serve /metrics and /healthz on this loopback HOST:PORT (e.g. 127.0.0.1:9464)"
    ),
    min_severity: str | None = typer.Option(None, "--min-severity", help="Alert at/above (default low)"),
    fail_on: str = typer.Option("high", "--fail-on", help="--once: exit 3 at or above this severity"),
    max_alerts: int | None = typer.Option(
        None,
        "--max-alerts-per-bucket",
        help="Alerts per bucket per window; more are combined (default 20)",
    ),
    rate_window: float | None = typer.Option(None, "--rate-window", help="Rate window, s (default 3600)"),
    visibility_timeout: int | None = typer.Option(
        None, "--visibility-timeout", help="SQS: seconds a received message stays hidden (default 300)"
    ),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes for scanning (default 1)"),
    no_ocr: bool = typer.Option(False, "--no-ocr"),
    no_audio: bool = typer.Option(False, "--no-audio"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Warnings and alerts only"),
) -> None:
    """Watch buckets or folders: alert on new exposure and new sensitive data, within a minute."""
    from phiscope.report.findings import LEVELS
    from phiscope.watch.loop import WatchConfig, Watcher

    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    try:
        conf = load_config(config) if config else {}
    except (OSError, ValueError) as e:
        typer.echo(f"error: config {config}: {type(e).__name__}: {e}", err=True)
        raise typer.Exit(2) from None

    def pick(cli: Any, key: str, default: Any) -> Any:
        return cli if cli is not None else conf.get(key, default)

    all_targets = list(targets or conf.get("targets") or [])
    if not all_targets:
        typer.echo("error: give at least one target (s3://bucket, s3://, or a folder)", err=True)
        raise typer.Exit(2)
    sev = str(pick(min_severity, "min_severity", "low")).lower()
    if sev not in LEVELS or fail_on.lower() not in LEVELS:
        typer.echo(f"error: severities are {', '.join(LEVELS)}", err=True)
        raise typer.Exit(2)
    secret = os.environ.get("PHISCOPE_WEBHOOK_SECRET") or conf.get("webhook_secret")
    cfg = WatchConfig(
        targets=all_targets,
        endpoint_url=pick(endpoint_url, "endpoint_url", None),
        profile=pick(profile, "profile", None),
        region=pick(region, "region", None),
        anonymous=True if anonymous or conf.get("anonymous") else None,
        interval=float(pick(interval, "interval", 30.0)),
        queue_url=pick(queue_url, "queue_url", None),
        once=once,
        alerts=[*(alert or []), *(conf.get("alerts") or [])],
        db_url=pick(db, "db", None),
        metrics_addr=pick(metrics, "metrics", None),
        min_severity=sev,
        fail_on=fail_on.lower(),
        max_alerts_per_bucket=int(pick(max_alerts, "max_alerts_per_bucket", 20)),
        rate_window=float(pick(rate_window, "rate_window", 3600.0)),
        visibility_timeout=int(pick(visibility_timeout, "visibility_timeout", 300)),
        workers=int(pick(workers, "workers", 1)),
        ocr=not (no_ocr or conf.get("no_ocr")),
        audio=not (no_audio or conf.get("no_audio")),
        webhook_secret=secret.encode() if isinstance(secret, str) and secret else None,
        smtp=dict(conf.get("smtp") or {}),
    )
    if cfg.metrics_addr:
        import ipaddress

        host, _, port = cfg.metrics_addr.rpartition(":")
        try:
            loopback = ipaddress.ip_address(host or "127.0.0.1").is_loopback and 0 <= int(port) < 65536
        except ValueError:
            loopback = False
        if not loopback:
            typer.echo("error: --metrics must be a loopback HOST:PORT such as 127.0.0.1:9464", err=True)
            raise typer.Exit(2)
    if cfg.interval <= 0:
        typer.echo("error: --interval must be positive", err=True)
        raise typer.Exit(2)
    if any(a.startswith("webhook=") for a in cfg.alerts) and cfg.webhook_secret is None:
        typer.echo("warning: webhook alerts are unsigned (set PHISCOPE_WEBHOOK_SECRET)", err=True)
    try:
        watcher = Watcher(cfg)
    except ValueError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    except Exception as e:
        typer.echo(f"error: cannot start the watcher: {type(e).__name__}", err=True)
        raise typer.Exit(1) from None
    try:
        code = watcher.run()
    except Exception as e:
        typer.echo(f"error: watcher failed: {type(e).__name__}", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(code)
