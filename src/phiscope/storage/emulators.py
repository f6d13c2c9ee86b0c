"""Azure Blob and GCS emulators on loopback, for the demo and the tests.

- Azurite (npm `azurite`, installed by scripts/dev.sh under .tools/azurite) runs as a child process on
  a free port that it picks itself (`--blobPort 0`) and announces on stdout.
- gcp-storage-emulator (PyPI) runs in-process, its handler in a threading HTTP server on a free port.

Both speak their provider's real HTTP API, so the SDKs and everything above them run as against the
cloud. Neither is the judge of exposure: Azurite enforces container access levels but has no account
settings (allowBlobPublicAccess, firewall); the GCS emulator stores IAM policies and ACLs without
enforcing them. Verdicts come from phiscope.exposure (docs/providers.md).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType

# Azurite's well-known development account (public, documented by Microsoft; not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_LISTENING = re.compile(r"listens on (http://[\d.]+:(\d+))")
_REPO_TOOLS = Path(__file__).resolve().parents[3] / ".tools"


def azurite_binary() -> str | None:
    """PHISCOPE_AZURITE, the project's .tools/azurite, or azurite-blob on PATH."""
    env = os.environ.get("PHISCOPE_AZURITE")
    if env and Path(env).is_file():
        return env
    local = _REPO_TOOLS / "azurite" / "node_modules" / ".bin" / "azurite-blob"
    if local.is_file():
        return str(local)
    return shutil.which("azurite-blob")


def gcs_emulator_available() -> bool:
    try:
        import gcp_storage_emulator.server  # noqa: F401
    except ImportError:
        return False
    return True


class Azurite:
    """Context manager: Azurite's blob service on 127.0.0.1:<free port>, in memory."""

    def __init__(self, host: str = "127.0.0.1", start_timeout: float = 60.0) -> None:
        self.host = host
        self.start_timeout = start_timeout
        self.port: int | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def blob_endpoint(self) -> str:
        return f"http://{self.host}:{self.port}/{AZURITE_ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint={self.blob_endpoint};"
        )

    def start(self) -> Azurite:
        binary = azurite_binary()
        if binary is None:
            raise RuntimeError("Azurite not installed: run scripts/dev.sh setup (npm azurite into .tools/)")
        self._tmp = tempfile.TemporaryDirectory(prefix="phiscope-azurite-")
        cmd = [
            binary,
            "--blobHost",
            self.host,
            "--blobPort",
            "0",
            "--inMemoryPersistence",
            "--skipApiVersionCheck",
            "--loose",
            "--disableProductStyleUrl",
        ]
        proc = self._proc = subprocess.Popen(
            cmd,
            cwd=self._tmp.name,  # debug logs, if any, stay in a temp folder
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        found = threading.Event()
        lines: list[str] = []

        def read() -> None:
            for line in proc.stdout or ():
                lines.append(line)
                m = _LISTENING.search(line)
                if m and not found.is_set():
                    self.port = int(m.group(2))
                    found.set()
            found.set()  # process ended

        threading.Thread(target=read, daemon=True, name="azurite-stdout").start()
        if not found.wait(self.start_timeout) or self.port is None:
            self.stop()
            raise RuntimeError("Azurite did not start: " + " ".join(lines[-3:]).strip())
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.send_signal(signal.SIGINT)  # Azurite closes cleanly on SIGINT, not on SIGTERM
            try:
                self._proc.wait(3)  # open keep-alive sockets can hold it longer: then kill
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
            self._proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class EmbeddedGCS:
    """Context manager: gcp-storage-emulator in a thread on 127.0.0.1:<free port>, in memory."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port: int | None = None
        self._server: object | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmbeddedGCS:
        """A threading HTTP server around the emulator's handler and storage: its own server is
        single-threaded, so one idle keep-alive connection would stall every other client."""
        import logging
        from functools import partial
        from http.server import ThreadingHTTPServer

        from gcp_storage_emulator.server import RequestHandler
        from gcp_storage_emulator.storage import Storage

        logging.getLogger("gcp_storage_emulator").setLevel(logging.ERROR)
        httpd = ThreadingHTTPServer((self.host, 0), partial(RequestHandler, Storage(use_memory_fs=True)))
        httpd.daemon_threads = True
        self.port = int(httpd.server_address[1])
        threading.Thread(target=httpd.serve_forever, daemon=True, name="gcs-emulator").start()
        self._server = httpd
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()  # type: ignore[attr-defined]
            self._server.server_close()  # type: ignore[attr-defined]
            self._server = None

    def __enter__(self) -> EmbeddedGCS:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
