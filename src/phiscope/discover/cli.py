"""`phiscope discover`: the command line over discover/run.py."""

from __future__ import annotations

import json
from pathlib import Path

import typer

HELP = (
    "Find an organisation's buckets from the outside, the way researchers find exposed ones."
    "\n\n"
    "Turns NAME... (and --domain) into candidate bucket names (stems x a bundled word list x "
    "separators x recent years, filtered by each provider's naming rules), then asks each provider, "
    "with no credentials, whether each name exists and whether anyone may list or read it."
    "\n\n"
    "WHAT IT DOES: unsigned GET requests only: one listing request per name and provider (one page of"
    " at most --list-keys keys), a 1-byte ranged read of one listed object to tell readable from "
    "list-only, and with --classify ranged reads of at most --classify-objects objects x "
    "--classify-kib KiB each, analysed in memory by the detectors (categories, counts and masked "
    "examples only). With --domain, one GET of the domain's /.well-known/security.txt for the owner "
    "contact. Identifies itself with a User-Agent naming PHIscope; stays under --rate and "
    "--max-requests."
    "\n\n"
    "WHAT IT DOES NOT DO: never writes, deletes or changes anything; never downloads a whole object; "
    "never signs requests or uses your cloud credentials; never follows a redirect off the provider; "
    "never keeps object content (nothing but counts, masked examples and the request log is stored). "
    "Run it on names you own or are authorised to test (e.g. under a disclosure programme)."
    "\n\n"
    "Exit codes: 3 a bucket is listable or readable, 0 none, 1 something could not be checked, 2 "
    "usage."
)


