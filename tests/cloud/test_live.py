# ruff: noqa: F811  (fixtures imported from cloud_fixtures are used as parameters)
"""Azure and GCS connectors, snapshots and probes against real emulators on loopback.

Azurite enforces container access levels (it is a fair judge of anonymous list/read); the GCS emulator
stores IAM policies and ACLs without enforcing them, so GCS exposure is checked through the snapshot
and the evaluator, never through the emulator's answers (docs/providers.md).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from cloud_fixtures import azurite, cloud_env, gcs_emulator  # noqa: F401 (fixtures: a conftest here would shadow tests/conftest)

from phiscope.exposure.azure import evaluate_azure
from phiscope.exposure.azure_live import collect_snapshot as azure_snapshot
from phiscope.exposure.azure_live import probe_container
from phiscope.exposure.gcs import evaluate_gcs
from phiscope.exposure.gcs_live import collect_snapshot as gcs_snapshot
from phiscope.exposure.gcs_live import probe_bucket as gcs_probe
from phiscope.storage import azure as azure_mod
from phiscope.storage import gcs as gcs_mod
from phiscope.storage.azure import AzureStore
from phiscope.storage.emulators import AZURITE_ACCOUNT, Azurite, EmbeddedGCS
from phiscope.storage.gcs import GCSStore

ACCT = AZURITE_ACCOUNT
BODY = bytes(range(256)) * 41  # 10,496 bytes, every offset distinguishable


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def az_store(cloud_env: dict[str, Any]) -> AzureStore:
    return AzureStore(ACCT)


@pytest.fixture
def gcs_store(cloud_env: dict[str, Any]) -> GCSStore:
    return GCSStore()


def _az_container(store: AzureStore, access: str | None = None, files: dict[str, bytes] | None = None) -> str:
    name = _name("c")
    cc = store.client.create_container(name, public_access=access)
    for k, v in (
        files or {"a/one.bin": BODY, "a/two.txt": b"two", "b/three.txt": b"3", "empty": b""}
    ).items():
        cc.upload_blob(k, v)
    return f"{ACCT}/{name}"


def test_azure_listing_prefix_and_metadata(az_store: AzureStore) -> None:
    bid = _az_container(az_store)
    refs = {r.key: r for r in az_store.list_objects(bid)}
    assert set(refs) == {"a/one.bin", "a/two.txt", "b/three.txt", "empty"}
    assert refs["a/one.bin"].size == len(BODY) and refs["a/one.bin"].etag and refs["a/one.bin"].last_modified
    assert {r.key for r in az_store.list_objects(bid, "a/")} == {"a/one.bin", "a/two.txt"}
    assert bid in az_store.list_buckets()
    assert all(r.bucket == bid for r in refs.values())


def test_azure_ranged_reads(az_store: AzureStore, monkeypatch: pytest.MonkeyPatch) -> None:
    bid = _az_container(az_store)
    monkeypatch.setattr(azure_mod, "RANGE_CHUNK", 1000)  # force many ranged downloads
    ref = next(r for r in az_store.list_objects(bid) if r.key == "a/one.bin")
    whole = az_store.fetch(ref, 10**9)
    assert (whole.bytes_read, whole.truncated, whole.stream.read()) == (len(BODY), False, BODY)
    part = az_store.fetch(ref, 2500)
    assert (part.bytes_read, part.truncated, part.stream.read()) == (2500, True, BODY[:2500])
    empty = next(r for r in az_store.list_objects(bid) if r.key == "empty")
    assert az_store.fetch(empty, 100).bytes_read == 0


def test_gcs_listing_and_ranged_reads(gcs_store: GCSStore, monkeypatch: pytest.MonkeyPatch) -> None:
    name = _name("b")
    b = gcs_store.client.create_bucket(name)
    for k, v in {"x/one.bin": BODY, "x/two.txt": b"two", "y.txt": b"y"}.items():
        b.blob(k).upload_from_string(v)
    refs = {r.key: r for r in gcs_store.list_objects(name)}
    assert set(refs) == {"x/one.bin", "x/two.txt", "y.txt"} and refs["x/one.bin"].size == len(BODY)
    assert {r.key for r in gcs_store.list_objects(name, "x/")} == {"x/one.bin", "x/two.txt"}
    assert name in gcs_store.list_buckets()
    monkeypatch.setattr(gcs_mod, "RANGE_CHUNK", 999)
    whole = gcs_store.fetch(refs["x/one.bin"], 10**9)
    assert whole.stream.read() == BODY and not whole.truncated
    part = gcs_store.fetch(refs["x/one.bin"], 1234)
    assert (part.bytes_read, part.truncated, part.stream.read()) == (1234, True, BODY[:1234])


@pytest.mark.parametrize(
    ("access", "list_outcome", "read_outcome"),
    [
        ("container", "allowed", "allowed"),
        ("blob", "AccessDenied", "allowed"),
        (None, "AccessDenied", "AccessDenied"),
    ],
)
def test_azure_probe_three_valued(
    az_store: AzureStore, azurite: Azurite, access: str | None, list_outcome: str, read_outcome: str
) -> None:
    bid = _az_container(az_store, access)
    container = bid.split("/", 1)[1]
    r = probe_container(ACCT, container, account_url=azurite.blob_endpoint, key="a/two.txt")
    tests = r["audiences"]["anonymous"]
    assert tests["list"]["outcome"] == list_outcome
    assert tests["read"]["outcome"] == read_outcome
    assert r["public"] is (access is not None)
    # a denial proves nothing anonymously: private and missing containers look alike
    assert r["exists"] is (True if access else None)
    assert r["summary"].startswith("EXPOSED") is (access is not None)


def test_azure_probe_unknown_container_is_not_private(azurite: Azurite) -> None:
    r = probe_container(ACCT, _name("nope"), account_url=azurite.blob_endpoint)
    assert r["public"] is False
    assert r["exists"] in (False, None)  # never "exists and private"


def test_azure_probe_dead_endpoint_is_unverified(cloud_env: dict[str, Any]) -> None:
    from phiscope.storage.embedded import free_port

    r = probe_container(ACCT, "x", account_url=f"http://127.0.0.1:{free_port()}/{ACCT}")
    assert r["exists"] is None and r["public"] is False
    assert r["audiences"]["anonymous"]["list"]["outcome"] in ("unreachable", "error")


def test_azure_probe_write_is_opt_in_and_cleans_up(az_store: AzureStore, azurite: Azurite) -> None:
    bid = _az_container(az_store, "container")
    container = bid.split("/", 1)[1]
    r = probe_container(ACCT, container, account_url=azurite.blob_endpoint)
    assert r["audiences"]["anonymous"]["write"]["outcome"] == "skipped"
    r = probe_container(ACCT, container, account_url=azurite.blob_endpoint, test_write=True)
    assert r["audiences"]["anonymous"]["write"]["outcome"] == "AccessDenied"  # read access != write
    assert not [x for x in az_store.list_objects(bid) if x.key.startswith("phiscope-probe-")]


def test_azure_snapshot_and_verdict(az_store: AzureStore) -> None:
    from azure.storage.blob import AccessPolicy

    bid = _az_container(az_store, "blob")
    cc = az_store.container_client(bid)
    cc.set_container_access_policy(
        signed_identifiers={"partner": AccessPolicy(permission="rl", expiry="2031-01-01T00:00:00Z")},
        public_access="blob",
    )
    snap = azure_snapshot(az_store, bid)
    assert snap["container_settings"]["publicAccess"] == "blob"
    assert snap["container_settings"]["storedAccessPolicies"][0]["id"] == "partner"
    v = evaluate_azure(snap)
    assert v["access"]["anonymous"]["read"] and not v["access"]["anonymous"]["list"]
    assert any("partner" in u for u in v["uncertain"])
    # the account's own setting (ARM, not served by Azurite) comes from the caller when known
    v2 = evaluate_azure(azure_snapshot(az_store, bid, account_settings={"allowBlobPublicAccess": False}))
    assert not v2["public"] and v2["latent"]


def test_gcs_snapshot_reads_iam_pap_and_acls(gcs_store: GCSStore) -> None:
    name = _name("g")
    b = gcs_store.client.create_bucket(name)
    b.blob("r.csv").upload_from_string(b"a,b\n")
    policy = b.get_iam_policy(requested_policy_version=3)
    policy.bindings.append({"role": "roles/storage.objectViewer", "members": {"allUsers"}})
    b.set_iam_policy(policy)
    snap = gcs_snapshot(gcs_store, name, object_keys=["r.csv"])
    assert {"role": "roles/storage.objectViewer", "members": ["allUsers"]} in snap["iam_policy"]["bindings"]
    assert snap["iam_configuration"].get("publicAccessPrevention", "inherited") == "inherited"
    assert isinstance(snap["acl"], list)
    v = evaluate_gcs(snap)
    assert v["access"]["anonymous"]["read"] and v["access"]["anonymous"]["list"]
    b.iam_configuration.public_access_prevention = "enforced"
    b.patch()
    v2 = evaluate_gcs(gcs_snapshot(gcs_store, name))
    assert not v2["public"] and any("public access prevention" in t for t in v2["latent"])


def test_gcs_probe_shape_and_write_cleanup(gcs_store: GCSStore, gcs_emulator: EmbeddedGCS) -> None:
    name = _name("p")
    b = gcs_store.client.create_bucket(name)
    b.blob("k.txt").upload_from_string(b"hello")
    r = gcs_probe(name, endpoint_url=gcs_emulator.endpoint_url, test_write=True)
    tests = r["audiences"]["anonymous"]
    assert set(tests) == {"list", "read", "read_acl", "write"}
    assert tests["read"]["key"] == "k.txt" and tests["write"]["deleted"] is True
    assert [x.key for x in gcs_store.list_objects(name)] == ["k.txt"]
    missing = gcs_probe(_name("missing"), endpoint_url=gcs_emulator.endpoint_url)
    assert missing["public"] is False and missing["exists"] is not True


def test_probe_cli_azure_and_gcs_exit_codes(az_store: AzureStore, azurite: Azurite) -> None:
    from typer.testing import CliRunner

    from phiscope.cli import app

    runner = CliRunner()
    public = _az_container(az_store, "container").split("/", 1)[1]
    private = _az_container(az_store).split("/", 1)[1]
    r = runner.invoke(app, ["probe", f"az://{ACCT}/{public}", "--format", "json"])
    assert r.exit_code == 3, r.output
    assert json.loads(r.stdout)[0]["audiences"]["anonymous"]["list"]["outcome"] == "allowed"
    r = runner.invoke(app, ["probe", f"az://{ACCT}/{private}"])
    assert r.exit_code == 1, r.output  # denied anonymously: could not verify, never "clean"
    r = runner.invoke(app, ["probe", "az://BAD/x"])
    assert r.exit_code == 1 and "bad Azure target" in r.stdout


def test_exposure_snapshot_and_evaluate_cli(az_store: AzureStore, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from phiscope.cli import app

    runner = CliRunner()
    container = _az_container(az_store, "container").split("/", 1)[1]
    snap_path = tmp_path / "snap.json"
    r = runner.invoke(app, ["exposure", "snapshot", f"az://{ACCT}/{container}", "-o", str(snap_path)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["exposure", "evaluate", str(snap_path)])
    verdict = json.loads(r.stdout)
    assert verdict["provider"] == "azure" and verdict["access"]["anonymous"]["list"]
    # the account's ARM settings, as `az storage account show` prints them, close it
    show = tmp_path / "account.json"
    show.write_text(json.dumps({"name": ACCT, "allowBlobPublicAccess": False, "allowSharedKeyAccess": True}))
    r = runner.invoke(
        app,
        [
            "exposure",
            "snapshot",
            f"az://{ACCT}/{container}",
            "--account-settings",
            str(show),
            "-o",
            str(snap_path),
        ],
    )
    assert r.exit_code == 0, r.output
    verdict = json.loads(runner.invoke(app, ["exposure", "evaluate", str(snap_path)]).stdout)
    assert not verdict["public"] and verdict["latent"]
    r = runner.invoke(app, ["exposure", "snapshot", "az://NOPE/x"])
    assert r.exit_code == 2


def test_azure_static_website_makes_web_readable(az_store: AzureStore) -> None:
    from azure.storage.blob import StaticWebsite

    az_store.client.set_service_properties(
        static_website=StaticWebsite(enabled=True, index_document="index.html")
    )
    try:
        az_store.client.create_container("$web")
    except Exception:
        pass  # already there from an earlier run of this session's server
    snap = azure_snapshot(az_store, f"{ACCT}/$web")
    assert snap["static_website"] == {"enabled": True}
    v = evaluate_azure(snap)
    assert v["access"]["anonymous"]["read"] and any("web endpoint" in t for t in v["reasons"])
    az_store.client.set_service_properties(static_website=StaticWebsite(enabled=False))
    assert not evaluate_azure(azure_snapshot(az_store, f"{ACCT}/$web"))["public"]


def test_owner_assessment_observes_blob_level_read(az_store: AzureStore) -> None:
    """Blob level: no anonymous listing, but the owner's listing gives the probe a name to read."""
    from phiscope.scan.assess_cloud import assess_cloud

    bid = _az_container(az_store, "blob")
    keys = [r.key for r in az_store.list_objects(bid) if r.size]
    a = assess_cloud(az_store, bid, keys)
    assert a.exposure is not None and not a.errors
    probe = a.exposure["probe"]["audiences"]["anonymous"]
    assert probe["list"]["outcome"] == "AccessDenied" and probe["read"]["outcome"] == "allowed"
    assert a.exposure["access"]["anonymous"]["read"] and not a.exposure["access"]["anonymous"]["list"]
