"""Real loopback peers for the watch tests and benchmark: an HTTP alert receiver, an SMTP server with
STARTTLS (aiosmtpd), a proxy that can hold object downloads, SQS queue wiring on the moto server.

Waiting is on conditions (threading.Condition.wait_for with a deadline), never on sleeps.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from phiscope.watch.loop import WatchConfig

# Synthetic people: made-up names, SSN-format numbers and dates of birth that belong to no one.
PEOPLE = [
    ("Ada Quinn", "512-38-4471", "1961-03-14", "type 2 diabetes"),
    ("Bram Okafor", "234-56-7891", "1975-11-02", "hypertension"),
    ("Cleo Marchetti", "345-67-8912", "1982-06-30", "asthma"),
    ("Dov Lindqvist", "456-78-9123", "1990-01-21", "HIV positive"),
]
RAW_VALUES = [v for p in PEOPLE for v in p[:3]] + [p[1].replace("-", "") for p in PEOPLE]


def csv_bytes() -> bytes:
    rows = ["patient_name,ssn,date_of_birth,diagnosis"] + [",".join(p) for p in PEOPLE]
    return ("\n".join(rows) + "\n").encode()


def assert_no_raw_values(text: str) -> None:
    for v in RAW_VALUES:
        assert v not in text, f"raw sensitive value #{RAW_VALUES.index(v)} in an alert or table"
    # also catch any SSN-shaped string
    assert not re.search(r"\b\d{3}-\d{2}-\d{4}\b", text), "an alert carries an SSN-shaped value"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """HTTP server on 127.0.0.1:<free port> that records every POST. `fail_next` answers 500."""

    requests: list[Received] = field(default_factory=list)
    fail_next: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition)
    server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        recv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with recv.cond:
                    if recv.fail_next > 0:
                        recv.fail_next -= 1
                        code = 500
                    else:
                        code = 200
                        headers = {k.lower(): v for k, v in self.headers.items()}
                        recv.requests.append(Received(self.path, headers, body, time.monotonic()))
                    recv.cond.notify_all()
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, pred: Callable[[list[Received]], bool], timeout: float = 60) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: pred(self.requests), timeout)

    def bodies(self) -> list[Any]:
        with self.cond:
            return [r.json() for r in self.requests]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (cryptography ships with moto)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "smtp.crt", tmp / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class SmtpServer:
    """aiosmtpd on loopback that requires STARTTLS before MAIL; records messages and TLS use."""

    def __init__(self, tmp: Path) -> None:
        from aiosmtpd.controller import Controller

        from phiscope.storage.embedded import free_port

        self.cert, key = self_signed(tmp)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(self.cert), str(key))
        self.messages: list[tuple[bytes, bool, list[str]]] = []  # (content, was TLS, recipients)
        self.cond = threading.Condition()
        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                with outer.cond:
                    outer.messages.append(
                        (bytes(envelope.content), session.ssl is not None, list(envelope.rcpt_tos))
                    )
                    outer.cond.notify_all()
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, tls_context=ctx, require_starttls=True
        )

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, n: int, timeout: float = 60) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.messages) >= n, timeout)


class HoldingProxy:
    """Loopback proxy to the S3 server that holds every GET whose path contains `hold` until
    released; `holding` is set when one arrives. Lets a test kill a watcher mid-object for sure."""

    def __init__(self, upstream: str, hold: str) -> None:
        self.upstream = urlsplit(upstream)
        self.hold = hold
        self.holding = threading.Event()
        self.release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.command == "GET" and proxy.hold in self.path:
                    proxy.holding.set()
                    proxy.release.wait(120)
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Host"] = f"{proxy.upstream.hostname}:{proxy.upstream.port}"
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def make_queue(endpoint_url: str, name: str) -> tuple[Any, str, str]:
    """(sqs client, queue url, queue arn) on the moto server."""
    import boto3

    sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name="us-east-1")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def notify_queue(s3_client: Any, bucket: str, queue_arn: str) -> None:
    s3_client.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}
            ]
        },
    )


def cloudtrail_message(bucket: str, event_name: str) -> str:
    """The shape EventBridge delivers for a CloudTrail S3 management event."""
    return json.dumps(
        {
            "version": "0",
            "id": "6f1c0d2e-0000-0000-0000-000000000000",
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.s3",
            "account": "123456789012",
            "time": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": [],
            "detail": {
                "eventVersion": "1.09",
                "eventSource": "s3.amazonaws.com",
                "eventName": event_name,
                "awsRegion": "us-east-1",
                "requestParameters": {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com"},
                "eventType": "AwsApiCall",
                "managementEvent": True,
            },
        }
    )


def public_read_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicRead",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                }
            ],
        }
    )


class Running:
    """Run a Watcher in a thread for the length of a `with` block; stop it cleanly on exit."""

    def __init__(self, watcher: Any) -> None:
        self.watcher = watcher
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.code: int | None = None
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            self.code = self.watcher.run()
        except BaseException as e:  # surfaced by __exit__
            self.error = e

    def __enter__(self) -> Any:
        self.thread.start()
        return self.watcher

    def __exit__(self, *exc: object) -> None:
        self.watcher.stop()
        self.thread.join(60)
        assert not self.thread.is_alive(), "the watcher did not stop"
        if self.error is not None and exc[0] is None:
            raise self.error


def quiet_watch(targets: list[str], db_url: str, hook: Receiver | None = None, **kw: Any) -> WatchConfig:
    """The tests' watcher: these targets, alerts to one webhook (if given), no OCR or speech-to-text."""
    if hook is not None:
        kw.setdefault("alerts", [f"webhook={hook.url}"])
    return WatchConfig(targets=targets, db_url=db_url, secret=b"k" * 32, ocr=False, audio=False, **kw)
