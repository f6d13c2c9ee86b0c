"""A large mixed-text corpus for throughput benchmarks: hundreds of MB in seconds.

Rows are rendered once per person with the same functions the telehealth build uses (CSV, headerless
dump, FHIR NDJSON, HL7 v2), then files are assembled by drawing rows at random, so the corpus costs
little more than writing it. Decoy log files (no person data) are mixed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from phiscope.synth import csvs, decoys, messages
from phiscope.synth.people import make_population
from phiscope.synth.truth import PERSON_VALUE_TYPES, GroundTruth, Recorder

MB = 1_000_000
_FOLDERS = {"csv": "exports", "csv-headerless-semicolon": "legacy", "ndjson-fhir": "fhir", "hl7v2": "hl7"}


@dataclass(slots=True)
class _Pool:
    kind: str
    ext: str
    header: str
    sep: str
    rows: list[str]
    values: list[list[tuple[str, str | None]]]  # per row: identifiers written
    employer: list[str | None]
    health: bool
    owners: list[int]  # per row: the person's position in the population


def _pools(seed: int, n_people: int) -> tuple[list[_Pool], list[str], list[str]]:
    pop = make_population(seed, n_people, 40)
    rng = random.Random(f"phiscope-corpus-{seed}")
    us = pop.us
    pids = [p.pid for p in pop.people]
    index = {pid: i for i, pid in enumerate(pids)}
    us_owners = [index[p.pid] for p in us]
    pools = []
    rows, vals = zip(*(csvs.patient_row(p, rng) for p in us), strict=True)
    pools.append(
        _Pool(
            "csv",
            "csv",
            csvs.csv_text(csvs.PATIENT_HEADER, []),
            "",
            [csvs.csv_text(None, [r]) for r in rows],
            list(vals),
            [p.employer for p in us],
            True,
            us_owners,
        )
    )
    rows, vals = zip(*(csvs.dump_row(p) for p in us), strict=True)
    pools.append(
        _Pool(
            "csv-headerless-semicolon",
            "txt",
            "",
            "",
            [csvs.csv_text(None, [r], delimiter=";") for r in rows],
            list(vals),
            [p.employer for p in us],
            True,
            us_owners,
        )
    )
    lines, vals = zip(*(messages.fhir_line(p) for p in pop.people), strict=True)
    pools.append(
        _Pool(
            "ndjson-fhir",
            "ndjson",
            "",
            "",
            [ln + "\n" for ln in lines],
            list(vals),
            [None] * len(lines),
            False,
            list(range(len(pids))),
        )
    )
    msgs, vals = zip(*(messages.hl7_message(p, i, rng) for i, p in enumerate(us, 1)), strict=True)
    pools.append(
        _Pool(
            "hl7v2", "hl7", "", "", [m + "\n" for m in msgs], list(vals), [None] * len(msgs), True, us_owners
        )
    )
    logs = [ln + "\n" for ln in decoys.app_log_lines(rng, 5000)]
    return pools, pids, logs


def build_text_corpus(
    out_dir: Path,
    megabytes: int,
    seed: int = 7,
    *,
    people: int = 1000,
    truth_path: Path | None = None,
) -> GroundTruth:
    """Write at least `megabytes` MB of mixed text files directly into `out_dir` (one bucket).

    Returns the ground truth (people, per-file identifier counts); writes it only to `truth_path`,
    never inside `out_dir`, so it is not scanned with the corpus.
    """
    import numpy as np

    if megabytes < 1:
        raise ValueError("megabytes must be at least 1")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    out_dir.mkdir(parents=True, exist_ok=True)
    pools, pids, logs = _pools(seed, people)
    rec = Recorder(out_dir.parent)
    bucket = out_dir.name
    gen = np.random.default_rng(seed)
    target = megabytes * MB
    written = 0
    n = 0
    # Formats in a fixed rotation (every one appears within the first five files); sizes vary.
    rotation = (0, 1, 2, 3, 4, 0, 3, 2, 0, 1)  # 0-3: the pools above, 4: a decoy log file
    max_size = min(3.5 * MB, max(0.2 * MB, target / 8))
    used_people: set[int] = set()
    while written < target:
        n += 1
        choice = rotation[(n - 1) % len(rotation)]
        size = int(min(gen.uniform(max_size / 7, max_size), target - written + 1024))
        if choice == len(pools):
            key = f"logs/app-{n:05d}.log"
            note = rec.note(bucket, key, "decoy-log")
            k = max(1, size // 110)
            idx = gen.integers(0, len(logs), k)
            data = "".join([logs[i] for i in idx]).encode("utf-8")
            note.decoys["INVALID_SSN_SHAPED"] += k
            note.decoys["NPI_SHAPED_INVALID"] += k
        else:
            pool = pools[choice]
            owners = pool.owners
            avg = sum(len(r) for r in pool.rows[:200]) / min(200, len(pool.rows))
            k = max(1, int(size / avg))
            idx = gen.integers(0, len(pool.rows), k)
            data = (pool.header + "".join([pool.rows[i] for i in idx])).encode("utf-8")
            key = f"{_FOLDERS[pool.kind]}/part-{n:05d}.{pool.ext}"
            note = rec.note(bucket, key, pool.kind)
            note.records = k
            note.health = pool.health
            counts = np.bincount(idx, minlength=len(pool.rows))
            for row in np.nonzero(counts)[0].tolist():
                c = int(counts[row])
                owner = owners[row]
                used_people.add(owner)
                note.people.add(pids[owner])
                for type_, raw in pool.values[row]:
                    if raw:
                        note.identifiers[type_] += c
                        if type_ in rec.values:
                            rec.values[type_].add(raw)
                emp = pool.employer[row]
                if emp:
                    note.employers.add(emp)
                    note.identifiers["ORGANISATION"] += c
        rec.path(bucket, key).write_bytes(data)
        written += len(data)
    params = {"megabytes": megabytes, "people": people, "bytes": written, "files": n}
    truth = rec.finish(seed=seed, params=params, buckets=[bucket])
    assert set(rec.values) == set(PERSON_VALUE_TYPES)
    if truth_path is not None:
        truth.write(truth_path)
    return truth
