"""The terminal progress of a scan is redrawn at most every REDRAW_SECONDS (issue 23: handing rich
every one of 20,000 tiny objects cost more than writing their rows), but never loses the last object
or a message that is not an object."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from rich.console import Console

from phiscope.scan import progress as progress_mod
from phiscope.scan.pipeline import Progress
from phiscope.scan.progress import REDRAW_SECONDS, ProgressDisplay


def test_objects_are_drawn_at_most_every_redraw_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(progress_mod.time, "monotonic", lambda: clock[0])
    display = ProgressDisplay(Console(file=io.StringIO(), force_terminal=True))
    drawn: list[dict[str, Any]] = []
    monkeypatch.setattr(display._progress, "update", lambda task, **kw: drawn.append(kw))
    p = Progress(objects_total=1_000, by_status=Counter())
    for i in range(1, 1_001):
        p.objects_done = i
        clock[0] += REDRAW_SECONDS / 10  # ten objects per redraw interval
        display.update(p, f"s3://b/k{i}")
        if i == 500:
            display.update(p, "listing s3://other")  # not an object: drawn at once
    assert 100 <= len(drawn) <= 102
    assert any(d["description"] == "listing s3://other" for d in drawn)
    assert drawn[-1]["completed"] == 1_000  # the last object always


def test_without_a_terminal_nothing_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    display = ProgressDisplay(Console(file=io.StringIO(), force_terminal=False))
    drawn: list[Any] = []
    monkeypatch.setattr(display._progress, "update", lambda task, **kw: drawn.append(kw))
    display.update(Progress(objects_total=1, objects_done=1, by_status=Counter()), "s3://b/k")
    assert drawn == []
