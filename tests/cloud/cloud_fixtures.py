"""Fixtures (imported by the tests of this folder): Azurite (npm, installed by scripts/dev.sh) and
ports once per session. The SDKs reach them through their standard environment variables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from phiscope.storage.emulators import Azurite, EmbeddedGCS, azurite_binary, gcs_emulator_available


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    if azurite_binary() is None:
        pytest.skip("Azurite not installed (scripts/dev.sh setup installs it into .tools/)")
    with Azurite() as az:
        yield az


@pytest.fixture(scope="session")
def gcs_emulator() -> Iterator[EmbeddedGCS]:
    if not gcs_emulator_available():
        pytest.skip("gcp-storage-emulator not installed (scripts/dev.sh setup installs it)")
    with EmbeddedGCS() as g:
        yield g


@pytest.fixture
def cloud_env(azurite: Azurite, gcs_emulator: EmbeddedGCS, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The SDKs' standard variables pointing at the emulators, for this process and subprocesses."""
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator.endpoint_url)
    return dict(os.environ)
