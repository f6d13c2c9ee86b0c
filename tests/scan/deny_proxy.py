"""A loopback HTTP proxy in front of the moto server that answers AccessDenied to chosen requests.

moto lets anyone assume any role; a real Organization has accounts where the role is missing or
the trust policy refuses the caller. This proxy plays that part for the requests `deny` selects.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

ACCESS_DENIED = (
    b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    b"<Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error>"
    b"<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
)


class DenyingProxy:
    def __init__(self, upstream: str, deny: Callable[[bytes], bool]) -> None:
        up = urlsplit(upstream)
        self.denied = 0

        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if deny(self.path.encode() + b"?" + body):
                    proxy.denied += 1
                    self._reply(403, [("Content-Type", "text/xml")], ACCESS_DENIED)
                    return
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = f"{up.hostname}:{up.port}"
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                self._reply(resp.status, resp.getheaders(), resp.read())
                conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> DenyingProxy:
        self._thread.start()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
