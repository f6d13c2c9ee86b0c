"""Read an S3 Inventory report instead of listing a huge bucket.

`--inventory` points at the report's manifest.json (s3://dest-bucket/.../manifest.json or a local
path). CSV reports (gzip, keys URL-encoded, columns named by the manifest's fileSchema) are read
with the stdlib; ORC and Parquet reports (columns named in the files themselves, snake_case, keys
not encoded) through pyarrow, column by column, so a million-object report is read in seconds.
Each data file's MD5 is checked against the manifest: a truncated or corrupt report is an error,
never a silently shorter listing.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
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
    if (base / key).exists():
        return str(base / key)
    if (base / "data" / Path(key).name).exists():
        return str(base / "data" / Path(key).name)
    return str(base / Path(key).name)


def read_inventory(store: Any, manifest: str, *, bucket: str, prefix: str = "") -> Iterator[ObjectRef]:
    try:
        doc = json.loads(_read(store, manifest))
    except (OSError, ValueError) as e:
        raise InventoryError(f"cannot read inventory manifest ({type(e).__name__})") from None
    fmt = str(doc.get("fileFormat", "CSV")).upper()
    if fmt not in ("CSV", "ORC", "PARQUET"):
        raise InventoryError(f"inventory format {fmt} is not supported (CSV, ORC, Parquet)")
    schema = [c.strip() for c in str(doc.get("fileSchema", "Bucket, Key")).split(",")]
    dest = str(doc.get("destinationBucket", "")).removeprefix("arn:aws:s3:::")
    for f in doc.get("files", []):
        try:
            raw = _read(store, _sibling(manifest, dest, f["key"]))
        except Exception as e:
            raise InventoryError(f"cannot read inventory file {f['key']} ({type(e).__name__})") from None
        want = f.get("MD5checksum")
        if want and hashlib.md5(raw, usedforsecurity=False).hexdigest() != str(want).lower():
            raise InventoryError(f"inventory file {f['key']} does not match its MD5 in the manifest")
        if fmt == "CSV":
            yield from _refs(_csv_rows(raw, schema), bucket, prefix)
        else:
            yield from _arrow_refs(_arrow_table(raw, fmt), bucket, prefix)


def _refs(rows: Iterator[dict[str, Any]], bucket: str, prefix: str) -> Iterator[ObjectRef]:
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


def _arrow_table(raw: bytes, fmt: str) -> Any:
    try:
        import pyarrow as pa  # optional: pip install phiscope[inventory]
    except ImportError:
        raise InventoryError(f"{fmt} inventory needs pyarrow (pip install 'phiscope[inventory]')") from None
    try:
        if fmt == "PARQUET":
            import pyarrow.parquet as pq

            return pq.read_table(pa.BufferReader(raw))
        from pyarrow import orc

        return orc.ORCFile(pa.BufferReader(raw)).read()
    except (pa.ArrowException, OSError) as e:
        raise InventoryError(f"cannot read {fmt} inventory file ({type(e).__name__})") from None


def _arrow_refs(table: Any, bucket: str, prefix: str) -> Iterator[ObjectRef]:
    """ObjectRefs from an ORC/Parquet inventory table, one column at a time (no per-row dicts)."""
    cols = {c.lower(): c for c in table.column_names}
    n = table.num_rows
    if "key" not in cols:
        raise InventoryError("inventory file has no key column")

    def col(name: str) -> list[Any]:
        return table.column(cols[name]).to_pylist() if name in cols else [None] * n

    keys, sizes, etags, mods, classes = (
        col(c) for c in ("key", "size", "e_tag", "last_modified_date", "storage_class")
    )
    buckets, latest, deleted = col("bucket"), col("is_latest"), col("is_delete_marker")
    for i in range(n):
        key = keys[i]
        if key is None or not key.startswith(prefix):
            continue
        if (buckets[i] not in (None, bucket)) or latest[i] is False or deleted[i] is True:
            continue
        lm = mods[i]
        if isinstance(lm, str):
            lm = datetime.fromisoformat(lm.replace("Z", "+00:00"))
        yield ObjectRef(
            bucket=bucket,
            key=key,
            size=int(sizes[i] or 0),
            etag=str(etags[i]).strip('"') if etags[i] else None,
            last_modified=lm,
            storage_class=classes[i] or None,
        )


def write_inventory(
    folder: Path,
    refs: list[ObjectRef],
    *,
    fmt: str = "PARQUET",
    files: int = 1,
    dest_bucket: str = "inventory",
    key_prefix: str = "",
) -> Path:
    """Write an S3 Inventory report (manifest.json + data/ files, AWS layout) for `refs`.

    For tests and benchmarks: what AWS would deliver for a bucket, in CSV, ORC or Parquet; the
    manifest names data files `key_prefix + "data/..."`, their key in the destination bucket.
    """
    fmt = fmt.upper()
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    entries = []
    step = max(1, -(-len(refs) // files))
    for i in range(0, max(len(refs), 1), step):
        part = refs[i : i + step]
        ext = {"CSV": "csv.gz", "ORC": "orc", "PARQUET": "parquet"}[fmt]
        name = f"data/part-{i // step:05d}.{ext}"
        raw = _encode(part, fmt)
        (folder / name).write_bytes(raw)
        entries.append(
            {"key": key_prefix + name, "size": len(raw), "MD5checksum": hashlib.md5(raw).hexdigest()}
        )
    bucket = refs[0].bucket if refs else "bucket"
    schema = {
        "CSV": "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass, IsLatest, IsDeleteMarker",
        "ORC": "struct<bucket:string,key:string,size:bigint,last_modified_date:timestamp,"
        "e_tag:string,storage_class:string,is_latest:boolean,is_delete_marker:boolean>",
        "PARQUET": "message s3.inventory { required binary bucket (UTF8); required binary key (UTF8); "
        "optional int64 size; optional int64 last_modified_date (TIMESTAMP_MILLIS); "
        "optional binary e_tag (UTF8); optional binary storage_class (UTF8); "
        "optional boolean is_latest; optional boolean is_delete_marker; }",
    }[fmt]
    manifest = {
        "sourceBucket": bucket,
        "destinationBucket": f"arn:aws:s3:::{dest_bucket}",
        "version": "2016-11-30",
        "fileFormat": {"PARQUET": "Parquet"}.get(fmt, fmt),
        "fileSchema": schema,
        "files": entries,
    }
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return path


def _encode(refs: list[ObjectRef], fmt: str) -> bytes:
    if fmt == "CSV":
        from urllib.parse import quote_plus

        buf = io.StringIO()
        w = csv.writer(buf, quoting=csv.QUOTE_ALL)
        for r in refs:
            lm = r.last_modified.isoformat().replace("+00:00", "Z") if r.last_modified else ""
            w.writerow(
                [
                    r.bucket,
                    quote_plus(r.key, safe="/"),
                    r.size,
                    lm,
                    r.etag or "",
                    r.storage_class or "",
                    "true",
                    "false",
                ]
            )
        return gzip.compress(buf.getvalue().encode(), mtime=0)
    import pyarrow as pa

    table = pa.table(
        {
            "bucket": pa.array([r.bucket for r in refs], pa.string()),
            "key": pa.array([r.key for r in refs], pa.string()),
            "size": pa.array([r.size for r in refs], pa.int64()),
            "last_modified_date": pa.array([r.last_modified for r in refs], pa.timestamp("ms", tz="UTC")),
            "e_tag": pa.array([r.etag for r in refs], pa.string()),
            "storage_class": pa.array([r.storage_class for r in refs], pa.string()),
            "is_latest": pa.array([True] * len(refs), pa.bool_()),
            "is_delete_marker": pa.array([False] * len(refs), pa.bool_()),
        }
    )
    sink = io.BytesIO()
    if fmt == "PARQUET":
        import pyarrow.parquet as pq

        pq.write_table(table, sink)
    else:
        from pyarrow import orc

        orc.write_table(table, sink)
    return sink.getvalue()
