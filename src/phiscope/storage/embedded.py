"""An S3-compatible endpoint on loopback (moto's server mode), for the demo and the tests.

It speaks the real S3 HTTP protocol, so everything above it runs exactly as against AWS. It stores
ACLs, policies and Block Public Access settings but does not enforce them: exposure verdicts come
from phiscope.exposure, never from this server's behaviour.
"""

from __future__ import annotations

import socket
from types import TracebackType

MOTO_ACCOUNT_ID = "123456789012"  # moto's default account id


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class EmbeddedS3:
    """Context manager: start moto's threaded server on 127.0.0.1:<free port>, stop it on exit."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.account_id = MOTO_ACCOUNT_ID
        self._server: object | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmbeddedS3:
        import logging

        from moto.server import ThreadedMotoServer  # heavy import: only when an endpoint is wanted

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the user's terminal

        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()  # type: ignore[attr-defined]
            self._server = None

    def __enter__(self) -> EmbeddedS3:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
