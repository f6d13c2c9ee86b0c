"""Precision, recall and F2 per identifier type on the labelled synthetic corpus (bench/corpus.py),
for PHIscope and, when presidio-analyzer is importable, for Presidio with its defaults.

    .venv/bin/python bench/detect_accuracy.py [--docs 400]

A prediction counts when it overlaps a labelled span of the same type. Presidio's entity names are
mapped onto ours where one exists; types it has no recognizer for are shown as "-".
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

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


def score(docs: list[Doc], predict) -> tuple[dict[str, tuple[int, int, int]], float]:  # type: ignore[no-untyped-def]
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


def presidio_predict(pipeline: str = "blank"):  # type: ignore[no-untyped-def]
    """Presidio's analyzer with its default recognizers. Its default NLP engine, spaCy
    en_core_web_lg, is used when installed; otherwise `pipeline` says what stands in for it:
    "blank" (a tokenizer only: PERSON/DATE_TIME then rest on Presidio's patterns; for accuracy)
    or "lg-shaped" (en_core_web_lg's architecture with random weights, presidio_shaped.py: its
    cost per character, for speed only)."""
    try:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        return None, "presidio-analyzer not installed"
    import logging
    import warnings

    import spacy

    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # it tries the network, then falls back
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    def engine(model: str):  # type: ignore[no-untyped-def]
        models = [{"lang_code": "en", "model_name": model}]
        config = {"nlp_engine_name": "spacy", "models": models}
        return NlpEngineProvider(nlp_configuration=config).create_engine()

    try:
        nlp_engine = engine("en_core_web_lg")
        note = "spaCy en_core_web_lg"
    except Exception:
        if pipeline == "lg-shaped":
            from presidio_shaped import build as build_shaped

            path = build_shaped(Path("/tmp/phiscope-presidio-lg-shaped"))
            note = "en_core_web_lg-shaped spaCy pipeline, random weights (speed only)"
            warnings.filterwarnings("ignore", module="spacy")  # empty attribute ruler, no POS for lemmas
        else:
            path = Path("/tmp/phiscope-blank-en")
            if not path.exists():
                spacy.blank("en").to_disk(path)
            note = "blank spaCy 'en' pipeline (no NER model installable offline)"
        nlp_engine = engine(str(path))
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])

    def predict(text: str) -> list[tuple[int, int, str]]:
        out = []
        for r in analyzer.analyze(text=text, language="en"):
            t = PRESIDIO_MAP.get(r.entity_type)
            if t is not None:
                out.append((r.start, r.end, t))
        return out

    return predict, f"Presidio {note}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--presidio-docs", type=int, default=100)
    args = ap.parse_args()
    docs = build(args.docs)
    chars = sum(len(d.text) for d in docs)
    gold = Counter(t for d in docs for _, _, t in d.spans)
    engine = DetectionEngine(b"bench-secret-0123456789abcdef012")
    ours, dt = score(docs, engine.spans)
    print(f"corpus: {len(docs)} documents, {chars:,} chars, {sum(gold.values())} labelled spans")
    print(f"PHIscope: {dt:.3f} s ({chars / dt:,.0f} chars/s)")
    pres, note = presidio_predict()
    theirs: dict[str, tuple[int, int, int]] = {}
    if pres is not None:
        sub = docs[: args.presidio_docs]
        theirs, pdt = score(sub, pres)
        pchars = sum(len(d.text) for d in sub)
        print(f"{note}: {pdt:.3f} s on the first {len(sub)} docs ({pchars / pdt:,.0f} chars/s)")
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
    print(f"\nlowest PHIscope F2 over labelled types: {worst:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
