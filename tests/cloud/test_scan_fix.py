# ruff: noqa: F811  (fixtures imported from cloud_fixtures are used as parameters)
"""End to end on the emulators: synthetic telehealth data in an Azure container and a GCS bucket →
`phiscope scan az://… gs://…` → reports with provider-correct identifiers, people counted against
the generator's ground truth, no raw value anywhere; then `phiscope fix` plan → apply → rollback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cloud_fixtures import azurite, cloud_env, gcs_emulator  # noqa: F401 (fixtures: a conftest here would shadow tests/conftest)

from phiscope.demo_cloud import upload_azure, upload_gcs
from phiscope.exposure.azure_live import probe_container
from phiscope.exposure.gcs import evaluate_gcs
from phiscope.exposure.gcs_live import collect_snapshot as gcs_snapshot
from phiscope.storage.azure import AzureStore
from phiscope.storage.emulators import AZURITE_ACCOUNT, Azurite, EmbeddedGCS
from phiscope.storage.gcs import GCSStore
from phiscope.synth import telehealth

PHISCOPE = str(Path(sys.executable).with_name("phiscope"))
ACCT = AZURITE_ACCOUNT
AZ_PUBLIC, AZ_PRIVATE, GCS_PUBLIC = "e2e-intake", "e2e-private", "e2e-gcs-exports"


def run(args: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PHISCOPE, *args], env=env, capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def world(
    azurite: Azurite, gcs_emulator: EmbeddedGCS, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    import os

    tmp = tmp_path_factory.mktemp("cloud-e2e")
    data = tmp / "buckets"
    truth = telehealth.build(data, people=60, audio=False, images=False, truth_path=tmp / "truth.json")
    env = {
        **os.environ,
        "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
        "STORAGE_EMULATOR_HOST": gcs_emulator.endpoint_url,
        "PHISCOPE_SECRET_FILE": str(tmp / "secret.key"),
    }
    os.environ.update({k: env[k] for k in ("AZURE_STORAGE_CONNECTION_STRING", "STORAGE_EMULATOR_HOST")})
    az, gs = AzureStore(ACCT), GCSStore()
    upload_azure(az.client, data / "medcall-forms", AZ_PUBLIC, access="container")
    upload_azure(az.client, data / "medcall-website", AZ_PRIVATE)
    upload_gcs(gs.client, data / "medcall-exports", GCS_PUBLIC, public_role="roles/storage.objectViewer")
    out = tmp / "out"
    targets = [f"az://{ACCT}/{AZ_PUBLIC}", f"az://{ACCT}/{AZ_PRIVATE}", f"gs://{GCS_PUBLIC}"]
    proc = run(
        [
            *["scan", *targets],
            "--db",
            f"sqlite:///{tmp / 'f.db'}",
            "-o",
            str(out),
            "-M",
            "json,ocsf,sarif,csv,html",
            "--no-audio",
            "--no-ocr",
            "--workers",
            "1",
            "-q",
            "--log-json",
            str(tmp / "events.jsonl"),
        ],
        env,
    )
    report = json.loads((out / "phiscope-report.json").read_text())
    return {
        "tmp": tmp,
        "out": out,
        "truth": truth,
        "env": env,
        "proc": proc,
        "report": report,
        "az": az,
        "gs": gs,
        "azurite": azurite,
    }


def _bucket(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(b for b in report["buckets"] if b["name"] == name)


def test_scan_exit_code_and_exposure(world: dict[str, Any]) -> None:
    assert world["proc"].returncode == 3, world["proc"].stderr[-2000:]
    r = world["report"]
    pub = _bucket(r, f"{ACCT}/{AZ_PUBLIC}")
    assert (pub["provider"], pub["exposure_level"]) == ("azure", "public")
    assert pub["exposure"]["access"]["anonymous"]["list"] and pub["exposure"]["probe"]["public"] is True
    priv = _bucket(r, f"{ACCT}/{AZ_PRIVATE}")
    assert (priv["provider"], priv["exposure_level"]) == ("azure", "none")
    g = _bucket(r, GCS_PUBLIC)
    assert (g["provider"], g["exposure_level"]) == ("gcs", "public")
    assert any("objectViewer" in t for t in g["exposure"]["reasons"])


def test_people_counted_against_ground_truth(world: dict[str, Any]) -> None:
    truth, r = world["truth"], world["report"]
    by_bucket = r["impact"]["people_affected_by_bucket"]
    for name, source in ((f"{ACCT}/{AZ_PUBLIC}", "medcall-forms"), (GCS_PUBLIC, "medcall-exports")):
        want = truth.people_by_bucket[source]
        assert abs(by_bucket.get(name, 0) - want) <= max(1, 0.02 * want), (name, by_bucket, want)
    assert _bucket(r, GCS_PUBLIC)["objects_scanned"] == sum(
        1 for f in truth.files if f.bucket == "medcall-exports"
    )


def test_provider_correct_identifiers_in_every_format(world: dict[str, Any]) -> None:
    out = world["out"]
    events = json.loads(next(out.glob("*.ocsf.json")).read_text())
    providers = {e["cloud"]["provider"] for e in events}
    assert providers == {"Azure", "GCP"}
    uids = {r["uid"] for e in events for r in e["resources"]}
    assert not any(u.startswith("arn:aws") for u in uids)
    assert f"//storage.googleapis.com/projects/_/buckets/{GCS_PUBLIC}" in uids
    assert any(u.endswith(f"/{ACCT}/{AZ_PUBLIC}") for u in uids)
    dbt = {e["databucket"]["type"] for e in events if "databucket" in e}
    assert dbt == {"Azure Blob", "GCP Bucket"}
    sarif = json.loads(next(out.glob("*.sarif")).read_text())
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for res in sarif["runs"][0]["results"]
        for loc in res.get("locations", [])
    }
    assert uris and not any(u.startswith("s3://") for u in uris)
    assert any(u.startswith(f"gs://{GCS_PUBLIC}/") for u in uris)
    assert any(f"/{ACCT}/{AZ_PUBLIC}/" in u and u.startswith("http") for u in uris)
    csv_text = next(out.glob("*.csv")).read_text()
    assert "s3://" not in csv_text and f"gs://{GCS_PUBLIC}/" in csv_text


def test_html_and_incident_name_buckets_by_provider(world: dict[str, Any]) -> None:
    html = next(world["out"].glob("*.html")).read_text()
    assert f"gs://{GCS_PUBLIC}/" in html and f"/{ACCT}/{AZ_PUBLIC}/" in html
    scan_id = world["report"]["scan"]["id"]
    md = world["tmp"] / "incident.md"
    p = run(["incident", scan_id, "--db", f"sqlite:///{world['tmp'] / 'f.db'}", "-o", str(md)], world["env"])
    assert p.returncode == 0, p.stderr
    text = md.read_text()
    assert f"az://{ACCT}/{AZ_PUBLIC}" in text and f"gs://{GCS_PUBLIC}" in text and "s3://" not in text


def test_no_raw_identifier_in_outputs(world: dict[str, Any]) -> None:
    truth = world["truth"]
    needles = {
        v.strip()
        for typ, vs in truth.sensitive_values.items()
        for v in vs
        if len(v.strip()) >= 6 and (typ != "PERSON_NAME" or " " in v.strip())
    }
    assert len(needles) > 50
    files = [p for p in world["out"].rglob("*") if p.is_file()] + [world["tmp"] / "events.jsonl"]
    text = {str(p): p.read_bytes().decode("utf-8", "replace") for p in files}
    text["stderr"] = world["proc"].stderr
    leaks = sorted({(k, n[:3] + "…") for k, t in text.items() for n in needles if n in t})
    assert not leaks, leaks


def test_anonymous_scan_never_calls_a_private_container_private(world: dict[str, Any]) -> None:
    tmp = world["tmp"]
    proc = run(
        [
            "scan",
            f"az://{ACCT}/{AZ_PRIVATE}",
            "--anonymous",
            "--db",
            f"sqlite:///{tmp / 'anon.db'}",
            "-o",
            str(tmp / "anon"),
            "-M",
            "json",
            "--no-audio",
            "--no-ocr",
            "--workers",
            "1",
            "-q",
        ],
        world["env"],
    )
    r = json.loads((tmp / "anon" / "phiscope-report.json").read_text())
    b = _bucket(r, f"{ACCT}/{AZ_PRIVATE}")
    assert b["exposure_errors"], "a denied anonymous listing proves nothing: unverified, not private"
    assert any("could not verify" in e or "listing failed" in e for e in b["exposure_errors"])
    assert proc.returncode in (1, 3)  # never 0 (clean) when nothing could be verified


def test_fix_azure_plan_apply_verify_rollback(world: dict[str, Any]) -> None:
    tmp, env, az = world["tmp"], world["env"], world["az"]
    endpoint = world["azurite"].blob_endpoint
    plan_path = tmp / "az-plan.json"
    p = run(["fix", "plan", f"az://{ACCT}/{AZ_PUBLIC}", "-o", str(plan_path)], env)
    assert p.returncode == 3, p.stderr
    plan = json.loads(plan_path.read_text())
    assert [a["action"] for a in plan["buckets"][0]["actions"]] == ["set_container_access"]
    dry = run(["fix", "apply", str(plan_path)], env)
    assert dry.returncode == 0 and "dry run" in dry.stdout
    assert probe_container(ACCT, AZ_PUBLIC, account_url=endpoint)["public"] is True
    applied = run(["fix", "apply", str(plan_path), "--yes", "--backup-dir", str(tmp / "bk")], env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "closed (verified)" in applied.stdout
    assert probe_container(ACCT, AZ_PUBLIC, account_url=endpoint)["public"] is False
    backup = next((tmp / "bk").glob("phiscope-backup-*.json"))
    rb = run(["fix", "rollback", str(backup), "--yes"], env)
    assert rb.returncode == 0, rb.stderr
    assert (
        az.container_client(f"{ACCT}/{AZ_PUBLIC}").get_container_access_policy()["public_access"]
        == "container"
    )
    assert probe_container(ACCT, AZ_PUBLIC, account_url=endpoint)["public"] is True


def test_fix_gcs_plan_apply_verify_rollback(world: dict[str, Any]) -> None:
    tmp, env, gs = world["tmp"], world["env"], world["gs"]
    name = "e2e-gcs-fix"
    b = gs.client.create_bucket(name)
    b.blob("r.csv").upload_from_string(b"x")
    policy = b.get_iam_policy(requested_policy_version=3)
    policy.bindings.append(
        {"role": "roles/storage.objectViewer", "members": {"allUsers", "user:a@example.com"}}
    )
    b.set_iam_policy(policy)
    plan_path = tmp / "gcs-plan.json"
    p = run(["fix", "plan", f"gs://{name}", "-o", str(plan_path)], env)
    assert p.returncode == 3, p.stderr
    actions = [a["action"] for a in json.loads(plan_path.read_text())["buckets"][0]["actions"]]
    assert actions[0] == "set_public_access_prevention" and "remove_iam_members" in actions
    applied = run(["fix", "apply", str(plan_path), "--yes", "--backup-dir", str(tmp / "bk-gcs")], env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    after = gcs_snapshot(gs, name)
    assert not evaluate_gcs(after)["public"]
    members = {m for x in after["iam_policy"]["bindings"] for m in x["members"]}
    assert "allUsers" not in members and "user:a@example.com" in members  # only the public member went
    backup = next((tmp / "bk-gcs").glob("phiscope-backup-*.json"))
    assert run(["fix", "rollback", str(backup), "--yes"], env).returncode == 0
    restored = gcs_snapshot(gs, name)
    assert evaluate_gcs(restored)["access"]["anonymous"]["read"]


def test_resume_and_sampling_over_the_azure_connector(world: dict[str, Any]) -> None:
    import sqlite3

    tmp, env = world["tmp"], world["env"]
    db = tmp / "resume.db"
    base = ["--db", f"sqlite:///{db}", "-M", "json", "--no-audio", "--no-ocr", "--workers", "1", "-q"]
    first = run(
        ["scan", f"gs://{GCS_PUBLIC}", "-o", str(tmp / "r1"), *base, "--log-json", str(tmp / "r1.jsonl")], env
    )
    assert first.returncode == 3, first.stderr
    scan_id = json.loads((tmp / "r1" / "phiscope-report.json").read_text())["scan"]["id"]
    with sqlite3.connect(db) as c:  # as if the scan had been killed after two objects
        keys = [k for (k,) in c.execute("select key from objects where scan_id=? order by key", (scan_id,))]
        for table in ("detections", "person_records", "person_keys"):  # what hangs off an object
            c.execute(
                f"delete from {table} where object_id in "
                "(select id from objects where scan_id=? and key not in (?, ?))",
                (scan_id, keys[0], keys[1]),
            )
        c.execute("delete from objects where scan_id=? and key not in (?, ?)", (scan_id, keys[0], keys[1]))
        c.execute("update scans set state='running' where id=?", (scan_id,))
    log2 = tmp / "r2.jsonl"
    again = run(["scan", "--resume", scan_id, "-o", str(tmp / "r2"), *base, "--log-json", str(log2)], env)
    assert again.returncode == 3, again.stderr
    rescanned = {json.loads(x)["key"] for x in log2.read_text().splitlines() if '"object_done"' in x}
    assert rescanned == set(keys[2:])  # finished objects were not fetched again
    r2 = json.loads((tmp / "r2" / "phiscope-report.json").read_text())
    assert r2["buckets"][0]["provider"] == "gcs" and len(r2["objects"]) == len(keys)

    sampled = run(
        ["scan", f"az://{ACCT}/{AZ_PUBLIC}", "--max-objects", "3", "-o", str(tmp / "s"), *base], env
    )
    assert sampled.returncode == 3
    b = json.loads((tmp / "s" / "phiscope-report.json").read_text())["buckets"][0]
    assert (b["objects_selected"], b["objects_scanned"], b["sampled"]) == (3, 3, True)
    assert b["objects_total"] > 3


@pytest.mark.parametrize("provider", ["azure", "gcs"])
def test_dead_endpoint_fails_fast_and_is_never_clean(provider: str, tmp_path: Path) -> None:
    import os
    import time

    from phiscope.storage.embedded import free_port
    from phiscope.storage.emulators import AZURITE_KEY

    dead = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "PHISCOPE_SECRET_FILE": str(tmp_path / "k")}
    if provider == "azure":
        env["AZURE_STORAGE_CONNECTION_STRING"] = (
            f"DefaultEndpointsProtocol=http;AccountName={ACCT};AccountKey={AZURITE_KEY};BlobEndpoint={dead}/{ACCT};"
        )
        target = f"az://{ACCT}/gone"
    else:
        env["STORAGE_EMULATOR_HOST"] = dead
        target = "gs://gone-bucket"
    t0 = time.monotonic()
    p = run(
        ["scan", target, "--db", f"sqlite:///{tmp_path / 'f.db'}", "-o", str(tmp_path), "-M", "json", "-q"],
        env,
    )
    assert time.monotonic() - t0 < 60
    assert p.returncode == 1, p.stderr
    b = json.loads((tmp_path / "phiscope-report.json").read_text())["buckets"][0]
    assert any("listing failed" in e for e in b["exposure_errors"])


def test_one_scan_mixes_a_folder_and_a_container(world: dict[str, Any]) -> None:
    tmp = world["tmp"]
    folder = tmp / "mixed" / "clinic"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("name,ssn\nAda Quinn,123-45-6789\n")
    p = run(
        [
            "scan",
            str(folder),
            f"az://{ACCT}/{AZ_PUBLIC}",
            "--db",
            f"sqlite:///{tmp / 'mix.db'}",
            "-o",
            str(tmp / "mix"),
            "-M",
            "json",
            "-q",
            "--no-audio",
            "--no-ocr",
            "--workers",
            "1",
        ],
        world["env"],
    )
    assert p.returncode == 3, p.stderr
    r = json.loads((tmp / "mix" / "phiscope-report.json").read_text())
    names = {b["name"]: b for b in r["buckets"]}
    assert names[f"{ACCT}/{AZ_PUBLIC}"]["exposure_level"] == "public"
    assert names["clinic"]["objects_scanned"] == 1 and names["clinic"]["contains_phi"]