def discover_command(
    names: list[str] = typer.Argument(..., help="organisation names (e.g. 'Medcall Health') or exact stems"),
    domain: str | None = typer.Option(
        None, "--domain", help="the organisation's domain: stems, literal names, security.txt"
    ),
    wordlist: Path | None = typer.Option(
        None, "--wordlist", help="extra words, one a line (added to the bundled list)"
    ),
    no_bundled: bool = typer.Option(False, "--no-bundled-words", help="use only --wordlist words"),
    bucket: list[str] = typer.Option(
        [], "--bucket", help="an exact bucket name to check as well (repeatable)"
    ),
    years: int = typer.Option(2, "--years", min=0, max=10, help="recent years appended to names (0: none)"),
    providers: str | None = typer.Option(
        None,
        "--providers",
        help="comma list of aws,gcs,azure,do,wasabi,ovh,scaleway,b2,linode,custom (default aws)",
    ),
    endpoint_template: list[str] = typer.Option(
        [],
        "--endpoint-template",
        help="[PROVIDER=]URL with {bucket} (and {region}): replaces PROVIDER's endpoint, "
        "or defines 'custom' (repeatable)",
    ),
    region: list[str] = typer.Option(
        [], "--region", help="regions for a template with {region} (repeatable)"
    ),
    rate: float = typer.Option(100.0, "--rate", min=0.1, help="requests per second, all hosts together"),
    per_host_rate: float | None = typer.Option(
        None,
        "--per-host-rate",
        min=0.1,
        help="requests per second per endpoint host (default: --rate / 4, at least 10)",
    ),
    concurrency: int = typer.Option(32, "--concurrency", min=1, max=1024, help="requests in flight"),
    max_requests: int = typer.Option(
        20_000, "--max-requests", min=1, help="global request budget; the rest is reported unchecked"
    ),
    list_keys: int = typer.Option(
        100, "--list-keys", min=1, max=1000, help="keys asked for in the one listing page"
    ),
    classify: bool = typer.Option(
        False,
        "--classify",
        help="read the first KiB of a few objects of readable buckets and run the detectors",
    ),
    classify_objects: int = typer.Option(5, "--classify-objects", min=1, max=50),
    classify_kib: int = typer.Option(256, "--classify-kib", min=1, max=4096),
    timeout: float = typer.Option(15.0, "--timeout", min=0.5, help="seconds per request"),
    retries: int = typer.Option(
        4,
        "--retries",
        min=0,
        max=10,
        help="retries (with backoff) on 503 SlowDown, 5xx, 429 and dropped connections",
    ),
    security_txt_url: str | None = typer.Option(
        None, "--security-txt-url", help="fetch security.txt from here instead of https://DOMAIN/.well-known/"
    ),
    pack_dir: Path | None = typer.Option(
        None, "--pack-dir", help="write a disclosure pack per exposed bucket here (formats: --pack-format)"
    ),
    pack_format: str = typer.Option(
        "json,md,html,ocsf",
        "--pack-format",
        help="disclosure pack formats, comma-separated: json, md, html, ocsf (OCSF 1.5.0 Detection Finding)",
    ),
    db: str | None = typer.Option(
        None, "--db", help="findings database URL (default: PHISCOPE_DB or the user data dir)"
    ),
    no_db: bool = typer.Option(False, "--no-db", help="do not record the run in the findings database"),
    fmt: str = typer.Option("text", "--format", help="text | json (a JSON array of the buckets that exist)"),
) -> None:
    from phiscope.discover.classify import ClassifyLimits
    from phiscope.discover.pack import parse_formats
    from phiscope.discover.probe import EXPOSED, Settings
    from phiscope.discover.run import Plan, discover

    if fmt not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    try:
        pack_formats = parse_formats(pack_format)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--pack-format") from e
    plan = Plan(
        names=names,
        domain=domain,
        wordlist=wordlist,
        bundled_words=not no_bundled,
        literal=bucket,
        years=years,
        providers=[p.strip().lower() for p in providers.split(",") if p.strip()] if providers else [],
        endpoint_templates=endpoint_template,
        regions=region,
        settings=Settings(
            rate=rate,
            per_host_rate=per_host_rate or max(10.0, rate / 4),
            concurrency=concurrency,
            max_requests=max_requests,
            list_keys=list_keys,
            timeout=timeout,
            retries=retries,
        ),
        classify=ClassifyLimits(classify_objects, classify_kib) if classify else None,
        security_txt_url=security_txt_url,
    )
    if not plan.providers:
        custom_only = endpoint_template and all("=" not in t.split("://", 1)[0] for t in endpoint_template)
        plan.providers = ["custom"] if custom_only else ["aws"]
    if wordlist is not None and not wordlist.is_file():
        raise typer.BadParameter(f"--wordlist {wordlist} is not a readable file")
    try:
        plan.resolve_providers()
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e

    def on_start(n_names: int, counts: dict[str, int], n_first: int) -> None:
        per = ", ".join(f"{k} {v}" for k, v in counts.items())
        typer.echo(
            f"{n_names} candidate names; {sum(counts.values())} (name, provider) checks ({per}); "
            f"first requests: {n_first} (one per region where a provider has no global endpoint)",
            err=True,
        )

    def on_result(r: object) -> None:
        if fmt == "text":
            from phiscope.discover.probe import BucketResult

            assert isinstance(r, BucketResult)
            typer.echo(
                f"  {r.state:16} {r.provider:8} {r.bucket}" + (f"  ({r.reason})" if r.reason else ""),
                err=True,
            )

    try:
        run = discover(plan, on_start, on_result)
    except (OSError, ValueError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e

    existing = [b for b in run["buckets"] if b["state"] != "error"]
    errors = [b for b in run["buckets"] if b["state"] == "error"]
    if pack_dir is not None and run["packs"]:
        from phiscope.discover.pack import write_packs

        written = write_packs(pack_dir, run["packs"], pack_formats)
        typer.echo(
            f"disclosure packs: {len(run['packs'])} ({', '.join(pack_formats)}; {len(written)} files) "
            f"in {pack_dir}",
            err=True,
        )
    if not no_db:
        try:
            from phiscope.db.discovery import engine_for, save_run

            save_run(engine_for(db), run, run["buckets"])
        except Exception as e:  # the findings are printed below whatever happens to the database
            typer.echo(f"error: could not record the run in the database ({type(e).__name__}: {e})", err=True)
            run["status"] = "incomplete" if run["status"] == "clean" else run["status"]
            errors.append({"reason": "database"})

    if fmt == "json":
        typer.echo(json.dumps(existing, indent=2, default=str))
    else:
        _text(run, existing, errors)
    if any(b["state"] in EXPOSED for b in existing):
        raise typer.Exit(3)
    if errors or run["unchecked"]:
        raise typer.Exit(1)


def _text(run: dict, existing: list[dict], errors: list[dict]) -> None:
    typer.echo(
        f"checked {run['checked']} of {run['candidates']} (name, provider) pairs"
        f" with {run['requests']} requests"
        + (f"; {run['unchecked']} NOT checked (request budget)" if run["unchecked"] else "")
    )
    for b in existing:
        a = b["anonymous"]
        typer.echo(
            f"{b['state']:16} {b['provider']:8} {b['bucket']}  "
            f"list={a['list']} read={a['read']}  {b['endpoint']}"
        )
        c = b.get("classification")
        if c:
            for t, d in c["types"].items():
                typer.echo(f"    {t} ({d['category']}): {d['count']}  e.g. {', '.join(d['masked_examples'])}")
    for b in errors:
        if "bucket" in b:
            typer.echo(f"could not verify  {b['provider']:8} {b['bucket']}: {b.get('reason')}")
    for host in run.get("unreachable_endpoints") or []:
        typer.echo(
            f"endpoint unreachable: {host} (stopped after repeated failures; its names are NOT checked)"
        )
    c = run.get("contact")
    if c:
        contacts = (c.get("fields") or {}).get("contact") or []
        typer.echo(f"security.txt: {c['status']}" + (f" — contact {', '.join(contacts)}" if contacts else ""))
    if not existing:
        typer.echo(
            "no bucket found"
            + (" among the names checked" if not run["unchecked"] else " (search incomplete)")
        )
