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
