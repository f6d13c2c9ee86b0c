"""Where extract+detect runs: the local process pool, or a Ray cluster (`--executor ray`).

Both take the scan's to-do list (target, object) and hand every ObjectResult back to the scan's one
database writer, so the report is the same object for object whichever ran the work.

local  the forkserver process pool of scan/pipeline.py (small objects in batches: scan/batch.py).
ray    extract+detect as Ray tasks over batches of objects (the same batching as local). Workers
       fetch the objects themselves — a local folder by path (every node must see it, e.g. a shared
       mount), S3 with their own client — so object bytes never travel through the driver; only
       results (masked excerpts and keyed fingerprints) come back. Each Ray worker process builds its
       detection engine once; images and recordings go to one actor per node, which keeps the OCR
       and speech-to-text models loaded. `pip install 'phiscope[ray]'`; `--ray-address auto|HOST:PORT`
       (default: RAY_ADDRESS, else a local cluster started for the scan).

Organization scans (`--org-role`) run on the local pool only: assumed-role credentials are not
shipped to a cluster.
"""

from __future__ import annotations

from typing import Any, Protocol

from phiscope.extract.sniff import IMAGE_EXTENSIONS, RECORDING_EXTENSIONS
from phiscope.model import ObjectRef, ObjectResult, Status
from phiscope.scan.units import StoreSpec, store_for, store_spec

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    def execute(self, scanner: Any, scan_id: str, todo: list[tuple[Any, ObjectRef]]) -> None: ...


class LocalExecutor:
    """The process pool on this machine (scan/pipeline.py's own loop)."""

    def execute(self, scanner: Any, scan_id: str, todo: list[tuple[Any, ObjectRef]]) -> None:
        scanner._execute(scan_id, todo)


# -- inside a Ray worker process ----------------------------------------------------------------
_STATE: dict[Any, Any] = {}


def _engine(secret: bytes, limits: Any) -> None:
    """Build the detection engine once per worker process (and again only if the key changes)."""
    from phiscope.scan import worker

    if _STATE.get("secret") != secret:
        worker.init_worker(secret, limits)
        _STATE["secret"] = secret
    worker._LIMITS = limits


def process_remote(spec: StoreSpec, refs: list[ObjectRef], secret: bytes, limits: Any) -> list[ObjectResult]:
    """A batch in a Ray worker: fetch each object here, extract and detect, return the results."""
    import os
    import shutil
    import tempfile

    from phiscope.scan import worker
    from phiscope.scan.units import _fetch_reason
    from phiscope.storage.base import ARCHIVE_CLASSES

    _engine(secret, limits)
    store = store_for(spec)
    out: list[ObjectResult] = []
    for ref in refs:
        if ref.storage_class in ARCHIVE_CLASSES:
            out.append(ObjectResult(ref, Status.SKIPPED, f"archived ({ref.storage_class}): not restored"))
            continue
        if ref.size > limits.max_object_bytes:
            out.append(ObjectResult(ref, Status.SKIPPED, f"too large ({ref.size} bytes > max object size)"))
            continue
        try:
            if spec.kind == "local":
                n = min(ref.size, limits.max_read_bytes)
                job = worker.Job(
                    ref, store.raw_path(ref), n, ref.size > n, delete_after=False, root=store.root_str
                )  # the worker's own checks before it opens the file (storage/local.py open_listed)
            else:
                fetched = store.fetch(ref, limits.max_read_bytes)
                try:
                    fd, path = tempfile.mkstemp(prefix="phiscope-obj-")
                    with os.fdopen(fd, "wb") as f:
                        shutil.copyfileobj(fetched.stream, f, 1024 * 1024)
                finally:
                    fetched.close()
                job = worker.Job(ref, path, fetched.bytes_read, fetched.truncated, delete_after=True)
        except Exception as e:
            out.append(ObjectResult(ref, Status.SKIPPED, _fetch_reason(e)))
            continue
        out.append(worker.process(job))
    return out


def process_remote_tagged(
    spec: StoreSpec, refs: list[ObjectRef], secret: bytes, limits: Any
) -> tuple[str, list[ObjectResult]]:
    """`process_remote` plus the id of the Ray node that ran it (for the run's statistics)."""
    import ray

    return ray.get_runtime_context().get_node_id(), process_remote(spec, refs, secret, limits)


# Objects whose reading needs a model (OCR, speech-to-text): sent to one long-lived actor per node,
# which loads the models once and keeps them, instead of to short tasks in many worker processes.
MEDIA_EXTENSIONS = IMAGE_EXTENSIONS | RECORDING_EXTENSIONS


