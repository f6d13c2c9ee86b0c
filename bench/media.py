"""Media benchmark: OCR s/page vs bare tesseract, ASR real-time factor per core, spoken-SSN recall.

    .venv/bin/python bench/media.py                 # everything
    .venv/bin/python bench/media.py --only ocr      # or: audio
    .venv/bin/python bench/media.py --calls 24 --psm 3,4,6,11
    .venv/bin/python bench/media.py --only audio --voices all --length both --model tiny.en
    .venv/bin/python bench/media.py --only audio --voices flite --length long --calls 48 --seed 8

Audio models: default = the installed pipeline (tiny.en over the call, base over the number windows);
--model KEY|DIR for one model, --model FIRST+REFINE for another pair.

All inputs are synthesised here (rendered pages, espeak-ng calls) with invented values. Timings use
CPU seconds of this process and its children, so other load on a shared machine skews them less.
Targets: OCR <= 1.2x bare tesseract; audio >= 20x real time per core; spoken-SSN recall >= 0.9.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
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

VOICES = {
    "espeak": ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-us+f3"],
    # Debian flite: diphone/clustergen voices, nearer a human caller than espeak's formant synthesis
    "flite": ["flite:kal16", "flite:awb", "flite:rms", "flite:slt", "flite:kal", "flite:awb"],
}
SSN_SHAPE = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
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
    """A short call (~15 s): greeting, the question, the number, goodbye."""
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


def long_call_script(rng: random.Random, ssn: str) -> str:
    """A ~60 s call shaped like a real one: the number is a small part of the conversation."""
    parts = [
        rng.choice(
            [
                "Good morning, patient services at Lakeview Clinic, this is Dana speaking, how can I help "
                "you today?",
                "Hello, you have reached the billing office at Lakeview Clinic. My name is Sam. What can I "
                "do for you?",
            ]
        ),
        rng.choice(
            [
                "Hi, I am calling about a bill I received last week for my visit in March. I think I was "
                "charged twice for the same blood test.",
                "Hello, I had an appointment with Doctor Larue two weeks ago and I still have not received "
                "my lab results. I wanted to ask when they will be ready.",
            ]
        ),
        "I am sorry to hear that. I can certainly look into it for you. Before I can open your file, "
        "I need to verify your identity.",
        rng.choice(
            [
                "Can I have your social security number please?",
                "What is your social security number?",
                "Could you read me your social security number please?",
            ]
        ),
        f"Sure. It is {spoken_ssn(ssn)}.",
        "Thank you. Please hold for a moment while I pull up your account. All right, I can see your "
        "file now.",
        rng.choice(
            [
                "It looks like the test was entered twice by mistake. I will remove the duplicate charge "
                "and send you a corrected statement within five business days.",
                "Your results came back this morning. The doctor has reviewed them and everything looks "
                "normal. You will get a letter in the mail as well.",
            ]
        ),
        "That is great, thank you so much for your help. Is there anything else I need to do?",
        "No, you are all set. If you have any other questions, please call us back. Have a nice day. "
        "Goodbye.",
    ]
    return " ".join(parts)


def bench_audio(n_calls: int, families: list[str], long: bool, seed: int = 7) -> None:
    if audio.unavailable_reason():
        print(f"audio: skipped ({audio.unavailable_reason()})")
        return
    audio.get_model()  # load (and verify) once, outside the timings
    kind = "long (~60 s)" if long else "short (~15 s)"
    print(f"audio: {audio.describe()}; {audio.threads()} thread, {kind} calls, seed {seed}")
    for family in families:
        rng = random.Random(seed)
        heard = cpu_s = wall_s = 0.0
        hits: dict[str, list[int]] = {}
        misses: list[str] = []
        wrong = 0  # SSN-shaped numbers in a transcript that are not the one spoken (misheard digits)
        with tempfile.TemporaryDirectory() as d:
            for k in range(n_calls):
                ssn = fake_ssn(rng)
                voice = VOICES[family][k % len(VOICES[family])]
                rate = rng.choice([140, 155, 170])
                narrow = k % 2 == 0
                script = long_call_script(rng, ssn) if long else call_script(rng, ssn)
                p = speak(
                    script,
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
                ok = any(ssn in getattr(s, "text", "") for s in segs)
                wrong += sum(m != ssn for s in segs for m in SSN_SHAPE.findall(getattr(s, "text", "")))
                sr = "8k mu-law" if narrow else "16k pcm"
                for key in (voice, sr):
                    hits.setdefault(key, [0, 0])
                    hits[key][0] += ok
                    hits[key][1] += 1
                if not ok:
                    misses.append(f"{voice}@{sr} rate {rate}")
        n_hit = sum(v[0] for k, v in hits.items() if "k " in k)
        print(
            f"  {family:>6}: {n_calls} calls, audio {heard:.0f} s, cpu {cpu_s:.1f} s -> real-time factor "
            f"per core {heard / cpu_s:.1f}x (wall {heard / wall_s:.1f}x); spoken-SSN recall "
            f"{n_hit}/{n_calls} = {n_hit / n_calls:.2f}; wrong SSN-shaped numbers {wrong}"
        )
        print("          " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in hits.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["ocr", "audio"])
    ap.add_argument("--pages", type=int, default=8)
    ap.add_argument("--psm", default="3,4,6,11")
    ap.add_argument("--calls", type=int, default=24)
    ap.add_argument("--voices", choices=["espeak", "flite", "all"], default="all")
    ap.add_argument("--length", choices=["short", "long", "both"], default="short")
    ap.add_argument(
        "--model", help="ASR model: key (base, tiny.en), directory, or FIRST+REFINE; default: pipeline"
    )
    ap.add_argument(
        "--seed", type=int, default=7, help="audio: which synthesized calls (values, voices' rates)"
    )
    args = ap.parse_args()
    if args.model:
        os.environ[audio.ENV_MODEL] = args.model
    if args.only in (None, "ocr"):
        bench_ocr(args.pages, [int(x) for x in args.psm.split(",")])
    if args.only in (None, "audio"):
        families = ["espeak", "flite"] if args.voices == "all" else [args.voices]
        for long in {"short": [False], "long": [True], "both": [False, True]}[args.length]:
            bench_audio(args.calls, families, long, args.seed)


if __name__ == "__main__":
    main()
