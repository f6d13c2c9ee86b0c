"""Where each provider answers for a bucket name: public endpoint shapes, regions and naming rules.

A template holds `{bucket}` (and `{region}` where the provider has no global endpoint); the URL it
yields is the bucket's root, to which the probe appends the listing query. Names with dots go path
style where the provider offers it, because a dotted virtual host does not match the provider's
wildcard TLS certificate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

PROTOCOL_S3 = "s3"  # ListObjects XML: NoSuchBucket / AccessDenied / ListBucketResult
PROTOCOL_AZURE = "azure"  # Blob service: EnumerationResults, x-ms-error-code


@dataclass(frozen=True)
class Provider:
    name: str
    rule: str  # key of candidates.RULES
    template: str  # virtual-hosted (or the only) shape
    path_template: str | None = None  # for dotted names
    regions: tuple[str | None, ...] = (None,)  # tried in turn when there is no global endpoint
    regional_template: str | None = None  # where a redirect's x-amz-bucket-region points
    regional_path_template: str | None = None
    protocol: str = PROTOCOL_S3
    # Azure: containers tried under each account (anonymous access is per container)
    containers: tuple[str, ...] = field(default=())

    def url(self, bucket: str, region: str | None = None) -> str:
        t = self.path_template if "." in bucket and self.path_template else self.template
        return t.format(bucket=bucket, region=region or "")

    def regional_url(self, bucket: str, region: str) -> str | None:
        if not self.regional_template:
            return None
        t = self.regional_template
        if "." in bucket and self.regional_path_template:
            t = self.regional_path_template
        return t.format(bucket=bucket, region=region)

    def host_key(self, region: str | None = None, regional: bool = False) -> str:
        """The service host the per-host rate limit applies to (the bucket part left out)."""
        t = self.regional_template if regional and self.regional_template else self.template
        return host_key(t.format(bucket="_", region=region or ""))


def host_key(url: str) -> str:
    u = urlsplit(url)
    host = u.hostname or ""
    if host.startswith("_."):
        host = host[2:]
    return f"{host}:{u.port}" if u.port else host


AZURE_CONTAINERS = ("data", "backup", "backups", "files", "public", "uploads", "images", "media", "exports")

PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            "aws",
            "s3",
            "https://{bucket}.s3.amazonaws.com/",
            "https://s3.amazonaws.com/{bucket}/",
            regional_template="https://{bucket}.s3.{region}.amazonaws.com/",
            regional_path_template="https://s3.{region}.amazonaws.com/{bucket}/",
        ),
        Provider("gcs", "gcs", "https://storage.googleapis.com/{bucket}/"),
        Provider(
            "azure",
            "azure",
            "https://{bucket}.blob.core.windows.net/",
            protocol=PROTOCOL_AZURE,
            containers=AZURE_CONTAINERS,
        ),
        Provider(
            "do",
            "dash",
            "https://{bucket}.{region}.digitaloceanspaces.com/",
            regions=("nyc3", "sfo2", "sfo3", "ams3", "sgp1", "fra1", "syd1", "blr1", "lon1", "tor1", "atl1"),
        ),
        Provider(
            "wasabi",
            "s3",
            "https://{bucket}.s3.wasabisys.com/",
            "https://s3.wasabisys.com/{bucket}/",
            regional_template="https://{bucket}.s3.{region}.wasabisys.com/",
            regional_path_template="https://s3.{region}.wasabisys.com/{bucket}/",
        ),
        Provider(
            "ovh",
            "s3",
            "https://{bucket}.s3.{region}.io.cloud.ovh.net/",
            "https://s3.{region}.io.cloud.ovh.net/{bucket}/",
            regions=("gra", "sbg", "rbx", "bhs", "de", "uk", "waw"),
        ),
        Provider(
            "scaleway",
            "s3",
            "https://{bucket}.s3.{region}.scw.cloud/",
            "https://s3.{region}.scw.cloud/{bucket}/",
            regions=("fr-par", "nl-ams", "pl-waw"),
        ),
        Provider(
            "b2",
            "b2",
            "https://{bucket}.s3.{region}.backblazeb2.com/",
            regions=(
                "us-west-000",
                "us-west-001",
                "us-west-002",
                "us-west-004",
                "eu-central-003",
                "us-east-005",
            ),
        ),
        Provider(
            "linode",
            "s3",
            "https://{bucket}.{region}.linodeobjects.com/",
            "https://{region}.linodeobjects.com/{bucket}/",
            regions=(
                "us-east-1",
                "us-southeast-1",
                "us-ord-1",
                "eu-central-1",
                "fr-par-1",
                "ap-south-1",
                "se-sto-1",
            ),
        ),
    )
}
NAMES = (*PROVIDERS, "custom")


def parse_endpoint_templates(values: list[str], regions: list[str] | None = None) -> dict[str, Provider]:
    """`--endpoint-template [PROVIDER=]URL` values → providers whose endpoints they replace.

    Without a `PROVIDER=` prefix the template defines the `custom` provider (S3 naming rules). A
    template with `{region}` is tried for each `--region` (and is where region redirects go).
    """
    out: dict[str, Provider] = {}
    for raw in values:
        name, sep, url = raw.partition("=")
        if not sep or "://" in name:
            name, url = "custom", raw
        name = name.strip().lower()
        if name not in NAMES:
            raise ValueError(f"unknown provider {name!r} in --endpoint-template (one of {', '.join(NAMES)})")
        if "{bucket}" not in url:
            raise ValueError(f"--endpoint-template {raw!r} has no {{bucket}} placeholder")
        if urlsplit(url.replace("{bucket}", "b").replace("{region}", "r")).scheme not in ("http", "https"):
            raise ValueError(f"--endpoint-template {raw!r} must be an http(s) URL")
        try:
            url.format(bucket="b", region="r")
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"--endpoint-template {raw!r}: only {{bucket}} and {{region}} may appear") from e
        if not url.endswith("/") and "?" not in url:
            url += "/"
        base = PROVIDERS.get(name)
        has_region = "{region}" in url
        regs: tuple[str | None, ...] = tuple(regions) if (has_region and regions) else (None,)
        if has_region and regs == (None,):
            regs = base.regions if base and base.regions != (None,) else ("us-east-1",)
        out[name] = Provider(
            name=name,
            rule=base.rule if base else "s3",
            template=url,
            regions=regs,
            regional_template=url if has_region else None,
            protocol=base.protocol if base else PROTOCOL_S3,
            containers=base.containers if base else (),
        )
    return out
