"""What a scan pays before its first object (issue 23): botocore's models parsed once per process,
not once per client, and once in the fork server for all workers that read S3 — without looking up
credentials or sending anything to do it."""

from __future__ import annotations

import os
import subprocess
import sys

from phiscope.scan.pipeline import ScanConfig, _preload
from phiscope.storage.s3 import make_client, make_session


def test_every_session_reads_botocore_data_through_one_loader() -> None:
    a, b = make_session(), make_session(region="eu-west-3")
    loader = a._session.get_component("data_loader")
    assert b._session.get_component("data_loader") is loader
    make_client("sts", endpoint_url="http://127.0.0.1:9", region="us-east-1")
    parsed = set(loader._cache)
    assert any(k[:2] == ("load_service_model", "sts") for k in parsed)
    make_client("sts", endpoint_url="http://127.0.0.1:9", region="us-east-1")
    assert set(loader._cache) == parsed  # the second client read no file


def test_only_scans_of_object_storage_warm_botocore_in_the_fork_server(tmp_path: object) -> None:
    local = ScanConfig(targets=[str(tmp_path)])
    assert "phiscope.storage.s3warm" not in _preload(local)
    assert "phiscope.detect.engine" in _preload(local)
    assert "phiscope.storage.s3warm" in _preload(ScanConfig(targets=["s3://bucket"]))
    assert "phiscope.storage.s3warm" in _preload(ScanConfig(targets=["s3://"]))
    assert "phiscope.storage.s3warm" not in _preload(ScanConfig(targets=["az://acct/c"]))


WARM = """
import socket
opened = []
def refuse(*a, **k):
    opened.append(a)
    raise OSError("no connection from the warm-up")
socket.socket.connect = refuse
socket.create_connection = refuse
import phiscope.storage.s3warm
from phiscope.storage import s3
assert not opened, opened
keys = set(s3._LOADER._cache)
assert ("load_service_model", "s3", "service-2", "api_version", None) in keys, keys
assert ("load_service_model", "s3", "endpoint-rule-set-1", "api_version", None) in keys, keys
print("warm")
"""


def test_the_fork_servers_warm_up_needs_no_credentials_and_sends_nothing(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", WARM], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "warm", out.stderr
