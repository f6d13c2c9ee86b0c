"""Organization scan: three accounts of a moto Organization, one role assumed in each, over HTTP.

moto stores the settings but enforces nothing: exposure verdicts come from phiscope's evaluator on
what each account's own credentials read, which is what is asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.config import Config
from deny_proxy import DenyingProxy

from phiscope.db.store import Store
from phiscope.scan.org import choose
from phiscope.scan.pipeline import ScanConfig, Scanner
from phiscope.scan.report import build_report
from phiscope.storage.embedded import EmbeddedS3

SECRET = b"test-secret-" * 3
ROLE = "OrganizationAccountAccessRole"
PHISCOPE = str(Path(sys.executable).with_name("phiscope"))
CSV_ROWS = (
    "patient_name,dob,ssn,diagnosis,icd10\n"
    "Ada Quinn,1972-03-04,123-45-6789,Type 2 diabetes mellitus,E11.9\n"
    "Bo Reyes,1980-11-02,234-56-7890,Essential hypertension,I10\n"
)
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


@dataclass
class Org:
    endpoint_url: str
    management: str
    members: dict[str, str]  # name → account id
    buckets: dict[str, str]  # account id → its bucket


def _session(endpoint: str, account: str | None) -> boto3.session.Session:
    if account is None:
        return boto3.session.Session(region_name="us-east-1")
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1")
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="setup")["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
        region_name="us-east-1",
    )


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    """Three member accounts: a public bucket with PHI in one, the same public policy cut by the
    account's Block Public Access in another, a private bucket in the third.

    moto keeps its backends per process, so the management account (moto's default account) also
    holds every other test's buckets: the scans here exclude it and cover the three members."""
    with EmbeddedS3() as srv:
        ep = srv.endpoint_url
        client = boto3.client("organizations", endpoint_url=ep, region_name="us-east-1")
        mgmt = client.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
        members = {}
        for name in ("clinic", "research", "billing"):
            st = client.create_account(AccountName=name, Email=f"{name}@example.org")["CreateAccountStatus"]
            members[name] = st["AccountId"]
        cfg = Config(s3={"addressing_style": "path"})
        buckets = {}
        for acct in members.values():
            sess = _session(ep, acct)
            s3 = sess.client("s3", endpoint_url=ep, config=cfg)
            name = f"org-{acct[-4:]}-{uuid.uuid4().hex[:6]}"
            s3.create_bucket(Bucket=name)
            s3.put_object(Bucket=name, Key="exports/patients.csv", Body=CSV_ROWS.encode())
            buckets[acct] = name
            if acct != members["billing"]:
                policy = {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{name}/*",
                        }
                    ],
                }
                s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        research = members["research"]
        control = _session(ep, research).client("s3control", endpoint_url=ep, region_name="us-east-1")
        from phiscope.storage.s3 import _keep_custom_host

        _keep_custom_host(control, ep)
        control.put_public_access_block(AccountId=research, PublicAccessBlockConfiguration=BLOCK_ALL)
        yield Org(ep, mgmt, members, buckets)


def _scan(tmp_path: Path, endpoint: str, management: str, **kw: object) -> dict:
    tmp_path.mkdir(parents=True, exist_ok=True)
    excluded = ",".join(x for x in [management, str(kw.pop("exclude_accounts", ""))] if x)
    db = Store.open(f"sqlite:///{tmp_path / 'f.db'}")
    cfg = ScanConfig(
        targets=["s3://"],
        endpoint_url=endpoint,
        anonymous=False,
        org_role=ROLE,
        secret=SECRET,
        workers=1,
        live_probe=False,  # moto answers every anonymous request: the settings are the judge here
        exclude_accounts=excluded,
        **kw,  # type: ignore[arg-type]
    )
    return build_report(db, Scanner(cfg, db).run())


def test_every_account_is_scanned_with_its_own_view(org: Org, tmp_path: Path) -> None:
    report = _scan(tmp_path, org.endpoint_url, org.management)
    accounts = {a["id"]: a for a in report["accounts"]}
    assert set(accounts) == {org.management, *org.members.values()}
    assert accounts.pop(org.management)["status"] == "excluded"
    assert all(a["status"] == "scanned" and a["buckets"] == 1 for a in accounts.values())
    research, clinic = org.members["research"], org.members["clinic"]
    assert accounts[research]["block_public_access"] == BLOCK_ALL
    assert accounts[clinic]["block_public_access"] in ({}, None) or not any(
        accounts[clinic]["block_public_access"].values()
    )
    buckets = {b["name"]: b for b in report["buckets"]}
    assert set(buckets) == set(org.buckets.values())
    for acct, name in org.buckets.items():
        assert buckets[name]["account_id"] == acct  # every bucket carries its account
    # public policy in "clinic": public; the same policy in "research" is cut by its account BPA
    assert buckets[org.buckets[clinic]]["exposure"]["public"] is True
    assert buckets[org.buckets[clinic]]["exposure_level"] == "public"
    assert buckets[org.buckets[research]]["exposure"]["public"] is False
    assert buckets[org.buckets[research]]["exposure_level"] == "latent"
    assert buckets[org.buckets[org.members["billing"]]]["exposure_level"] == "none"
    # and the content of each account was read with that account's credentials
    assert all(b["contains_phi"] for b in buckets.values())
    assert report["scan"]["accounts_unverified"] == 0


def test_accounts_and_exclude_accounts_choose(org: Org, tmp_path: Path) -> None:
    report = _scan(tmp_path, org.endpoint_url, org.management, exclude_accounts="research")
    status = {a["id"]: a["status"] for a in report["accounts"]}
    assert status[org.members["research"]] == "excluded"
    assert {b["name"] for b in report["buckets"]} == {
        org.buckets[org.members["billing"]],
        org.buckets[org.members["clinic"]],
    }
    only = _scan(tmp_path / "2", org.endpoint_url, org.management, accounts=org.members["clinic"])
    assert [b["account_id"] for b in only["buckets"]] == [org.members["clinic"]]


def test_account_whose_role_cannot_be_assumed_is_not_verified(org: Org, tmp_path: Path) -> None:
    clinic = org.members["clinic"]

    def deny(request: bytes) -> bool:
        text = unquote_plus(request.decode("latin-1"))
        return "Action=AssumeRole" in text and f"arn:aws:iam::{clinic}:role/" in text

    with DenyingProxy(org.endpoint_url, deny) as proxy:
        report = _scan(tmp_path, proxy.url, org.management)
        out = tmp_path / "cli"
        proc = subprocess.run(
            [
                *(PHISCOPE, "scan", "--org-role", ROLE, "--endpoint-url", proxy.url, "-o", str(out)),
                "--no-live-probe",
                *("--exclude-accounts", org.management),
                *("--db", f"sqlite:///{tmp_path / 'cli.db'}", "-q", "--format", "json"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert proxy.denied >= 2
    accounts = {a["id"]: a for a in report["accounts"]}
    assert accounts[clinic]["status"] == "could_not_verify"
    assert "AccessDenied" in accounts[clinic]["reason"]
    assert org.buckets[clinic] not in {b["name"] for b in report["buckets"]}
    assert report["scan"]["accounts_unverified"] == 1
    assert proc.returncode == 1, proc.stderr  # never an all-clear for an account not read
    written = json.loads((out / "phiscope-report.json").read_text())
    assert written["scan"]["accounts_unverified"] == 1


def test_choose_filters_by_id_name_and_status() -> None:
    accts = [
        {"Id": "111111111111", "Name": "a", "Status": "ACTIVE"},
        {"Id": "222222222222", "Name": "b", "Status": "SUSPENDED"},
        {"Id": "333333333333", "Name": "c", "Status": "ACTIVE"},
    ]
    got = {a["Id"]: why for a, why in choose(accts, [], ["c"])}
    assert got == {"111111111111": None, "222222222222": "suspended", "333333333333": "excluded"}
    got = {a["Id"]: why for a, why in choose(accts, ["111111111111"], [])}
    assert got["111111111111"] is None and got["333333333333"] == "excluded"


def test_management_account_is_read_with_the_callers_own_credentials(org: Org) -> None:
    from phiscope.scan.org import Account, org_targets

    def deny(request: bytes) -> bool:  # every AssumeRole refused: the management account needs none
        return "Action=AssumeRole" in unquote_plus(request.decode("latin-1"))

    own = f"org-mgmt-{uuid.uuid4().hex[:6]}"
    s3 = _session(org.endpoint_url, None).client("s3", endpoint_url=org.endpoint_url)
    s3.create_bucket(Bucket=own)
    with DenyingProxy(org.endpoint_url, deny) as proxy:
        cfg = ScanConfig(
            targets=["s3://"], endpoint_url=proxy.url, org_role=ROLE, anonymous=False, live_probe=False
        )
        accounts: list[Account] = []
        targets = org_targets(cfg, accounts)
    status = {a.id: (a.status, a.reason) for a in accounts}
    assert status[org.management][0] == "scanned"
    assert all(
        status[m] == ("could_not_verify", f"cannot assume {ROLE} (AccessDenied)")
        for m in org.members.values()
    )
    assert own in {t.bucket for t in targets}
    assert {t.account for t in targets} == {org.management}
