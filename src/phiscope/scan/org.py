"""Every account of an AWS Organization: list the accounts, assume one role in each, scan its buckets.

Like Prowler's organization mode: the caller (management or delegated-administrator account) lists
the Organization's accounts, assumes `--org-role` (e.g. OrganizationAccountAccessRole) in each one
with credentials that refresh themselves on long scans, reads the account-level S3 Block Public
Access and scans every bucket with that account's own view, so each bucket's exposure takes its
account's BPA into account. An account whose role cannot be assumed or whose buckets cannot be
listed is reported as "could not verify" with the reason (error code only) — never as clean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from phiscope.json_types import ReportV1

ROLE_SESSION = "phiscope-org-scan"


@dataclass(slots=True)
class Account:
    id: str
    name: str | None = None
    status: str = "scanned"  # scanned | could_not_verify | excluded | suspended
    reason: str | None = None
    block_public_access: dict[str, Any] | None = None
    buckets: list[str] = field(default_factory=list)

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "block_public_access": self.block_public_access,
            "buckets": len(self.buckets),
        }


def parse_accounts(value: str | None) -> list[str]:
    """'111122223333,Prod' → ['111122223333', 'Prod'] (account ids or names)."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def list_accounts(org_client: Any) -> list[dict[str, Any]]:
    pages = org_client.get_paginator("list_accounts").paginate()
    return [a for p in pages for a in p.get("Accounts", [])]


def choose(
    accounts: Iterable[dict[str, Any]], include: list[str], exclude: list[str]
) -> list[tuple[dict[str, Any], str | None]]:
    """(account, why it is not scanned or None) for every account, in id order."""
    inc, exc = set(include), set(exclude)
    out: list[tuple[dict[str, Any], str | None]] = []
    for a in sorted(accounts, key=lambda a: str(a["Id"])):
        ids = {str(a["Id"]), str(a.get("Name") or "")}
        if (inc and not ids & inc) or ids & exc:
            out.append((a, "excluded"))
        elif str(a.get("Status", "ACTIVE")).upper() != "ACTIVE":
            out.append((a, "suspended"))
        else:
            out.append((a, None))
    return out


def assumed_session(sts: Any, account_id: str, role: str, region: str | None) -> Any:
    """A boto3 session on the role in `account_id`, re-assuming it before the credentials expire."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    from phiscope.storage.s3 import share_loader

    arn = role if role.startswith("arn:") else f"arn:aws:iam::{account_id}:role/{role}"

    def refresh() -> dict[str, str]:
        c = sts.assume_role(RoleArn=arn, RoleSessionName=ROLE_SESSION)["Credentials"]
        return {
            "access_key": c["AccessKeyId"],
            "secret_key": c["SecretAccessKey"],
            "token": c["SessionToken"],
            "expiry_time": c["Expiration"].isoformat(),
        }

    creds = RefreshableCredentials.create_from_metadata(refresh(), refresh, "sts-assume-role")
    core = botocore.session.get_session()
    core._credentials = creds  # the documented-in-practice way to hand boto3 refreshable credentials
    share_loader(core)  # one account's clients no longer parse botocore's models again
    return boto3.session.Session(botocore_session=core, region_name=region)


def _code(e: Exception) -> str:
    resp = getattr(e, "response", None)
    if isinstance(resp, dict):
        code = resp.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(e).__name__


def org_targets(cfg: Any, accounts_out: list[Account]) -> list[Any]:
    """Targets for every bucket of every chosen account; one Account per Organization account."""
    from phiscope.scan.units import Target
    from phiscope.storage.s3 import S3Store, make_client

    kw = {"endpoint_url": cfg.endpoint_url, "profile": cfg.profile, "region": cfg.region}
    org = make_client("organizations", **kw)
    sts = make_client("sts", **kw)
    try:
        listed = list_accounts(org)
    except Exception as e:
        raise ValueError(
            f"cannot list the Organization's accounts ({_code(e)}): run from the management "
            "account or a delegated administrator"
        ) from None
    try:
        caller = str(sts.get_caller_identity()["Account"])
    except Exception:
        caller = None
    targets: list[Any] = []
    for a, skip in choose(listed, parse_accounts(cfg.accounts), parse_accounts(cfg.exclude_accounts)):
        acct = Account(str(a["Id"]), a.get("Name"))
        accounts_out.append(acct)
        if skip:
            acct.status, acct.reason = skip, f"account {skip}"
            continue
        try:
            # the management account has no Organization role of its own: read it as the caller
            session = None if acct.id == caller else assumed_session(sts, acct.id, cfg.org_role, cfg.region)
        except Exception as e:
            acct.status, acct.reason = "could_not_verify", f"cannot assume {cfg.org_role} ({_code(e)})"
            continue
        try:
            s3 = make_client("s3", path_style=cfg.path_style, session=session, **kw)
            store = S3Store(endpoint_url=cfg.endpoint_url, region=cfg.region, client=s3)
            control = make_client("s3control", session=session, **kw)
            acct.buckets = store.list_buckets()
        except Exception as e:
            acct.status, acct.reason = "could_not_verify", f"cannot list buckets ({_code(e)})"
            continue
        acct.block_public_access = account_bpa(control, acct.id)
        targets.extend(
            Target(store, b, account=acct.id, account_name=acct.name, s3control=control) for b in acct.buckets
        )
    return targets


def account_bpa(control: Any, account_id: str) -> dict[str, Any] | None:
    """The account-level Block Public Access settings; {} when none is set, None when unreadable."""
    try:
        resp = control.get_public_access_block(AccountId=account_id)
        return dict(resp.get("PublicAccessBlockConfiguration") or {})
    except Exception as e:
        if _code(e) in ("NoSuchPublicAccessBlockConfiguration",):
            return {}
        return None


def attach_accounts(store: Any, scan_id: str, report: ReportV1) -> None:
    """Put each bucket's account id (and the Organization's accounts) into the report."""
    from phiscope.db.estate import account_rows, accounts_of

    owner = accounts_of(store.engine, scan_id)
    for b in report.get("buckets") or []:
        a = owner.get(b["name"])
        if a is not None:
            b["account_id"], b["account_name"] = a["id"], a["name"]
    accounts = account_rows(store.engine, scan_id)
    if accounts:
        report["accounts"] = accounts
        report.setdefault("scan", {})["accounts_unverified"] = sum(
            1 for a in accounts if a["status"] == "could_not_verify"
        )


def unverified_accounts(report: ReportV1) -> int:
    return int((report.get("scan") or {}).get("accounts_unverified") or 0)
