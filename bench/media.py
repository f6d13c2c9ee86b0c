"""Media benchmark: OCR s/page vs bare tesseract, ASR real-time factor per core, spoken-SSN recall.

    .venv/bin/python bench/media.py                 # everything
    .venv/bin/python bench/media.py --only ocr      # or: audio
    .venv/bin/python bench/media.py --calls 24 --psm 3,4,6,11

All inputs are synthesised here (rendered pages, espeak-ng calls) with invented values. Timings use
CPU seconds of this process and its children, so other load on a shared machine skews them less.
Targets: OCR <= 1.2x bare tesseract; audio >= 20x real time per core; spoken-SSN recall >= 0.9.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "media"))

from media_synth import render_form, render_letter, speak, spoken_ssn
from PIL import Image

from phiscope.extract import audio, ocr
from phiscope.extract.base import ExtractContext
from phiscope.extract.media import extract_audio, extract_image

VOICES = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-us+f3"]
FIRST = ["Marisol", "Teodor", "Ines", "Okafor", "Lucja", "Bram", "Anouk", "Desmond"]
LAST = ["Quentara", "Vilhjalm", "Ostrava", "Penhallow", "Duarte", "Kessling", "Mbeki", "Larue"]


def cpu() -> float:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def fake_ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


# --- OCR -------------------------------------------------------------------------------------------------


def ocr_pages(rng: random.Random, n: int) -> list[tuple[bytes, list[str]]]:
    pages = []
    for k in range(n):
        ssn = fake_ssn(rng)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        dob = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1940, 2005)}"
        if k % 2 == 0:
            img = render_form(
                {"name": name, "ssn": ssn, "dob": dob, "member": f"XK{rng.randint(10**6, 10**7)}"},
                skew=rng.choice([0.0, 1.5, -2.0]),
            )
        else:
            lines = ["Lakeview Clinic - discharge summary", f"Patient: {name}", f"SSN: {ssn}   DOB: {dob}"]
            lines += ["Follow-up in two weeks. Continue metformin 500 mg twice daily."] * 12
            img = render_letter(lines)
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format="PNG")
        pages.append((buf.getvalue(), [name, ssn, dob]))
    return pages


def bench_ocr(n_pages: int, psms: list[int]) -> None:
    rng = random.Random(6)
    pages = ocr_pages(rng, n_pages)
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for k, (data, _) in enumerate(pages):
            p = Path(d) / f"p{k}.png"
            p.write_bytes(data)
            paths.append(p)
        env1 = dict(os.environ, OMP_THREAD_LIMIT="1")
        print(f"OCR: {n_pages} synthetic pages (forms 1700x1100, letters 1275x1650), lang eng")
        for psm in psms:
            c0, t0 = cpu(), time.perf_counter()
            found = total = 0
            for p, (_, want) in zip(paths, pages, strict=True):
                out = subprocess.run(
                    ["tesseract", str(p), "stdout", "--psm", str(psm)],
                    capture_output=True,
                    text=True,
                    env=env1,
                    check=True,
                ).stdout
                found += sum(w in out for w in want)
                total += len(want)
            bare_cpu, bare_wall = cpu() - c0, time.perf_counter() - t0
            c0, t0 = cpu(), time.perf_counter()
            found_p = 0
            for data, want in pages:
                page = ocr.ocr_pil(Image.open(io.BytesIO(data)), psm=psm)
                text = "\n".join(line.text for line in page.lines)
                found_p += sum(w in text for w in want)
            ours_cpu, ours_wall = cpu() - c0, time.perf_counter() - t0
            print(
                f"  psm {psm:>2}: bare tesseract {bare_cpu / n_pages:.3f} cpu-s/page "
                f"({bare_wall / n_pages:.3f} wall), values found {found}/{total} | "
                f"phiscope {ours_cpu / n_pages:.3f} cpu-s/page ({ours_wall / n_pages:.3f} wall), "
                f"found {found_p}/{total} | ratio {ours_cpu / bare_cpu:.2f}x"
            )
    # the extractor end to end (open, preprocess, deskew, tesseract, segments) with the default PSM
    c0, t0 = cpu(), time.perf_counter()
    for data, _ in pages:
        list(extract_image(io.BytesIO(data), ExtractContext("page.png")))
    print(
        f"  extract_image (psm {ocr.DEFAULT_PSM}, end to end): {(cpu() - c0) / n_pages:.3f} cpu-s/page, "
        f"{(time.perf_counter() - t0) / n_pages:.3f} wall-s/page"
    )


# --- audio -----------------------------------------------------------------------------------------------


def call_script(rng: random.Random, ssn: str) -> str:
    opener = rng.choice(
        [
            "Hello, this is the billing office at Lakeview Clinic.",
            "Good morning, patient services, how can I help?",
            "Hi, I am calling about my lab results from last week.",
        ]
    )
    ask = rng.choice(
        [
            "Can I have your social security number please?",
            "To verify your identity, what is your social security number?",
            "Please read me your social security number.",
        ]
    )
    return f"{opener} {ask} Sure. It is {spoken_ssn(ssn)}. Thank you, one moment please. Goodbye."


def bench_audio(n_calls: int) -> None:
    if audio.unavailable_reason():
        print(f"audio: skipped ({audio.unavailable_reason()})")
        return
    rng = random.Random(7)
    audio.get_model()  # load (and verify) once, outside the timings
    heard = cpu_s = wall_s = 0.0
    hits = 0
    misses: list[str] = []
    with tempfile.TemporaryDirectory() as d:
        for k in range(n_calls):
            ssn = fake_ssn(rng)
            voice = VOICES[k % len(VOICES)]
            rate = rng.choice([140, 155, 170])
            narrow = k % 2 == 0
            p = speak(
                call_script(rng, ssn),
                Path(d) / f"c{k}.wav",
                voice=voice,
                rate=rate,
                sample_rate=8000 if narrow else 16000,
                mulaw=narrow,
            )
            dur = audio.probe_duration(p) or 0.0
            c0, t0 = cpu(), time.perf_counter()
            segs = list(extract_audio(io.BytesIO(p.read_bytes()), ExtractContext(p.name)))
            cpu_s += cpu() - c0
            wall_s += time.perf_counter() - t0
            heard += dur
            if any(ssn in getattr(s, "text", "") for s in segs):
                hits += 1
            else:
                misses.append(f"{voice}@{'8k mu-law' if narrow else '16k pcm'} rate {rate}")
    print(
        f"audio: {n_calls} synthetic calls, voices {', '.join(VOICES)}, 8 kHz mu-law and 16 kHz PCM, "
        f"model {audio.find_model().name}, {audio.threads()} thread"
    )
    print(
        f"  audio {heard:.1f} s, cpu {cpu_s:.1f} s, wall {wall_s:.1f} s -> real-time factor per core "
        f"{heard / cpu_s:.1f}x (wall {heard / wall_s:.1f}x)"
    )
    print(
        f"  spoken-SSN recall {hits}/{n_calls} = {hits / n_calls:.2f}"
        + (f"; missed: {misses}" if misses else "")
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["ocr", "audio"])
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--psm", default="3,4,6,11")
    ap.add_argument("--calls", type=int, default=24)
    args = ap.parse_args()
    if args.only in (None, "ocr"):
        bench_ocr(args.pages, [int(x) for x in args.psm.split(",")])
    if args.only in (None, "audio"):
        bench_audio(args.calls)


if __name__ == "__main__":
    main()
