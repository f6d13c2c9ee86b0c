"""Where change comes from: an SQS queue, an incremental listing, or filesystem events.

Each source hands the loop `WatchEvent`s; none of them decides what is scanned (loop.py compares
object versions with the ledger) and none deletes anything before the loop says it is recorded.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from phiscope.model import ObjectRef

log = logging.getLogger("phiscope.watch")


def object_version(ref: ObjectRef) -> str:
    """What identifies one content of an object: its ETag, else size and modification time."""
    if ref.etag:
        return f"etag:{ref.etag}"
    mtime = ref.last_modified.timestamp() if ref.last_modified else 0.0
    return f"stat:{ref.size}:{mtime:.6f}"


def listing_changes(
    listed: Iterable[tuple[str, ObjectRef]], known: dict[str, str]
) -> tuple[list[tuple[str, ObjectRef]], list[str]]:
    """(new or changed objects, fingerprints gone) between a listing of (key fingerprint, object)
    and the ledger's versions by fingerprint (the ledger never holds a key). Pure."""
    changed: list[tuple[str, ObjectRef]] = []
    seen: set[str] = set()
    for fp, ref in listed:
        seen.add(fp)
        if known.get(fp) != object_version(ref):
            changed.append((fp, ref))
    return changed, sorted(fp for fp in known if fp not in seen)


# -- SQS ------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Message:
    id: str
    receipt: str
    body: str
    receive_count: int
    sent_at_ms: int | None


def sqs_client_args(queue_url: str, endpoint_url: str | None) -> tuple[str | None, str | None]:
    """(endpoint, region) for the queue: AWS queue URLs name their region; others are the endpoint."""
    parts = urlsplit(queue_url)
    host = parts.hostname or ""
    if host.endswith(".amazonaws.com"):
        labels = host.split(".")
        region = labels[1] if len(labels) > 3 and labels[0] == "sqs" else None
        return endpoint_url if endpoint_url and "amazonaws" in endpoint_url else None, region
    return f"{parts.scheme}://{parts.netloc}", None


class SqsSource:
    """Receive, then delete only what the loop acknowledges (after the object is recorded)."""

    def __init__(
        self, client: Any, queue_url: str, *, visibility_timeout: int = 300, wait_seconds: int = 1
    ) -> None:
        self.client = client
        self.url = queue_url
        self.visibility = visibility_timeout
        self.wait = wait_seconds

    def receive(self, max_messages: int = 10) -> list[Message]:
        resp = self.client.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=self.wait,
            VisibilityTimeout=self.visibility,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
        )
        out = []
        for m in resp.get("Messages", []):
            attrs = m.get("Attributes") or {}
            sent = attrs.get("SentTimestamp")
            out.append(
                Message(
                    m["MessageId"],
                    m["ReceiptHandle"],
                    m.get("Body") or "",
                    int(attrs.get("ApproximateReceiveCount") or 1),
                    int(sent) if sent and str(sent).isdigit() else None,
                )
            )
        return out

    def delete(self, msg: Message) -> None:
        self.client.delete_message(QueueUrl=self.url, ReceiptHandle=msg.receipt)

    def release(self, msg: Message, delay: int = 5) -> None:
        """Hand a message back soon (a transient failure), instead of after the visibility timeout."""
        try:
            self.client.change_message_visibility(
                QueueUrl=self.url, ReceiptHandle=msg.receipt, VisibilityTimeout=delay
            )
        except Exception as e:  # the timeout will bring it back anyway
            log.warning("could not release message: %s", type(e).__name__)


# -- local folders (watchdog) ---------------------------------------------------------------------


class FolderEvents:
    """Filesystem events under local bucket roots → (bucket root, relative key) on a queue.

    `wake` is set on every event so the loop reacts at once instead of at the next interval.
    """

    def __init__(self, roots: dict[str, Path], wake: threading.Event) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        self.queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self._roots = {b: p.resolve() for b, p in roots.items()}
        outer = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.is_directory or event.event_type in ("opened", "closed_no_write"):
                    return
                paths = [event.src_path]
                if getattr(event, "dest_path", None):
                    paths.append(event.dest_path)
                for p in paths:
                    outer._push(p if isinstance(p, str) else p.decode(errors="replace"))
                wake.set()

        self._observer = Observer()
        for root in set(self._roots.values()):
            self._observer.schedule(Handler(), str(root), recursive=True)

    def _push(self, path: str) -> None:
        p = Path(path)
        for bucket, root in self._roots.items():
            if root == p or root in p.parents:
                key = p.relative_to(root).as_posix()
                if not any(part.startswith(".") for part in key.split("/")):
                    self.queue.put((bucket, key))
                return

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def drain(self) -> Iterator[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        while True:
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                return
            if item not in seen:
                seen.add(item)
                yield item
