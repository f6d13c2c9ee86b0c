"""Bounded time for every storage call, whatever the endpoint does.

A socket read timeout only bounds the wait for the *next* byte: an endpoint that accepts and never
answers costs `read_timeout × attempts` per call, and one that trickles a byte every few seconds
never trips it at all. So each API call (retries included) runs under a total deadline, enforced
from outside the blocked read: the call runs in a helper thread and the caller stops waiting when
the deadline passes. Retries stop at the deadline too (the helper thread gives up instead of going
on in the background). After two calls in a row overran on one endpoint, further calls to it fail at
once for a while, so a dead endpoint costs about two deadlines per scan, not one per call.

Documented bounds (docs/hostile-input.md): a call fails after at most `CALL_DEADLINE` seconds;
a scan of a silent or trickling endpoint ends in about `2 × CALL_DEADLINE`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

READ_TIMEOUT = 10.0  # seconds between two bytes of an answer
CALL_DEADLINE = 20.0  # seconds for one API call, all retries included
BODY_MIN_RATE = 256 * 1024  # bytes/s an object body must at least arrive at, on top of the deadline
BREAKER_AFTER = 2  # consecutive overruns on one endpoint before calls fail fast
BREAKER_SECONDS = 300.0  # how long calls fail fast after that


class EndpointTimeout(Exception):
    """The endpoint did not answer a call within its deadline (message: no server content)."""


_lock = threading.Lock()
_overruns: dict[str, int] = {}
_open_until: dict[str, float] = {}


# check_breaker, overran and answered are also called by storage/s3fast.py, whose listing pages bound
# their own time on one kept-alive connection: the same breaker and the same overrun counts.


def check_breaker(endpoint: str) -> None:
    with _lock:
        until = _open_until.get(endpoint)
    if until is not None and time.monotonic() < until:
        raise EndpointTimeout(f"endpoint not answering (calls stopped for {BREAKER_SECONDS:g} s)")


def overran(endpoint: str) -> None:
    with _lock:
        n = _overruns.get(endpoint, 0) + 1
        _overruns[endpoint] = n
        if n >= BREAKER_AFTER:
            _open_until[endpoint] = time.monotonic() + BREAKER_SECONDS


def answered(endpoint: str) -> None:
    with _lock:
        _overruns.pop(endpoint, None)
        _open_until.pop(endpoint, None)


def reset() -> None:
    """Forget every endpoint's history (tests, long-running services)."""
    with _lock:
        _overruns.clear()
        _open_until.clear()


def call_with_deadline(endpoint: str, seconds: float, fn: Callable[[], T]) -> T:
    """Run `fn` in a helper thread and wait at most `seconds` for it; raise EndpointTimeout after."""
    check_breaker(endpoint)
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the caller
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=run, name="phiscope-call", daemon=True).start()
    if not done.wait(seconds):
        overran(endpoint)
        raise EndpointTimeout(f"no complete answer within {seconds:g} s")
    if "error" in box:
        err = box["error"]
        if _is_timeout(err):
            overran(endpoint)
        raise err
    answered(endpoint)
    return box["value"]


def _is_timeout(e: BaseException) -> bool:
    name = type(e).__name__
    return "Timeout" in name or isinstance(e, TimeoutError)


def install(client: Any, endpoint: str | None, seconds: float = CALL_DEADLINE) -> Any:
    """Put every API call of this boto3 client (paginators included) under a total deadline."""
    key = endpoint or "aws"
    inner = client._make_api_call

    def make_api_call(operation_name: str, api_params: dict[str, Any]) -> Any:
        return call_with_deadline(key, seconds, lambda: inner(operation_name, api_params))

    client._make_api_call = make_api_call
    client.meta.events.register_first("before-call", _stamp_start)
    client.meta.events.register_first("needs-retry", _make_stop_retrying(seconds))
    return client


def _stamp_start(context: dict[str, Any], **_: Any) -> None:
    context["phiscope_started"] = time.monotonic()


def _make_stop_retrying(seconds: float) -> Callable[..., None]:
    def stop_retrying(request_dict: dict[str, Any] | None = None, **_: Any) -> None:
        """No retry after the call's deadline: the caller has stopped waiting already."""
        started = ((request_dict or {}).get("context") or {}).get("phiscope_started")
        if started is not None and time.monotonic() - started > seconds:
            raise EndpointTimeout(f"no complete answer within {seconds:g} s")

    return stop_retrying


def body_deadline(nbytes: int, seconds: float = CALL_DEADLINE) -> float:
    """Time allowed to read an object body of `nbytes`: the call deadline plus a minimum rate."""
    return seconds + nbytes / BODY_MIN_RATE
