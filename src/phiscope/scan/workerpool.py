"""Worker processes with deadlines enforced from outside.

`concurrent.futures.ProcessPoolExecutor` cannot stop one task: a worker stuck in a C library (a
FIFO opened for reading, a decoder that never returns) holds the whole scan, and one crash breaks
every task in flight. Here each worker has its own pipe: the parent sends one job, waits for the
answer with a deadline, and on overrun kills that worker alone and starts a fresh one later. The
object gets a status with the reason; the scan goes on.

Workers also die with their parent (a lifeline pipe whose EOF ends them), and run under a hard
address-space limit so a memory bomb becomes a status instead of an OOM-killed machine.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any


class WorkerTimeout(Exception):
    """The worker overran its hard deadline and was killed."""


class WorkerCrashed(Exception):
    """The worker died while handling the job (signal, abort, out of memory)."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"worker exited ({exitcode})")
        self.exitcode = exitcode


@dataclass(slots=True)
class _Worker:
    proc: Any  # multiprocessing.Process
    conn: Connection
    lifeline: Connection


def _watch_parent(lifeline: Connection) -> None:
    """Block until the parent's end of the lifeline closes (it died), then end this process now."""
    with contextlib.suppress(BaseException):
        lifeline.recv()
    os._exit(70)


def _limit_memory(max_bytes: int | None) -> None:
    if not max_bytes:
        return
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the deadline still holds


def _quiet_stderr() -> None:
    """Libraries print warnings that quote the object's content (pydicom: `Invalid value for VR IS:
    '<the value>'`), and native code writes to fd 2 directly (a Rust panic's backtrace): none of it
    may reach the user's terminal. Python warnings are dropped (the object's status says what went
    wrong) and fd 2 of the worker goes to /dev/null."""
    import warnings

    warnings.simplefilter("ignore")
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def _worker_main(
    conn: Connection,
    lifeline: Connection,
    target: Callable[[Any], Any],
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
    max_memory: int | None,
) -> None:
    threading.Thread(target=_watch_parent, args=(lifeline,), daemon=True).start()
    _quiet_stderr()
    if initializer is not None:
        initializer(*initargs)
    # After start-up: the engine's own tables are not what the limit is for.
    _limit_memory(max_memory)
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(("ok", target(job)))
        except MemoryError:
            conn.send(("error", "MemoryError"))
        except Exception as e:  # the target is meant to turn every error into a status already
            conn.send(("error", type(e).__name__))


class WorkerPool:
    """`size` worker processes; `run(job, timeout)` runs one job on an idle worker, or raises
    WorkerTimeout / WorkerCrashed. Thread-safe: one caller thread per job."""

    def __init__(
        self,
        size: int,
        target: Callable[[Any], Any],
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        max_memory: int | None = None,
        start_timeout: float = 600.0,
        mp_context: Any = None,
        preload: Sequence[str] = ("phiscope.scan.worker",),
    ) -> None:
        import multiprocessing

        self.size = max(1, size)
        self.target = target
        self.initializer = initializer
        self.initargs = initargs
        self.max_memory = max_memory
        self.start_timeout = start_timeout
        if mp_context is None:
            mp_context = multiprocessing.get_context("forkserver")
            # imported once in the fork server, inherited by every worker forked from it (the fork
            # server is per process: the first pool to start it decides)
            mp_context.set_forkserver_preload(list(preload))
        self._ctx = mp_context
        self._idle: list[_Worker] = []
        self._count = 0  # workers alive, idle or busy
        self._cond = threading.Condition()
        self._closed = False
        self.killed = 0  # workers killed for overrunning (for logs and tests)

    # -- life cycle ------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        life_r, life_w = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(
            target=_worker_main,
            args=(child_conn, life_r, self.target, self.initializer, self.initargs, self.max_memory),
            daemon=True,
        )
        proc.start()
        child_conn.close()
        life_r.close()
        w = _Worker(proc, parent_conn, life_w)
        try:
            if not parent_conn.poll(self.start_timeout):
                raise WorkerCrashed(None)
            parent_conn.recv()  # "ready"
        except (EOFError, OSError, WorkerCrashed):
            self._kill(w)
            raise WorkerCrashed(proc.exitcode) from None
        return w

    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("worker pool closed")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            return self._spawn()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, w: _Worker, alive: bool) -> None:
        with self._cond:
            keep = alive and not self._closed
            if keep:
                self._idle.append(w)
            else:
                self._count -= 1
            self._cond.notify()
        if not keep:
            self._kill(w)

    @staticmethod
    def _kill(w: _Worker) -> None:
        with contextlib.suppress(Exception):
            w.proc.kill()
        with contextlib.suppress(Exception):
            w.proc.join(5)
        for c in (w.conn, w.lifeline):
            with contextlib.suppress(Exception):
                c.close()

    def prestart(self) -> None:
        """Start every worker now, in the background: a CLI scan starts them before it opens its
        database and imports the rest of the pipeline, so their start-up (a fresh interpreter, the
        detection engine) overlaps the parent's instead of delaying the first object."""
        for _ in range(self.size):
            threading.Thread(target=self._prestart_one, name="phiscope-prestart", daemon=True).start()

    def _prestart_one(self) -> None:
        with self._cond:
            if self._closed or self._count >= self.size:
                return
            self._count += 1
        try:
            w = self._spawn()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            return
        self._release(w, True)

    def warm(self) -> None:
        """Start one worker now, so that a long-running caller's first job does not wait for it."""
        self._release(self._acquire(), True)

    # -- jobs ------------------------------------------------------------------------------
    def run(self, job: Any, timeout: float | None) -> Any:
        w = self._acquire()
        alive = False
        try:
            try:
                w.conn.send(job)
                ready = w.conn.poll(timeout)
            except (OSError, EOFError):
                raise WorkerCrashed(w.proc.exitcode) from None
            if not ready:
                self.killed += 1
                raise WorkerTimeout()
            try:
                kind, value = w.conn.recv()
            except (OSError, EOFError):
                w.proc.join(5)
                raise WorkerCrashed(w.proc.exitcode) from None
            alive = True
            if kind == "error":
                raise RuntimeError(value)
            return value
        finally:
            self._release(w, alive)

    def shutdown(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for w in idle:
            with contextlib.suppress(Exception):
                w.conn.send(None)
            with contextlib.suppress(Exception):
                w.proc.join(2)
            self._kill(w)
