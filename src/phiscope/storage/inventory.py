"""Read an S3 Inventory report instead of listing a huge bucket.

`--inventory` points at the report's manifest.json (s3://dest-bucket/.../manifest.json or a local
path). CSV reports (gzip, keys URL-encoded) are read with the stdlib; Parquet needs pyarrow, which
is optional and named in the error when missing.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from phiscope.model import ObjectRef


class InventoryError(ValueError):
    pass


def _read(store: Any, location: str) -> bytes:
    if location.startswith("s3://"):
        bucket, _, key = location[5:].partition("/")
        return bytes(store.client.get_object(Bucket=bucket, Key=key)["Body"].read())
    return Path(location).read_bytes()


def _sibling(manifest_location: str, bucket: str, key: str) -> str:
    if manifest_location.startswith("s3://"):
        return f"s3://{bucket}/{key}"
    # local copy of a report: data files sit next to the manifest, under the same relative key tail
    base = Path(manifest_location).parent
    return str(base / Path(key).name) if not (base / key).exists() else str(base / key)


def read_inventory(store: Any, manifest: str, *, bucket: str, prefix: str = "") -> Iterator[ObjectRef]:
    try:
        doc = json.loads(_read(store, manifest))
    except (OSError, ValueError) as e:
        raise InventoryError(f"cannot read inventory manifest ({type(e).__name__})") from None
    fmt = str(doc.get("fileFormat", "CSV")).upper()
    schema = [c.strip() for c in str(doc.get("fileSchema", "Bucket, Key")).split(",")]
    dest = str(doc.get("destinationBucket", "")).removeprefix("arn:aws:s3:::")
    for f in doc.get("files", []):
        raw = _read(store, _sibling(manifest, dest, f["key"]))
        if fmt == "CSV":
            rows: Iterator[dict[str, Any]] = _csv_rows(raw, schema)
        elif fmt == "PARQUET":
            rows = _parquet_rows(raw)
        else:
            raise InventoryError(f"inventory format {fmt} is not supported (CSV, Parquet)")
        for r in rows:
            if r.get("Bucket", bucket) != bucket:
                continue
            key = str(r["Key"])
            if not key.startswith(prefix) or r.get("IsDeleteMarker") in ("true", True):
                continue
            if r.get("IsLatest") in ("false", False):
                continue
            lm = r.get("LastModifiedDate")
            yield ObjectRef(
                bucket=bucket,
                key=key,
                size=int(r.get("Size") or 0),
                etag=(str(r["ETag"]).strip('"') if r.get("ETag") else None),
                last_modified=datetime.fromisoformat(str(lm).replace("Z", "+00:00")) if lm else None,
                storage_class=r.get("StorageClass") or None,
            )


def _csv_rows(raw: bytes, schema: list[str]) -> Iterator[dict[str, Any]]:
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    for values in csv.reader(io.StringIO(raw.decode("utf-8"))):
        row = dict(zip(schema, values, strict=False))
        if "Key" in row:
            row["Key"] = unquote_plus(row["Key"])
        yield row


def _parquet_rows(raw: bytes) -> Iterator[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq  # optional
    except ImportError:
        raise InventoryError("Parquet inventory needs pyarrow (pip install pyarrow)") from None
    table = pq.read_table(io.BytesIO(raw))
    cols = {c.lower(): c for c in table.column_names}
    mapping = {
        "bucket": "Bucket",
        "key": "Key",
        "size": "Size",
        "last_modified_date": "LastModifiedDate",
        "e_tag": "ETag",
        "storage_class": "StorageClass",
        "is_latest": "IsLatest",
        "is_delete_marker": "IsDeleteMarker",
    }
    for rec in table.to_pylist():
        yield {mapping.get(k.lower(), k): v for k, v in rec.items() if k in cols.values()}
