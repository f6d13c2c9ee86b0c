"""/healthz and /metrics on loopback only; healthz says degraded until a good pass."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from phiscope.watch.metrics import MetricsServer, WatchMetrics


def test_health_and_metrics_endpoints() -> None:
    m = WatchMetrics()
    srv = MetricsServer(m).start()
    try:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(srv.address + "/healthz", timeout=10)
        assert e.value.code == 503 and json.loads(e.value.read())["status"] == "degraded"
        m.last_ok = time.monotonic()
        m.events.labels("sqs", "object_created").inc()
        ok = json.loads(urllib.request.urlopen(srv.address + "/healthz", timeout=10).read())
        assert ok["status"] == "ok"
        text = urllib.request.urlopen(srv.address + "/metrics", timeout=10).read().decode()
        assert 'phiscope_watch_events_total{kind="object_created",source="sqs"} 1.0' in text
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(srv.address + "/other", timeout=10)
        assert e.value.code == 404
    finally:
        srv.stop()


def test_refuses_non_loopback() -> None:
    with pytest.raises(ValueError):
        MetricsServer(WatchMetrics(), host="0.0.0.0")
