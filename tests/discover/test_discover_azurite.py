"""`phiscope discover` against Azurite, Microsoft's Blob service emulator (npm, installed by
scripts/dev.sh into .tools/azurite), reached through --endpoint-template: Azurite enforces container
access levels for anonymous callers, so this checks the Azure path against a real Blob implementation,
not only the stand-in of test_discover_azure.py. Skipped when Azurite is not installed.

What anonymous callers can learn, and so what the probe can report:
- a container with "container" access lists and reads: exists-readable (list and 1-byte read proved);
- a container with "blob" access reads a blob whose name is known but does not list (Azurite answers
  403 AuthorizationFailure, Azure 404): discover never guesses object names, so such a container is
  not reported on its own; the account it is in is;
- private containers only: the account answers, so it is reported exists-private.
Azurite is path-style (http://host:port/ACCOUNT/CONTAINER) and has one account, devstoreaccount1.
An unknown account answers 404 ResourceNotFound there (on Azure the name does not resolve), so the
run uses that single name only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from phiscope.cli import app
from phiscope.storage.emulators import AZURITE_ACCOUNT, Azurite, azurite_binary

RAW_SSN = "123-45-6789"
CSV = f"name,ssn\nJane Roe,{RAW_SSN}\nJohn Poe,219-09-9999\n".encode()
OCSF_SCHEMA = Path(__file__).parents[1] / "report" / "schemas" / "ocsf-1.5.0-detection_finding.json"


@pytest.fixture(scope="module")
def azurite() -> Iterator[tuple[Azurite, Any]]:
    if azurite_binary() is None:
        pytest.skip("Azurite not installed (scripts/dev.sh setup installs it into .tools/)")
    blob = pytest.importorskip("azure.storage.blob")
    with Azurite() as az:
        svc = blob.BlobServiceClient.from_connection_string(az.connection_string)
        for container, access in (("data", "container"), ("files", "blob"), ("backup", None)):
            svc.create_container(container, public_access=access).upload_blob("patients/p1.csv", CSV)
        yield az, svc


def _discover(az: Azurite, tmp: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        app,
        [
            "discover",
            AZURITE_ACCOUNT,
            "--providers",
            "azure",
            "--endpoint-template",
            f"azure=http://127.0.0.1:{az.port}/{{bucket}}",
            "--years",
            "0",
            "--no-bundled-words",
            "--no-db",
            "--format",
            "json",
            "--rate",
            "3000",
            "--per-host-rate",
            "3000",
            "--pack-dir",
            str(tmp),
            *extra,
        ],
    )


def test_public_container_is_readable_blob_and_private_ones_are_not_listed(
    azurite: tuple[Azurite, Any], tmp_path: Path
) -> None:
    az, _ = azurite
    r = _discover(az, tmp_path, "--classify")
    assert r.exit_code == 3, r.output
    found = {b["bucket"]: b for b in json.loads(r.stdout)}
    assert set(found) == {f"{AZURITE_ACCOUNT}/data"}  # "files" (blob access) and "backup" do not list
    data = found[f"{AZURITE_ACCOUNT}/data"]
    assert data["state"] == "exists-readable"
    assert data["anonymous"] == {"list": True, "read": True}
    assert data["keys_seen"] == 1
    statuses = [q["status"] for q in data["requests"]]
    assert statuses[0] == 200 and 206 in statuses  # Azurite's listing, then a ranged read it honoured
    assert data["classification"]["types"]["US_SSN"]["count"] >= 1
    # the pack, in every format, for the container; masked only
    names = sorted(p.name for p in tmp_path.iterdir())
    stem = f"azure-{AZURITE_ACCOUNT}_data"
    assert names == sorted(stem + s for s in (".json", ".md", ".html", ".ocsf.json"))
    for p in tmp_path.iterdir():
        text = p.read_text("utf-8")
        assert RAW_SSN not in text and "Jane Roe" not in text, p.name
    (ev,) = json.loads((tmp_path / f"{stem}.ocsf.json").read_text("utf-8"))
    schema = json.loads(OCSF_SCHEMA.read_text("utf-8"))
    v = jsonschema.validators.validator_for(schema)(schema)
    assert not [e.message for e in v.iter_errors(ev)]
    assert ev["cloud"]["provider"] == "Azure" and ev["severity"] == "Critical"
    assert RAW_SSN not in r.stdout and RAW_SSN not in r.stderr


def test_account_without_a_public_container_is_private(azurite: tuple[Azurite, Any], tmp_path: Path) -> None:
    az, svc = azurite
    svc.get_container_client("data").set_container_access_policy(signed_identifiers={}, public_access=None)
    try:
        r = _discover(az, tmp_path)
    finally:
        svc.get_container_client("data").set_container_access_policy(
            signed_identifiers={}, public_access="container"
        )
    assert r.exit_code == 0, r.output
    (acct,) = json.loads(r.stdout)
    assert acct["bucket"] == AZURITE_ACCOUNT
    assert acct["state"] == "exists-private"
    assert acct["anonymous"]["list"] is False
    # every container tried was refused to an anonymous caller, none was read
    assert not list(tmp_path.iterdir())
