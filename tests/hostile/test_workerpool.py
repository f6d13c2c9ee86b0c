"""Deadlines enforced from outside: an overrunning worker is killed, a crash stays one object's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from phiscope.scan.workerpool import WorkerCrashed, WorkerPool, WorkerTimeout


def test_overrun_is_killed_and_the_pool_goes_on() -> None:
    pool = WorkerPool(1, time.sleep)
    try:
        pool.run(0, timeout=60)  # worker started and answering
        t0 = time.monotonic()
        with pytest.raises(WorkerTimeout):
            pool.run(3600, timeout=1.0)
        assert time.monotonic() - t0 < 10
        assert pool.killed == 1
        assert pool.run(0, timeout=60) is None  # a fresh worker took over
    finally:
        pool.shutdown()


def test_a_crash_fails_only_its_own_job() -> None:
    pool = WorkerPool(2, os._exit)
    try:
        with pytest.raises(WorkerCrashed) as e:
            pool.run(3, timeout=60)
        assert e.value.exitcode == 3
    finally:
        pool.shutdown()
    ok = WorkerPool(1, abs)
    try:
        assert ok.run(-5, timeout=60) == 5
    finally:
        ok.shutdown()


def test_memory_limit_turns_an_overrun_into_an_error() -> None:
    pool = WorkerPool(1, bytearray, max_memory=1024**3)
    try:
        with pytest.raises((RuntimeError, WorkerCrashed)) as e:
            pool.run(4 * 1024**3, timeout=60)
        assert "MemoryError" in str(e.value) or isinstance(e.value, WorkerCrashed)
        assert len(pool.run(10, timeout=60)) == 10  # the same worker survived a Python MemoryError
    finally:
        pool.shutdown()


CHILD = """
import sys, time
from phiscope.scan.workerpool import WorkerPool
pool = WorkerPool(1, time.sleep)
pool.run(0, timeout=60)
print(pool._idle[0].proc.pid, flush=True)
pool.run(3600, timeout=3600)
"""


def _children(pid: int) -> set[int]:
    """Every live descendant of a process (from /proc)."""
    parent_of: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parent_of[int(d)] = int(f.read().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent_of.items() if pp == p]
        out.update(kids)
        todo.extend(kids)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return not f.read().rsplit(") ", 1)[1].startswith("Z")
    except OSError:
        return False


def test_workers_and_forkserver_die_with_their_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker_pid = int(parent.stdout.readline())
    family = _children(parent.pid)
    assert worker_pid in family and len(family) >= 2  # the forkserver and the worker
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in family):
            return
        time.sleep(0.1)  # polling the process table, not synchronising with code under test
    pytest.fail(f"{[p for p in family if _alive(p)]} outlived their killed parent by 20 s")
