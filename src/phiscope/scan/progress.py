"""Terminal progress for a scan: objects, bytes, findings so far and ETA (rich)."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from phiscope.textsafe import printable

REDRAW_SECONDS = 0.1


class ProgressDisplay:
    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.enabled = enabled and console.is_terminal
        self.console = console
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not self.enabled,
        )
        self._task = self._progress.add_task("preparing", total=None, stats="")
        self._drawn = 0.0

    def update(self, p: Any, msg: str) -> None:
        """Called per object; redrawn at most every REDRAW_SECONDS (rich refreshes at 10 Hz anyway:
        formatting and handing it every one of 20,000 tiny objects cost more than their database
        rows). A message that is not an object's name, and the last object, always get through."""
        if not self.enabled:
            return
        now = time.monotonic()
        last = p.objects_total and p.objects_done >= p.objects_total
        if msg.startswith("s3://") and not last and now - self._drawn < REDRAW_SECONDS:
            return
        self._drawn = now
        stats = (
            f"{p.bytes_done / 1e6:,.1f} MB · {p.findings:,} findings · {p.phi_objects} objects with PHI · "
            f"{p.by_status['skipped']} skipped"
        )
        desc = "scanning" if msg.startswith("s3://") or msg == "scanning" else printable(msg)
        self._progress.update(
            self._task, description=desc, total=p.objects_total or None, completed=p.objects_done, stats=stats
        )

    def __enter__(self) -> ProgressDisplay:
        self._progress.__enter__()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.__exit__(et, ev, tb)
