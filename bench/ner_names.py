"""Person names in free text: PHIscope's dictionary finder against trained statistical NER.

The measurement behind "dictionary, not spaCy" in docs/detection.md. PERSON_NAME only, on the
labelled corpus of bench/corpus.py and three harder rewrites of it, for:

* PHIscope: `DetectionEngine.spans` (the whole engine; its PERSON_NAME spans are scored);
* spaCy NER alone (the `ner` component, which has its own tok2vec in these pipelines; the others
  excluded) with the trained en_core_web_md and en_core_web_sm (and en_core_web_lg if installed);
* Presidio with its defaults and the best trained model installed (its PERSON entities).

Spans are scored as in detect_accuracy.py (a prediction counts when it overlaps a labelled name).
Corpus variants (every rewrite recomputes the offsets of all labelled spans):

1. corpus: as built: names half from the locales the dictionary was built from (en_US, fr_FR) and
   half from others (nl_NL, pl_PL, pt_BR), each next to a cue PHIscope uses ("Patient: X",
   "X was admitted", "Dr. X").
2. unseen names: every labelled name replaced by one whose every token is in neither dictionary
   list (Faker fi_FI, hu_HU, cs_CZ, tr_TR, id_ID, zu_ZA, yo_NG, sw, or made of random syllables);
   same shape (a lone surname after "Dr." stays a lone surname), cues kept.
3. no cues: the corpus names, with the cue phrases rewritten into sentences with none of
   PHIscope's cues ("Spoke with X regarding ...", "Chart reviewed with X."; a lone surname gets an
   en_US first name, since no finder is asked for bare surnames without a title).
4. unseen names, no cues: both rewrites: only what the dictionary cannot know and no context it
   uses. This is where the dictionary approach fails by construction.

    .venv/bin/python bench/ner_names.py [--docs 400]

spaCy and Presidio come from the side venv of bench/presidio_env.sh (its site-packages on sys.path,
or PHISCOPE_PRESIDIO_SITE=<dir>); without them those rows are skipped. Only aggregate numbers are
printed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Doc, build
from detect_accuracy import Predict, presidio_predict, prf, score, trained_spacy_models
from faker import Faker

from phiscope.detect.engine import DetectionEngine
from phiscope.detect.names import first_names, last_names

NAME = "PERSON_NAME"
UNSEEN_LOCALES = ("fi_FI", "hu_HU", "cs_CZ", "tr_TR", "id_ID", "zu_ZA", "yo_NG", "sw")
SYLLABLES = (  # noqa: SIM905
    "ka ri mo tu se na lo vi be da ne ko ru sa mi to ha le zu ga pi ye bo fa du ke ja xo wi "
    "tan ver mol kis dar ruk sen bal tor min"
).split()
# Sentence openings without any of PHIscope's name cues (no "Patient:", "Dr.", "... was", ...).
LEADS = ("Spoke with ", "Seen today with ", "Results discussed with ", "Consent signed by ", "Referred by ")


class UnseenNames:
    """Names whose every token is in neither of PHIscope's dictionary lists."""

    def __init__(self, seed: int = 5) -> None:
        self.r = random.Random(seed)
        self.fakers = []
        for loc in UNSEEN_LOCALES:
            f = Faker(loc)
            f.seed_instance(seed)
            self.fakers.append(f)
        self.known = first_names() | last_names()

    def _unknown(self, name: str) -> bool:
        return all(t.casefold() not in self.known for t in name.replace("-", " ").split())

    def _word(self, kind: str) -> str:
        while True:
            if self.r.random() < 0.5:
                n = "".join(self.r.choice(SYLLABLES) for _ in range(self.r.randint(2, 3))).capitalize()
            else:
                f = self.r.choice(self.fakers)
                n = f.first_name() if kind == "first" else f.last_name()
            if self._unknown(n):
                return n

    def first(self) -> str:
        return self._word("first")

    def last(self) -> str:
        return self._word("last")

    def like(self, original: str) -> str:
        """An unseen name of the same shape: one token for a lone surname, else first + last."""
        return self.last() if len(original.split()) == 1 else f"{self.first()} {self.last()}"


Edit = tuple[int, int, str, str, str]  # text[a:b] -> before + name + after; the name is labelled


def rewrite(doc: Doc, edit: Callable[[str, int, int], Edit]) -> Doc:
    """A new document where each labelled name span (s, e) is rewritten by edit(text, s, e), which
    must cover [s, e) and no other labelled span; every other span keeps its text and moves."""
    text = doc.text
    edits = sorted((edit(text, s, e), i) for i, (s, e, t) in enumerate(doc.spans) if t == NAME)
    out = Doc()
    spans: list[tuple[int, int, str]] = []
    others = sorted((s, e, t) for s, e, t in doc.spans if t != NAME)
    pos = 0
    shift = 0
    k = 0
    for (a, b, before, name, after), _ in edits:
        while k < len(others) and others[k][0] < a:
            s, e, t = others[k]
            assert pos <= s and e <= a, "an edit overlaps another labelled span"
            spans.append((s + shift, e + shift, t))
            k += 1
        out.text += text[pos:a] + before
        spans.append((len(out.text), len(out.text) + len(name), NAME))
        out.text += name + after
        shift = len(out.text) - b
        pos = b
    for s, e, t in others[k:]:
        assert s >= pos, "an edit overlaps another labelled span"
        spans.append((s + shift, e + shift, t))
    out.text += text[pos:]
    out.spans = sorted(spans)
    moved = [out.text[s:e] for s, e, t in out.spans if t != NAME]
    assert moved == [text[s:e] for s, e, _ in others], "a labelled span lost its text"
    return out


