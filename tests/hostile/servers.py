"""Faulty S3 endpoints on loopback: one that accepts and never answers, one that trickles."""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class FaultyEndpoint:
    """mode "silent": read the request, answer nothing, keep the connection open.
    mode "trickle": send headers, then one body byte every `every` seconds.
    mode "error": answer 403 with a long error message quoting personal data and credentials."""

    def __init__(self, mode: str, every: float = 2.0) -> None:
        self.mode = mode
        self.every = every
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.connections = 0

    def __enter__(self) -> FaultyEndpoint:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(1.0)
            try:
                conn.recv(65536)
                if self.mode == "trickle":
                    body = b'<?xml version="1.0"?><ListBucketResult>' + b" " * 4096
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n")
                    conn.sendall(f"Content-Length: {len(body)}\r\n\r\n".encode())
                    for byte in body:
                        if self._stop.wait(self.every):
                            return
                        conn.sendall(bytes([byte]))
                elif self.mode == "error":  # an error whose message quotes personal data back
                    body = (
                        "<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>Denied for "
                        "'Ada Quinnell 123-45-6789' at https://admin:hunter2@10.0.0.1/"
                        + "x" * 5000
                        + "</Message></Error>"
                    ).encode()
                    head = "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n"
                    head += f"Content-Length: {len(body)}"
                    conn.sendall(head.encode() + b"\r\nConnection: close\r\n\r\n" + body)
                else:
                    self._stop.wait()
            except OSError:
                return
