"""A small Ray cluster on loopback for the tests: a head node and worker nodes, free ports only.

Each node is a `ray start --block` process of this venv in its own session (separate processes, like
a real cluster), every fixed default port replaced by a free one (other developers run tests on this
machine at the same time), session files under the test's temp folder. Stopped by signalling the
process groups started here — never `ray stop`, which would hit every Ray on the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from phiscope.storage.embedded import free_port

RAY = str(Path(sys.executable).with_name("ray"))


def _ports() -> list[str]:
    return [
        f"--node-manager-port={free_port()}",
        f"--object-manager-port={free_port()}",
        f"--dashboard-agent-listen-port={free_port()}",
        f"--dashboard-agent-grpc-port={free_port()}",
        f"--runtime-env-agent-port={free_port()}",
        f"--metrics-export-port={free_port()}",
    ]


class RayCluster:
    def __init__(self, tmp: Path, *, workers: int = 1, cpus: int = 1) -> None:
        self.tmp = tmp
        self.workers = workers
        self.cpus = cpus
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        self.procs: list[subprocess.Popen[bytes]] = []

    def _start(self, args: list[str], log: str) -> None:
        out = open(self.tmp / log, "wb")  # noqa: SIM115 - closed with the process
        common = ["--node-ip-address=127.0.0.1", f"--num-cpus={self.cpus}", "--disable-usage-stats"]
        self.procs.append(
            subprocess.Popen(
                [RAY, "start", "--block", *common, *_ports(), *args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self, timeout: float = 240) -> RayCluster:
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._start(
            [
                "--head",
                f"--port={self.port}",
                "--include-dashboard=false",
                f"--temp-dir={self.tmp}",
            ],
            "head.log",
        )
        self._wait_port(timeout)
        for _ in range(self.workers):
            self.add_worker()
        return self

    def add_worker(self) -> None:
        """One more worker node joining the head (call wait_nodes to know it has)."""
        self._start([f"--address={self.address}"], f"worker-{len(self.procs)}.log")

    def _wait_port(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs[0].poll() is not None:
                raise RuntimeError((self.tmp / "head.log").read_text(errors="replace")[-2000:])
            with socket.socket() as s:
                s.settimeout(1)
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)  # polling a condition (the GCS port), not synchronising by sleep
        raise TimeoutError("Ray head did not come up")

    def wait_nodes(self, ray: object, n: int, timeout: float = 240) -> None:
        """Block until `n` nodes are alive (call after ray.init)."""
        deadline = time.monotonic() + timeout
        while sum(1 for x in ray.nodes() if x["Alive"]) < n:  # type: ignore[attr-defined]
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {n} Ray nodes alive")
            time.sleep(0.2)  # polling a condition, not synchronising by sleep

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)  # `ray start --block` takes its node down
        for p in reversed(self.procs):
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        # node processes (raylet, gcs, workers) started in the same sessions: gone with their group
        for p in self.procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def __enter__(self) -> RayCluster:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
