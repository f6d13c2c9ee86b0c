"""The demo's Azure container and GCS bucket: upload synthetic data to the emulators and expose them.

Kept beside demo.py (which composes it) so the S3 demo stays as it was. Each provider gets one
folder of the synthetic telehealth tree, exposed the way real leaks happened: an Azure container at
the `container` anonymous access level, a GCS bucket with `allUsers` as objectViewer.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

AZURE_DEMO = {"source": "medcall-forms", "container": "medcall-intake", "access": "container"}
GCS_DEMO = {
    "source": "medcall-exports",
    "bucket": "medcall-gcs-exports",
    "role": "roles/storage.objectViewer",
}


def _files(folder: Path) -> list[tuple[str, Path]]:
    return [(p.relative_to(folder).as_posix(), p) for p in sorted(folder.rglob("*")) if p.is_file()]


def upload_azure(service: Any, folder: Path, container: str, *, access: str | None = None) -> int:
    """Create `container` (access level: None/off, blob, container) and upload `folder` into it."""
    from azure.storage.blob import ContentSettings

    cc = service.create_container(container, public_access=access if access not in (None, "off") else None)
    for key, path in _files(folder):
        ctype = mimetypes.guess_type(path.name)[0]
        settings = ContentSettings(content_type=ctype) if ctype else None
        cc.upload_blob(key, path.read_bytes(), overwrite=True, content_settings=settings)
    return len(_files(folder))


def upload_gcs(client: Any, folder: Path, bucket: str, *, public_role: str | None = None) -> int:
    """Create `bucket`, upload `folder`, and bind `public_role` to allUsers when given."""
    b = client.create_bucket(bucket)
    for key, path in _files(folder):
        ctype = mimetypes.guess_type(path.name)[0]
        b.blob(key).upload_from_filename(str(path), content_type=ctype)
    if public_role:
        policy = b.get_iam_policy(requested_policy_version=3)
        policy.bindings.append({"role": public_role, "members": {"allUsers"}})
        b.set_iam_policy(policy)
    return len(_files(folder))


PROVIDERS = ("s3", "azure", "gcs")


def parse_providers(value: str) -> list[str]:
    """'s3,azure,gcs' -> ['s3', 'azure', 'gcs']; ValueError naming the bad ones."""
    out = [p.strip().lower() for p in value.split(",") if p.strip()]
    bad = [p for p in out if p not in PROVIDERS]
    if bad or not out:
        raise ValueError(
            f"unknown provider(s) {', '.join(bad) or '(none)'}; choose from {', '.join(PROVIDERS)}"
        )
    return out


def missing_emulators(providers: list[str]) -> list[str]:
    from phiscope.storage.emulators import azurite_binary, gcs_emulator_available

    missing = []
    if "azure" in providers and azurite_binary() is None:
        missing.append("Azurite (npm azurite: scripts/dev.sh setup installs it into .tools/)")
    if "gcs" in providers and not gcs_emulator_available():
        missing.append("gcp-storage-emulator (pip install 'phiscope[cloud-test]' or scripts/dev.sh setup)")
    try:
        if "azure" in providers:
            import azure.storage.blob  # noqa: F401
        if "gcs" in providers:
            import google.cloud.storage  # noqa: F401
    except ImportError:
        missing.append("the Azure/GCS SDKs (pip install 'phiscope[azure,gcs]')")
    return missing


def start_cloud(providers: list[str], stack: Any, data: Path, console: Any) -> list[str]:
    """Start the requested emulators (closed by `stack`), seed them, point the SDKs' standard
    environment at them; returns the scan targets."""
    import os

    from phiscope.storage.emulators import AZURITE_ACCOUNT, Azurite, EmbeddedGCS

    targets: list[str] = []
    if "azure" in providers:
        az = stack.enter_context(Azurite())
        os.environ["AZURE_STORAGE_CONNECTION_STRING"] = az.connection_string
        from phiscope.storage.azure import make_service_client

        n = upload_azure(
            make_service_client(AZURITE_ACCOUNT),
            data / AZURE_DEMO["source"],
            AZURE_DEMO["container"],
            access=AZURE_DEMO["access"],
        )
        console.print(
            f"  Azure container [cyan]{AZURITE_ACCOUNT}/{AZURE_DEMO['container']}[/] (Azurite at "
            f"{az.blob_endpoint}): {n} blobs, anonymous access level '{AZURE_DEMO['access']}'"
        )
        targets.append(f"az://{AZURITE_ACCOUNT}/{AZURE_DEMO['container']}")
    if "gcs" in providers:
        gcs = stack.enter_context(EmbeddedGCS())
        os.environ["STORAGE_EMULATOR_HOST"] = gcs.endpoint_url
        from phiscope.storage.gcs import make_client

        n = upload_gcs(
            make_client(), data / GCS_DEMO["source"], GCS_DEMO["bucket"], public_role=GCS_DEMO["role"]
        )
        console.print(
            f"  GCS bucket [cyan]{GCS_DEMO['bucket']}[/] (emulator at {gcs.endpoint_url}): {n} objects, "
            f"allUsers bound to {GCS_DEMO['role']}"
        )
        targets.append(f"gs://{GCS_DEMO['bucket']}")
    return targets