def is_media(ref: ObjectRef) -> bool:
    name = ref.key.rsplit("/", 1)[-1]
    return "." in name and name.rsplit(".", 1)[-1].lower() in MEDIA_EXTENSIONS


class MediaProcessor:
    """A Ray actor (one per node): OCR and speech-to-text models stay loaded between objects."""

    def process(
        self, spec: StoreSpec, refs: list[ObjectRef], secret: bytes, limits: Any
    ) -> tuple[str, list[ObjectResult]]:
        return process_remote_tagged(spec, refs, secret, limits)


# -- the driver -----------------------------------------------------------------------------------
# What the last Ray run did: tasks, objects, and which nodes ran them (bench and tests read it).
LAST_RAY_RUN: dict[str, Any] = {}


class RayExecutor:
    """Ray tasks over batches; results streamed back, in completion order, to the one DB writer."""

    def __init__(self, address: str | None = None, *, batch_objects: int = 64, inflight: int = 0) -> None:
        self.address = address
        self.batch_objects = batch_objects
        self.inflight = inflight

    def _connect(self) -> Any:
        try:
            import ray
        except ImportError:
            raise ValueError("--executor ray needs Ray: pip install 'phiscope[ray]'") from None
        if not ray.is_initialized():
            kw: dict[str, Any] = {"log_to_driver": False, "logging_level": "ERROR"}
            if self.address:
                kw["address"] = self.address
            ray.init(**kw)
        return ray

    def execute(self, scanner: Any, scan_id: str, todo: list[tuple[Any, ObjectRef]]) -> None:
        from phiscope.scan.batch import plan

        ray = self._connect()
        remote = ray.remote(num_cpus=1, max_retries=1)(process_remote_tagged)
        LAST_RAY_RUN.clear()
        LAST_RAY_RUN.update(tasks=0, objects=0, media_calls=0, nodes=set())
        actors: list[Any] = []
        cfg = scanner.cfg
        secret_ref = ray.put(scanner._secret)
        limits_ref = ray.put(cfg.limits())
        specs: dict[int, StoreSpec] = {}
        width = self.inflight or max(2, int(ray.cluster_resources().get("CPU", 1)) * 2)
        pending: dict[Any, list[ObjectRef]] = {}

        def drain(block_until: int) -> None:
            while len(pending) > block_until:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    refs = pending.pop(ref)
                    for r in _results(ray, ref, refs):
                        scanner._record(scan_id, r)

        try:
            for target, item in plan(todo, self.batch_objects):
                spec = specs.get(id(target)) or specs.setdefault(id(target), store_spec(target, cfg))
                refs = item if isinstance(item, list) else [item]
                drain(width - 1)
                if not isinstance(item, list) and is_media(item):
                    actors = actors or _media_actors(ray)
                    actor = actors[LAST_RAY_RUN["media_calls"] % len(actors)]
                    pending[actor.process.remote(spec, refs, secret_ref, limits_ref)] = refs
                    LAST_RAY_RUN["media_calls"] += 1
                else:
                    pending[remote.remote(spec, refs, secret_ref, limits_ref)] = refs
                    LAST_RAY_RUN["tasks"] += 1
                LAST_RAY_RUN["objects"] += len(refs)
            drain(0)
        finally:
            for actor in actors:
                ray.kill(actor)


def _media_actors(ray: Any) -> list[Any]:
    """One MediaProcessor pinned to each alive node (num_cpus=0: it does not hold a task slot)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    cls = ray.remote(num_cpus=0, max_restarts=1, max_task_retries=1)(MediaProcessor)
    nodes = [n["NodeID"] for n in ray.nodes() if n.get("Alive")]
    return [
        cls.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False)).remote() for n in nodes
    ]


def _results(ray: Any, ref: Any, refs: list[ObjectRef]) -> list[ObjectResult]:
    """The batch's results; a task that died (worker or node lost) marks its objects, never drops them."""
    try:
        node, results = ray.get(ref)
        LAST_RAY_RUN.setdefault("nodes", set()).add(node)
        return list(results)
    except Exception as e:
        reason = f"executor error ({type(e).__name__})"
        return [ObjectResult(r, Status.SKIPPED, reason) for r in refs]


def make_executor(cfg: Any) -> Executor:
    kind = (getattr(cfg, "executor", None) or "local").lower()
    if kind == "local":
        return LocalExecutor()
    if kind == "ray":
        return RayExecutor(getattr(cfg, "ray_address", None), batch_objects=max(1, cfg.batch_objects))
    raise ValueError(f"unknown executor {kind!r} (choose from {', '.join(EXECUTORS)})")
