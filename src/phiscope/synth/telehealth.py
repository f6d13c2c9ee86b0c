"""Build the synthetic "telehealth" buckets the demo, the tests and the benchmarks scan.

`build(out_dir)` writes one folder per bucket under `out_dir` and returns the `GroundTruth`, also
written as JSON outside the buckets (`out_dir/../ground-truth.json` unless `truth_path=` says
otherwise). Everything is fixed by `seed`: same seed, same bytes. No value belongs to a real person.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from phiscope.synth import calls as call_audio
from phiscope.synth import csvs, decoys, messages, pdfs
from phiscope.synth import scans as scan_images
from phiscope.synth.corpus import build_text_corpus
from phiscope.synth.people import Person, make_population
from phiscope.synth.truth import GroundTruth, Recorder

EXPORTS = "medcall-exports"  # CSV/NDJSON/HL7 exports and a legacy dump
FORMS = "medcall-forms"  # fillable claim forms and flat PDF reports
SCANS = "medcall-scans"  # scanned intake forms: PNG and image-only PDF
RECORDINGS = "medcall-recordings"  # patient/nurse call recordings (WAV)
WEBSITE = "medcall-website"  # the public marketing site: decoys only, nobody's data
BUCKETS = (EXPORTS, FORMS, SCANS, RECORDINGS, WEBSITE)

__all__ = ["BUCKETS", "GroundTruth", "build", "build_small", "build_text_corpus"]


def _prepare(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{out_dir} is not empty (pass overwrite=True to replace it)")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def build(
    out_dir: Path,
    *,
    seed: int = 7,
    people: int = 300,
    employers: int = 12,
    calls: int = 6,
    scans: int = 4,
    audio: bool = True,
    images: bool = True,
    truth_path: Path | None = None,
    overwrite: bool = False,
) -> GroundTruth:
    """Write the telehealth buckets under `out_dir`; return (and write) the ground truth."""
    if people < 10:
        raise ValueError("people must be at least 10")
    out_dir = Path(out_dir)
    _prepare(out_dir, overwrite)
    pop = make_population(seed, people, employers)
    rec = Recorder(out_dir)

    def rng_for(part: str) -> random.Random:
        """One random stream per part, so switching audio or images off changes nothing else."""
        return random.Random(f"phiscope-synth-{part}-{seed}")

    rng = rng_for("exports")
    # medcall-exports: the text exports; together they hold every person at least once.
    sl = csvs.people_slices(pop, rng)
    csvs.write_patients_csv(rec, EXPORTS, "exports/patients_2024-03.csv", sl["patients"], rng)
    csvs.write_claims_csv(rec, EXPORTS, "exports/claims_2024Q1.csv", sl["claims"], rng)
    csvs.write_semicolon_dump(rec, EXPORTS, "legacy/patient_dump_2019.txt", sl["dump"])
    messages.write_hl7_feed(rec, EXPORTS, "hl7/adt_a04_20240315.hl7", sl["hl7"], rng)
    messages.write_fhir_patients(rec, EXPORTS, "fhir/Patient.ndjson", sl["fhir"])
    csvs.write_icd10_reference(rec, EXPORTS, "reference/icd10_codes.csv")
    csvs.write_export_readme(rec, EXPORTS, "README.txt")

    # medcall-forms: the same people again, in claim forms and visit reports.
    rng = rng_for("forms")
    us = pop.us
    employed = [p for p in us if p.employer]
    for i, p in enumerate(_pick(rng, employed, max(2, people // 40)), 1):
        pdfs.write_wc_form(rec, FORMS, f"workers-comp/claim-WC24-{i:04d}.pdf", p, rng)
    pdfs.write_blank_form(rec, FORMS, "workers-comp/blank-template.pdf")
    for i, p in enumerate(_pick(rng, us, max(2, people // 50)), 1):
        pdfs.write_visit_report(rec, FORMS, f"reports/visit-summary-{i:04d}.pdf", p, rng)
    for i, p in enumerate(pop.fr[:2], 1):
        pdfs.write_french_report(rec, FORMS, f"reports/compte-rendu-{i:04d}.pdf", p, rng)

    if images and scans > 0:
        for i, p in enumerate(_pick(rng_for("scans"), employed or us, scans), 1):
            ext = "png" if i % 2 else "pdf"
            scan_images.write_scan(rec, SCANS, f"intake/intake-{i:04d}.{ext}", p, seed * 1000 + i)
    elif scans > 0:
        rec.skipped.append(f"{SCANS}: images disabled; no scans generated")

    if audio and calls > 0:
        missing = call_audio.tools_available()
        if missing:
            rec.skipped.append(f"{RECORDINGS}: {missing}; no calls generated")
        else:
            _write_calls(rec, _pick(rng_for("calls"), us, calls))
    elif calls > 0:
        rec.skipped.append(f"{RECORDINGS}: audio disabled; no calls generated")

    decoys.write_website(rec, WEBSITE, rng_for("website"), log_lines=max(100, people))

    written = sorted({b for b, _ in rec.notes})
    params = {
        "people": people,
        "employers": employers,
        "calls": calls,
        "scans": scans,
        "audio": audio,
        "images": images,
    }
    truth = rec.finish(seed=seed, params=params, buckets=[b for b in BUCKETS if b in written])
    truth.write(truth_path or out_dir.parent / "ground-truth.json")
    return truth


def _pick(rng: random.Random, people: list[Person], n: int) -> list[Person]:
    return rng.sample(people, min(n, len(people)))


def _write_calls(rec: Recorder, people: list[Person]) -> None:
    """Render calls two at a time (espeak-ng and sox are single-threaded processes)."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = []
    for i, p in enumerate(people, 1):
        telephone = i % 2 == 0
        key = f"calls/2024-03-15/call-{i:04d}{'-8k' if telephone else ''}.wav"
        voice = call_audio.PATIENT_VOICES[(i - 1) % len(call_audio.PATIENT_VOICES)]
        jobs.append((key, p, voice, telephone))
    # Rendering runs in parallel; recording into the ground truth stays in order (deterministic JSON).
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(
                call_audio.render_call,
                call_audio.call_script(p),
                rec.path(RECORDINGS, key),
                patient_voice=voice,
                telephone=tel,
            )
            for key, p, voice, tel in jobs
        ]
        for f in futures:
            f.result()
    for key, p, _, tel in jobs:
        call_audio.record_call(rec, RECORDINGS, key, p, telephone=tel)


def build_small(out_dir: Path, *, seed: int = 7, truth_path: Path | None = None) -> GroundTruth:
    """A fast variant for unit tests: 30 people, text and PDFs only (no audio, no images)."""
    return build(
        out_dir,
        seed=seed,
        people=30,
        employers=4,
        calls=0,
        scans=0,
        audio=False,
        images=False,
        truth_path=truth_path,
    )
