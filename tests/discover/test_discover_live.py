"""`phiscope discover` end to end against loopback only.

Two moto servers stand in for two providers (aws and gcs) through --endpoint-template; each sits
behind an AnonymousGateway (phiscope.discover.loopback) because moto answers every request as
allowed: the gateway answers unsigned requests the way AWS does, from the ACLs and policies stored
in moto. Buckets are seeded under a random organisation stem among decoys; the gateways' request
logs and moto's own contents prove what the run did (GETs only, one listing page, bounded ranged
reads, nothing written).
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from typer.testing import CliRunner

from phiscope.cli import app
from phiscope.discover import candidates as C
from phiscope.discover.loopback import AnonymousGateway
from phiscope.storage.embedded import free_port
from phiscope.synth.csvs import PATIENT_HEADER, csv_text, patient_row
from phiscope.synth.people import make_population

KIB = 4  # --classify-kib in these tests
OBJECTS = 2  # --classify-objects


@contextlib.contextmanager
def _moto_process() -> Iterator[str]:
    """moto's server in its own process: in-process moto servers share one backend, and two
    providers must not see each other's buckets."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # werkzeug announces the address once the socket listens
            if "Running on" in line:
                break
        else:
            raise RuntimeError("moto server did not start")
        threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep draining its log
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


def _admin(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(s3={"addressing_style": "path"}),
    )


