"""Keyed fingerprints: HMAC-SHA256 with a per-installation secret, so counts of distinct people can
be kept and compared across scans without storing a value (and without a dictionary attack on the
small SSN space, which a plain hash would allow)."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

ENV_VAR = "PHISCOPE_SECRET_FILE"
_LEN = 32


def default_secret_path() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("phiscope")) / "secret.key"


def load_or_create_secret(path: Path | None = None) -> bytes:
    """Read the installation secret, creating it (0600, 32 random bytes) on first use."""
    p = path if path is not None else default_secret_path()
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        data = b""
    if len(data) >= 16:
        return data
    p.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(_LEN)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race (or a short file): use what is there
        data = p.read_bytes()
        if len(data) >= 16:
            return data
        fd = os.open(p, os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    os.chmod(p, 0o600)
    return key


class Fingerprinter:
    """kind + normalised value → 32 hex chars of HMAC-SHA256 (kind-separated namespaces)."""

    __slots__ = ("_key",)

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("empty fingerprint secret")
        self._key = secret

    def __call__(self, kind: str, normalised: str) -> str:
        return hmac.digest(self._key, f"{kind}\x00{normalised}".encode(), "sha256").hex()[:32]