def unseen(docs: list[Doc], gen: UnseenNames) -> list[Doc]:
    return [rewrite(d, lambda text, s, e: (s, e, "", gen.like(text[s:e]), "")) for d in docs]


def no_cues(docs: list[Doc], r: random.Random, first_name: Callable[[], str]) -> tuple[list[Doc], int]:
    """The corpus's three name contexts rewritten into cue-free ones, names kept; a lone surname
    (after "Dr.") gets first_name() in front."""
    rewritten = 0

    def edit(text: str, s: int, e: int) -> Edit:
        nonlocal rewritten
        orig = text[s:e]
        lead = r.choice(LEADS)
        if text[max(0, s - 9) : s] == "Patient: ":  # "Patient: X\nDOB: ..."
            rewritten += 1
            return s - 9, e, lead, orig, "."
        if text.startswith(" was admitted for ", e):  # "X was admitted for C and started on M."
            rewritten += 1
            return s, e + len(" was admitted for "), lead, orig, " regarding "
        if text[max(0, s - 4) : s] == "Dr. " and text.startswith(" reviewed the chart.", e):
            rewritten += 1
            full = orig if len(orig.split()) > 1 else f"{first_name()} {orig}"
            return s - 4, e + len(" reviewed the chart."), "Chart reviewed with ", full, "."
        return s, e, "", orig, ""

    out = [rewrite(d, edit) for d in docs]
    return out, rewritten


def spacy_ner(path: str) -> tuple[Predict, str]:
    """The `ner` component of a trained pipeline alone (its own tok2vec; the rest excluded)."""
    import spacy

    meta_file = Path(path) / "meta.json"
    pipes = json.loads(meta_file.read_text("utf-8"))["pipeline"] if meta_file.is_file() else []
    nlp = spacy.load(path, exclude=[p for p in pipes if p != "ner"])

    def predict(text: str) -> list[tuple[int, int, str]]:
        return [(e.start_char, e.end_char, NAME) for e in nlp(text).ents if e.label_ == "PERSON"]

    meta = nlp.meta
    return predict, f"spaCy {meta['lang']}_{meta['name']} {meta['version']}, NER alone"


def only_names(pred: Predict) -> Predict:
    return lambda text: [x for x in pred(text) if x[2] == NAME]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=400)
    args = ap.parse_args()
    base = build(args.docs)
    r = random.Random(11)
    gen = UnseenNames()
    v2 = unseen(base, gen)
    en = Faker("en_US")
    en.seed_instance(3)
    v3, n3 = no_cues(base, r, en.first_name)  # a dictionary-locale first name, like the corpus's
    v4, n4 = no_cues(v2, r, gen.first)
    variants = [
        ("1. corpus (names next to cues, half from dictionary locales)", base),
        ("2. unseen names (no token in the dictionary), cues kept", v2),
        (f"3. corpus names, no cues ({n3} contexts rewritten)", v3),
        (f"4. unseen names, no cues ({n4} contexts rewritten)", v4),
    ]

    finders: list[tuple[str, Predict]] = []
    engine = DetectionEngine(b"bench-secret-0123456789abcdef012")
    finders.append(("PHIscope (dictionary + cues; whole engine)", only_names(engine.spans)))
    skipped: list[str] = []
    try:
        models = trained_spacy_models()
    except ImportError as exc:  # e.g. spaCy without numpy
        models, skipped = {}, [f"spaCy: {exc}"]
    if not models and not skipped:
        skipped.append("spaCy NER: no trained English model importable (bench/presidio_env.sh)")
    for size in ("lg", "md", "sm"):
        if size in models:
            pred, note = spacy_ner(models[size][0])
            finders.append((note, pred))
    try:
        pres, pnote = presidio_predict("trained") if models else (None, "no trained spaCy model")
    except ImportError as exc:
        pres, pnote = None, str(exc)
    if pres is not None:
        finders.append((pnote.split(" (")[0] + ", PERSON", only_names(pres)))
    else:
        skipped.append(f"Presidio: {pnote}")

    width = max(len(label) for label, _ in finders)
    for title, docs in variants:
        chars = sum(len(d.text) for d in docs)
        gold = sum(1 for d in docs for *_, t in d.spans if t == NAME)
        print(f"\n{title}: {len(docs)} docs, {chars:,} chars, {gold} names")
        print(f"  {'finder':{width}s} {'P':>6s} {'R':>6s} {'F2':>6s} {'chars/s':>11s}")
        for label, pred in finders:
            counts, dt = score(docs, pred)
            p, rec, f2 = prf(*counts.get(NAME, (0, 0, gold)))
            print(f"  {label:{width}s} {p:6.3f} {rec:6.3f} {f2:6.3f} {chars / dt:>11,.0f}")
    for line in skipped:
        print(f"skipped: {line}")


if __name__ == "__main__":
    main()