def _public_read_policy(bucket: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


@dataclass
class World:
    stem: str
    aws: AnonymousGateway
    gcs: AnonymousGateway
    aws_admin: Any
    gcs_admin: Any
    expected: dict[tuple[str, str], str]  # (provider, bucket) -> state
    raw_values: list[str]  # sensitive values seeded: must never come out

    def snapshot(self) -> dict[str, Any]:
        """Every bucket and object (with ETag) on both servers: proves nothing was written."""
        out: dict[str, Any] = {}
        for side, admin in (("aws", self.aws_admin), ("gcs", self.gcs_admin)):
            for b in admin.list_buckets()["Buckets"]:
                objs = admin.list_objects_v2(Bucket=b["Name"]).get("Contents", [])
                out[f"{side}/{b['Name']}"] = sorted((o["Key"], o["ETag"], o["Size"]) for o in objs)
        return out


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    rng = random.Random()
    stem = "zq" + uuid.uuid4().hex[:8]  # a random organisation: seeded names exist nowhere else
    other = "zq" + uuid.uuid4().hex[:8]
    pop = make_population(rng.randrange(1 << 30), 40, 3)
    rows, raw = [], []
    for p in pop.us[:30]:
        row, values = patient_row(p, rng)
        rows.append(row)
        raw += [v for t, v in values if t in ("US_SSN", "EMAIL", "PHONE") and v]
    patients_csv = csv_text(PATIENT_HEADER, rows).encode()
    assert len(patients_csv) > KIB * 1024  # so the ranged read is really a part of the object

    with _moto_process() as m1, _moto_process() as m2:
        a, g = _admin(m1), _admin(m2)
        expected: dict[tuple[str, str], str] = {}

        # aws: readable (policy), listable only (ACL), private, empty listable; decoys
        b = f"{stem}-backup"
        a.create_bucket(Bucket=b, ACL="public-read")
        a.put_bucket_policy(Bucket=b, Policy=_public_read_policy(b))
        a.put_object(Bucket=b, Key="exports/patients-2024.csv", Body=patients_csv)
        a.put_object(Bucket=b, Key="exports/patients-2023.csv", Body=patients_csv[: len(patients_csv) // 2])
        a.put_object(Bucket=b, Key="exports/readme.txt", Body=b"weekly export")
        a.put_object(Bucket=b, Key="exports/old.txt", Body=b"old")
        expected[("aws", b)] = "exists-readable"
        b = f"{stem}.exports"
        a.create_bucket(Bucket=b, ACL="public-read")
        # explicit: moto would otherwise copy the bucket's public-read ACL onto the object (AWS does not)
        a.put_object(Bucket=b, Key="calls/2024-01-02.wav", Body=b"RIFF....", ACL="private")
        expected[("aws", b)] = "exists-listable"
        b = f"{stem}-dev"
        a.create_bucket(Bucket=b)
        a.put_object(Bucket=b, Key="secret.csv", Body=patients_csv)
        expected[("aws", b)] = "exists-private"
        b = f"uploads-{stem}"
        a.create_bucket(Bucket=b, ACL="public-read")
        expected[("aws", b)] = "exists-listable"  # empty: read cannot be tested
        for decoy in (
            f"{other}-backup",
            f"{stem}x-backup",
            f"{stem}-notaword",
            "zz-" + uuid.uuid4().hex[:10],
        ):
            a.create_bucket(Bucket=decoy, ACL="public-read")
            a.put_bucket_policy(Bucket=decoy, Policy=_public_read_policy(decoy))
            a.put_object(Bucket=decoy, Key="x.csv", Body=patients_csv)

        # gcs-shaped: an underscore name (valid on GCS only) readable through an object ACL; private
        b = f"{stem}_records"
        g.create_bucket(Bucket=b, ACL="public-read")
        g.put_object(Bucket=b, Key="r.csv", Body=patients_csv, ACL="public-read")
        expected[("gcs", b)] = "exists-readable"
        b = f"{stem}-media"
        g.create_bucket(Bucket=b)
        expected[("gcs", b)] = "exists-private"
        g.create_bucket(Bucket=f"{other}_records", ACL="public-read")  # decoy

        security_txt = (
            "# ours\nContact: mailto:security@example.test\nPolicy: https://example.test/disclosure\n"
        )
        with (
            AnonymousGateway(upstream=m1, throttle={f"{stem}-dev": 2}, security_txt=security_txt) as gw1,
            AnonymousGateway(upstream=m2) as gw2,
        ):
            yield World(stem, gw1, gw2, a, g, expected, raw)


def _discover(world: World, tmp_path: Path, *extra: str) -> Any:
    args = [
        "discover",
        world.stem,
        "--providers",
        "aws,gcs",
        "--endpoint-template",
        f"aws={world.aws.url}/{{bucket}}",
        "--endpoint-template",
        f"gcs={world.gcs.url}/{{bucket}}",
        "--years",
        "0",
        "--rate",
        "3000",
        "--per-host-rate",
        "3000",
        "--db",
        f"sqlite:///{tmp_path / 'f.db'}",
        *extra,
    ]
    return CliRunner().invoke(app, args)


@pytest.fixture(scope="module")
def full_run(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("discover")
    before = world.snapshot()
    world.aws.log.clear()
    world.gcs.log.clear()
    r = _discover(
        world,
        tmp,
        "--format",
        "json",
        "--classify",
        "--classify-objects",
        str(OBJECTS),
        "--classify-kib",
        str(KIB),
        "--domain",
        f"{world.stem}.test",
        "--security-txt-url",
        f"{world.aws.url}/.well-known/security.txt",
        "--pack-dir",
        str(tmp / "packs"),
    )
    return {
        "result": r,
        "tmp": tmp,
        "before": before,
        "after": world.snapshot(),
        "logs": {"aws": list(world.aws.log), "gcs": list(world.gcs.log)},
    }


def test_finds_the_seeded_buckets_with_the_right_states(world: World, full_run: dict[str, Any]) -> None:
    r = full_run["result"]
    assert r.exit_code == 3, r.output
    found = json.loads(r.stdout)
    got = {(b["provider"], b["bucket"]): b["state"] for b in found}
    assert got == world.expected  # every seeded bucket, right state, and no decoy
    by = {(b["provider"], b["bucket"]): b for b in found}
    assert by[("aws", f"{world.stem}-backup")]["anonymous"] == {"list": True, "read": True}
    assert by[("aws", f"{world.stem}.exports")]["anonymous"] == {"list": True, "read": False}
    assert by[("aws", f"uploads-{world.stem}")]["anonymous"] == {"list": True, "read": None}
    assert by[("aws", f"{world.stem}-dev")]["anonymous"] == {"list": False, "read": None}
    for b in found:
        assert set(b) >= {"bucket", "provider", "endpoint", "state", "anonymous"}
        assert b["endpoint"].startswith("http://127.0.0.1:")
    # the throttled bucket was retried after two 503 SlowDown and still classified
    dev = by[("aws", f"{world.stem}-dev")]["requests"]
    assert [q.get("code") for q in dev] == ["SlowDown", "SlowDown", "AccessDenied"]


def test_footprint_get_only_one_page_bounded_ranged_reads(world: World, full_run: dict[str, Any]) -> None:
    assert full_run["after"] == full_run["before"]  # nothing written, on either server
    for side, log in full_run["logs"].items():
        assert log, side
        assert {e["method"] for e in log} == {"GET"}
        assert not any(e["signed"] for e in log)
        assert all("PHIscope" in (e["user_agent"] or "") for e in log)
        listings: dict[str, int] = {}
        object_reads: dict[str, set[str]] = {}
        for e in log:
            if e["path"] == "/.well-known/security.txt":
                continue
            if not e["key"]:
                if e["status"] != 503:
                    listings[e["bucket"]] = listings.get(e["bucket"], 0) + 1
                assert "max-keys=" in e["query"]
                continue
            # every object request is a ranged GET of at most KIB KiB
            assert e["range"], e
            start, end = e["range"].removeprefix("bytes=").split("-")
            assert int(start) == 0 and int(end) < KIB * 1024
            object_reads.setdefault(e["bucket"], set()).add(e["key"])
        assert max(listings.values()) == 1  # one listing page per bucket, never paged on
        for bucket, keys in object_reads.items():
            assert len(keys) <= OBJECTS, (bucket, keys)
    # the private bucket's objects were never asked for
    assert not any(e["bucket"] == f"{world.stem}-dev" and e["key"] for e in full_run["logs"]["aws"])


def test_classification_counts_with_masked_examples_only(world: World, full_run: dict[str, Any]) -> None:
    r = full_run["result"]
    found = {b["bucket"]: b for b in json.loads(r.stdout)}
    c = found[f"{world.stem}-backup"]["classification"]
    assert c["objects_read"] == OBJECTS
    assert c["bytes_read"] <= OBJECTS * KIB * 1024
    assert c["types"]["US_SSN"]["count"] > 0
    assert "identifier" in c["categories"] or c["categories"]  # categories with counts
    assert all(o["status"] in ("partial", "complete") for o in c["objects"])
    assert found[f"{world.stem}_records"]["classification"]["types"]
    # no raw sensitive value anywhere: stdout, the database file, the packs
    blobs = [r.stdout, r.stderr]
    blobs.append((full_run["tmp"] / "f.db").read_bytes().decode("latin-1"))
    blobs += [p.read_text("utf-8") for p in (full_run["tmp"] / "packs").iterdir()]
    for raw in world.raw_values:
        for blob in blobs:
            assert raw not in blob


def test_disclosure_packs_and_database(world: World, full_run: dict[str, Any]) -> None:
    packs = full_run["tmp"] / "packs"
    names = sorted(p.name for p in packs.iterdir())
    assert len(names) == 4 * 4  # json, md, html and ocsf for each listable/readable bucket
    assert f"aws-{world.stem}.exports.ocsf.json" in names  # a dotted bucket name keeps its own dot
    page = (packs / f"aws-{world.stem}-backup.html").read_text("utf-8")
    assert "exists-readable" in page and "mailto:security@example.test" in page
    (ev,) = json.loads((packs / f"aws-{world.stem}-backup.ocsf.json").read_text("utf-8"))
    assert ev["class_uid"] == 2004 and ev["resources"][0]["name"] == f"{world.stem}-backup"
    md = (packs / f"aws-{world.stem}-backup.md").read_text("utf-8")
    assert "exists-readable" in md and "mailto:security@example.test" in md
    assert "Range: bytes=0-0" in md and "| 206 |" in md
    pj = json.loads((packs / f"aws-{world.stem}-backup.json").read_text("utf-8"))
    assert pj["owner_contact"]["fields"]["contact"] == ["mailto:security@example.test"]
    assert pj["evidence"]["requests"][0]["status"] == 200

    con = sqlite3.connect(full_run["tmp"] / "f.db")
    rows = con.execute(
        "select provider, bucket, state, anonymous_list, anonymous_read from discovered_buckets"
    ).fetchall()
    assert {(p, b): s for p, b, s, _, _ in rows} == world.expected
    run = con.execute("select status, checked, unchecked, requests from discovery_runs").fetchone()
    assert run[0] == "exposed" and run[1] > 1000 and run[2] == 0
    version = con.execute("select version_num from alembic_version").fetchone()[0]
    from alembic.script import ScriptDirectory

    from phiscope.db.store import MIGRATIONS

    # the database is at the newest migration, which includes this tables
    assert version == ScriptDirectory(str(MIGRATIONS)).get_current_head()
    from phiscope.db.discovery import engine_for, latest_states

    last = latest_states(engine_for(f"sqlite:///{full_run['tmp'] / 'f.db'}"))
    assert {(r["provider"], r["bucket"]): r["state"] for r in last} == world.expected


def test_region_redirect_is_followed_on_the_same_provider(tmp_path: Path) -> None:
    stem = "zq" + uuid.uuid4().hex[:8]
    gw = AnonymousGateway(
        region_prefix=True, static={f"{stem}-data": "listable"}, static_regions={f"{stem}-data": "eu-west-3"}
    )
    with gw:
        r = CliRunner().invoke(
            app,
            [
                "discover",
                stem,
                "--no-bundled-words",
                "--wordlist",
                str(_words(tmp_path, "data")),
                "--years",
                "0",
                "--providers",
                "aws",
                "--endpoint-template",
                f"aws={gw.url}/{{region}}/{{bucket}}",
                "--region",
                "us-east-1",
                "--no-db",
                "--format",
                "json",
            ],
        )
        assert r.exit_code == 3, r.output
        (b,) = json.loads(r.stdout)
        assert b["region"] == "eu-west-3" and b["state"] == "exists-listable"
        assert [q["status"] for q in b["requests"][:2]] == [301, 200]
        assert b["endpoint"] == f"{gw.url}/eu-west-3/{stem}-data/"


def test_budget_stops_and_is_not_an_all_clear(world: World, tmp_path: Path) -> None:
    n = len(world.aws.log)
    r = _discover(
        world,
        tmp_path,
        "--max-requests",
        "5",
        "--no-db",
        "--providers",
        "aws",
        "--no-bundled-words",
        "--wordlist",
        str(_words(tmp_path, "zzz1", "zzz2", "zzz3", "zzz4", "zzz5", "zzz6")),
    )
    assert r.exit_code == 1, r.output
    assert "NOT checked" in r.stdout
    assert len(world.aws.log) - n <= 5


def test_nothing_found_is_exit_0_and_dead_endpoint_is_exit_1(world: World, tmp_path: Path) -> None:
    nobody = "zq" + uuid.uuid4().hex[:8]
    n = len(world.aws.log)
    r = CliRunner().invoke(
        app,
        [
            "discover",
            nobody,
            "--years",
            "0",
            "--endpoint-template",
            f"{world.aws.url}/{{bucket}}",
            "--no-db",
            "--rate",
            "3000",
            "--per-host-rate",
            "3000",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "no bucket found" in r.stdout
    new = world.aws.log[n:]
    expected = C.for_provider(C.generate([nobody], years=0), "s3")
    # one listing request per S3-valid candidate and nothing else (no security.txt without --domain)
    assert sorted(e["bucket"] for e in new) == sorted(expected)
    assert all(not e["key"] and e["status"] == 404 for e in new)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # bound, never listening: connection refused
        endpoint = f"http://127.0.0.1:{dead}/{{bucket}}"
        # every bundled-word name: the endpoint is declared down after a few checks, the rest fail fast
        r = CliRunner().invoke(
            app,
            [
                "discover",
                nobody,
                "--years",
                "0",
                "--endpoint-template",
                endpoint,
                "--no-db",
                "--concurrency",
                "8",
                "--retries",
                "1",
            ],
        )
        assert r.exit_code == 1, r.output
        assert "could not verify" in r.stdout and "endpoint unreachable: 127.0.0.1:" in r.stdout
        r = CliRunner().invoke(
            app,
            [
                "discover",
                nobody,
                "--years",
                "0",
                "--endpoint-template",
                endpoint,
                "--no-db",
                "--format",
                "json",
                "--no-bundled-words",
                "--wordlist",
                str(_words(tmp_path, "a1")),
                "--retries",
                "1",
            ],
        )
    assert r.exit_code == 1, r.output
    assert json.loads(r.stdout) == []  # nothing known to exist; the exit code says "not verified"


@pytest.mark.parametrize(
    "args",
    [
        ["--endpoint-template", "http://127.0.0.1:1/nobucket"],
        ["--providers", "nosuch"],
        ["--providers", "custom"],
        ["--format", "xml"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    r = CliRunner().invoke(app, ["discover", "acme", "--no-db", *args])
    assert r.exit_code == 2, r.output


def _words(tmp: Path, *words: str) -> Path:
    p = tmp / f"w-{uuid.uuid4().hex[:6]}.txt"
    p.write_text("\n".join(words) + "\n", "utf-8")
    return p


def test_per_host_rate_limit_is_honoured(world: World, tmp_path: Path) -> None:
    import time

    from phiscope.discover.probe import Settings
    from phiscope.discover.run import Plan, discover

    plan = Plan(
        names=[world.stem],
        bundled_words=False,
        wordlist=_words(tmp_path, "w1", "w2", "w3"),
        years=0,
        providers=["aws"],
        endpoint_templates=[f"aws={world.aws.url}/{{bucket}}"],
        settings=Settings(rate=1000, per_host_rate=20, concurrency=16),
    )
    n = len(world.aws.log)
    t0 = time.monotonic()
    run = discover(plan)
    elapsed = time.monotonic() - t0
    sent = len(world.aws.log) - n
    assert run["requests"] == sent and sent >= 19
    # a burst of 2, then 20 per second on this host: never faster, however quick the server is
    assert elapsed >= (sent - 2) / 20 - 0.05


def test_regional_provider_is_tried_region_by_region(tmp_path: Path) -> None:
    stem = "zq" + uuid.uuid4().hex[:8]
    gw = AnonymousGateway(
        region_prefix=True,
        region_miss="404",
        static={f"{stem}-files": "readable"},
        static_regions={f"{stem}-files": "ams3"},
    )
    with gw:
        r = CliRunner().invoke(
            app,
            [
                "discover",
                stem,
                "--no-bundled-words",
                "--wordlist",
                str(_words(tmp_path, "files")),
                "--years",
                "0",
                "--providers",
                "do",
                "--endpoint-template",
                f"do={gw.url}/{{region}}/{{bucket}}",
                "--region",
                "nyc3",
                "--region",
                "ams3",
                "--region",
                "sgp1",
                "--no-db",
                "--format",
                "json",
            ],
        )
    assert r.exit_code == 3, r.output
    (b,) = json.loads(r.stdout)
    assert (b["bucket"], b["region"], b["state"]) == (f"{stem}-files", "ams3", "exists-readable")
    asked = [(e["path"].split("/")[1], e["bucket"]) for e in gw.log if not e["key"]]
    assert ("sgp1", f"{stem}-files") not in asked  # found in ams3: the next region is not asked
    others = [bk for _, bk in asked if bk != f"{stem}-files"]
    assert others and all(others.count(bk) == 3 for bk in others)  # absent names: every region once
    # Spaces rules: no dotted or underscored name was sent
    assert not any("." in bk or "_" in bk for _, bk in asked)
