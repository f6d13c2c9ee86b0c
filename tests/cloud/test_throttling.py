# ruff: noqa: F811  (fixtures imported from cloud_fixtures are used as parameters)
"""Throttling (503 from a loopback proxy in front of each emulator) is retried with backoff: every
object of the scan completes, through Azure's and GCS's own retry policies."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path
from typing import Any

import pytest
from cloud_fixtures import azurite, cloud_env, gcs_emulator  # noqa: F401 (fixtures: a conftest here would shadow tests/conftest)

from phiscope.db.store import Store
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report
from phiscope.storage.azure import make_service_client
from phiscope.storage.emulators import AZURITE_ACCOUNT, AZURITE_KEY, Azurite, EmbeddedGCS
from phiscope.storage.gcs import make_client

_spec = importlib.util.spec_from_file_location(
    "throttle_proxy", Path(__file__).parents[1] / "scan" / "throttle_proxy.py"
)
assert _spec and _spec.loader
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
ThrottlingProxy = _mod.ThrottlingProxy


def _scan(target: str, tmp_path: Path) -> dict[str, Any]:
    db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    cfg = ScanConfig(targets=[target], anonymous=False, secret=b"s" * 32, workers=1, ocr=False, audio=False)
    return build_report(db, Scanner(cfg, db).run())


def _check(report: dict[str, Any], proxy: Any) -> None:
    assert proxy.throttled >= 5  # throttling really happened
    statuses = {o["key"]: o["status"] for o in report["objects"]}
    assert len(statuses) == 12 and set(statuses.values()) == {"complete"}
    assert all(o["contains_phi"] for o in report["objects"])


def test_azure_scan_survives_throttling(
    azurite: Azurite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    name = f"thr-{uuid.uuid4().hex[:8]}"
    cc = make_service_client(AZURITE_ACCOUNT).create_container(name)
    for i in range(12):
        cc.upload_blob(f"p{i:02}.csv", f"name,ssn\nAda Quinn,123-45-{6780 + i}\n".encode())
    with ThrottlingProxy(f"http://127.0.0.1:{azurite.port}", every=3) as proxy:
        monkeypatch.setenv(
            "AZURE_STORAGE_CONNECTION_STRING",
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"BlobEndpoint={proxy.url}/{AZURITE_ACCOUNT};",
        )
        report = _scan(f"az://{AZURITE_ACCOUNT}/{name}", tmp_path)
    _check(report, proxy)


def test_gcs_scan_survives_throttling(
    gcs_emulator: EmbeddedGCS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.endpoint_url)
    name = f"thr-{uuid.uuid4().hex[:8]}"
    b = make_client().create_bucket(name)
    for i in range(12):
        b.blob(f"p{i:02}.csv").upload_from_string(f"name,ssn\nAda Quinn,123-45-{6780 + i}\n".encode())
    with ThrottlingProxy(gcs_emulator.endpoint_url, every=3) as proxy:
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", proxy.url)
        report = _scan(f"gs://{name}", tmp_path)
    _check(report, proxy)
