"""The Azure Blob protocol path of `phiscope discover` (account = the name, access per container).

A small loopback server answers as Azure's Blob service does for anonymous callers: EnumerationResults
for a container with public "container" access, 404 ResourceNotFound (x-ms-error-code) for a private or
absent container, and an error for the account-level list. It stands in for the wire protocol only;
test_discover_azurite.py runs the same path against Azurite (which answers 403 where Azure answers 404,
and has a single account).
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from typer.testing import CliRunner

from phiscope.cli import app


class AzureLike:
    def __init__(self, accounts: dict[str, dict[str, str]]) -> None:
        self.accounts = accounts  # account -> container -> "container" | "private"
        self.log: list[dict[str, Any]] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()

    async def handle(self, request: web.Request) -> web.Response:
        self.log.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "range": request.headers.get("Range"),
            }
        )
        parts = request.path.lstrip("/").split("/", 2)
        acct = self.accounts.get(parts[0])
        if acct is None:
            return web.Response(status=404)  # no such account (on Azure: the name does not resolve)
        if len(parts) < 2 or not parts[1]:
            return web.Response(status=404, headers={"x-ms-error-code": "ResourceNotFound"})
        level = acct.get(parts[1])
        if level is None or level == "private":
            return web.Response(status=404, headers={"x-ms-error-code": "ResourceNotFound"})
        if len(parts) == 2 and request.query.get("comp") == "list":
            body = (
                '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="x"><Blobs>'
                "<Blob><Name>calls/rec-0001.wav</Name><Properties><Content-Length>9</Content-Length></Properties></Blob>"
                "<Blob><Name>notes.txt</Name><Properties><Content-Length>5</Content-Length></Properties></Blob>"
                "</Blobs><NextMarker /></EnumerationResults>"
            )
            return web.Response(body=body.encode(), content_type="application/xml")
        return web.Response(status=206, body=b"n", headers={"Content-Range": "bytes 0-0/5"})

    def __enter__(self) -> AzureLike:
        ready = threading.Event()

        async def serve() -> None:
            app_ = web.Application()
            app_.router.add_route("*", "/{tail:.*}", self.handle)
            self.runner = web.AppRunner(app_, access_log=None)
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", 0).start()
            self.port = self.runner.addresses[0][1]

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self.runner.cleanup())

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)


@pytest.fixture
def azure() -> Iterator[tuple[AzureLike, str]]:
    stem = "zq" + uuid.uuid4().hex[:8]
    with AzureLike({f"{stem}backup": {"data": "container", "files": "private"}, f"{stem}prod": {}}) as srv:
        yield srv, stem


def test_public_container_found_private_account_reported(azure: tuple[AzureLike, str]) -> None:
    srv, stem = azure
    r = CliRunner().invoke(
        app,
        [
            "discover",
            stem,
            "--providers",
            "azure",
            "--endpoint-template",
            f"azure=http://127.0.0.1:{srv.port}/{{bucket}}",
            "--years",
            "0",
            "--no-db",
            "--format",
            "json",
            "--rate",
            "3000",
            "--per-host-rate",
            "3000",
        ],
    )
    assert r.exit_code == 3, r.output
    got = {b["bucket"]: b for b in json.loads(r.stdout)}
    assert set(got) == {f"{stem}backup/data", f"{stem}prod"}
    assert got[f"{stem}backup/data"]["state"] == "exists-readable"
    assert got[f"{stem}backup/data"]["anonymous"] == {"list": True, "read": True}
    assert got[f"{stem}prod"]["state"] == "exists-private"
    # names that break Azure's account rules (hyphens, dots) were never sent
    assert not any("-" in e["path"].split("/")[1] or "." in e["path"].split("/")[1] for e in srv.log)
    assert {e["method"] for e in srv.log} == {"GET"}
    assert all(e["range"] == "bytes=0-0" for e in srv.log if e["path"].count("/") >= 3)
