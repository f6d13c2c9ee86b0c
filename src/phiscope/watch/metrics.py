"""Prometheus `/metrics` and `/healthz` on loopback, from the watcher's own registry.

Labels are sources, event kinds and channel kinds only: never a bucket, key or URL, so a scrape
leaks nothing and cardinality stays fixed.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest


class WatchMetrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.events = Counter(
            "phiscope_watch_events", "Events taken from a source", ["source", "kind"], registry=r
        )
        self.malformed = Counter(
            "phiscope_watch_malformed_messages", "Queue messages not understood", registry=r
        )
        self.objects = Counter("phiscope_watch_objects_scanned", "Objects scanned", ["status"], registry=r)
        self.evaluations = Counter(
            "phiscope_watch_exposure_evaluations", "Bucket settings evaluations", registry=r
        )
        self.alerts = Counter("phiscope_watch_alerts_created", "Alerts created", registry=r)
        self.sent = Counter("phiscope_watch_alerts_sent", "Alert deliveries sent", ["channel"], registry=r)
        self.send_failures = Counter(
            "phiscope_watch_alert_failures", "Failed alert delivery attempts", ["channel"], registry=r
        )
        self.rate_limited = Counter(
            "phiscope_watch_alerts_rate_limited", "Alerts held by the per-bucket limit", registry=r
        )
        self.errors = Counter(
            "phiscope_watch_errors", "Errors by stage (retried, never fatal)", ["stage"], registry=r
        )
        self.lag = Gauge(
            "phiscope_watch_lag_seconds", "Time from event to its object being recorded", registry=r
        )
        self.open_findings = Gauge(
            "phiscope_watch_open_findings", "Findings open now", ["family"], registry=r
        )
        self.last_pass = Gauge(
            "phiscope_watch_last_pass_timestamp_seconds", "End of the last full pass", registry=r
        )
        self.pending = Gauge(
            "phiscope_watch_pending_deliveries", "Alert deliveries waiting to be sent", registry=r
        )
        self.started = time.time()
        self.last_ok = 0.0  # monotonic time of the last pass without errors
        self.max_silence = 120.0

    def healthy(self) -> tuple[bool, dict[str, Any]]:
        age = time.monotonic() - self.last_ok if self.last_ok else None
        ok = age is not None and age <= self.max_silence
        return ok, {
            "status": "ok" if ok else "degraded",
            "seconds_since_last_good_pass": None if age is None else round(age, 1),
            "uptime_seconds": round(time.time() - self.started, 1),
        }


class MetricsServer:
    """A ThreadingHTTPServer on a loopback address; refuses to bind anywhere else."""

    def __init__(self, metrics: WatchMetrics, host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the metrics endpoint only binds to a loopback address")
        m = metrics

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] == "/metrics":
                    data, ctype, code = generate_latest(m.registry), CONTENT_TYPE_LATEST, 200
                elif self.path.split("?")[0] == "/healthz":
                    ok, doc = m.healthy()
                    data, ctype, code = json.dumps(doc).encode(), "application/json", 200 if ok else 503
                else:
                    data, ctype, code = b"not found\n", "text/plain", 404
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="phiscope-metrics", daemon=True)

    @property
    def address(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
