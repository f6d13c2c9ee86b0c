"""A spaCy pipeline with en_core_web_lg's architecture and sizes but random weights: a speed
stand-in for Presidio's default NLP engine where no trained model is installed.

Presidio's default is en_core_web_lg, which is not on the package registries this project can reach.
Trained en_core_web_md and en_core_web_sm 3.8 are (bench/presidio_env.sh), and md has lg's
architecture with a smaller vectors table, so detect_speed uses them when installed and this
pipeline only without them. Its cost per character is set by the architecture, not by the trained
values: the same components in the same order (tok2vec, tagger, parser, attribute_ruler, lemmatizer,
ner), the same widths (96-wide 4-layer maxout CNN over hash embeddings of NORM/PREFIX/SUFFIX/SHAPE/
SPACY/IS_SPACE with 300-wide static vectors, 514,157 rows; NER with its own tok2vec; 64-wide
transition parsers), the same label sets. Measured in the same minute, Presidio ran 23,400 chars/s
with it and 22,900 with the trained md. Its entities are meaningless: speed only, never accuracy.

    build(path)  # ~5 s, ~620 MB on disk (the vectors table)
"""

from __future__ import annotations

from pathlib import Path

_T2V = """
@architectures = "spacy.Tok2Vec.v2"
[{p}.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 96
attrs = ["NORM","PREFIX","SUFFIX","SHAPE","SPACY","IS_SPACE"]
rows = [5000,1000,2500,2500,50,50]
include_static_vectors = true
[{p}.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = 96
depth = 4
window_size = 1
maxout_pieces = 3
"""

_PARSER = """
@architectures = "spacy.TransitionBasedParser.v2"
state_type = "{state}"
extra_state_tokens = false
hidden_width = 64
maxout_pieces = 2
use_upper = true
nO = null
"""

_LISTENER = """
@architectures = "spacy.Tok2VecListener.v1"
width = 96
upstream = "tok2vec"
"""

CONFIG = (
    """
[nlp]
lang = "en"
pipeline = ["tok2vec","tagger","parser","attribute_ruler","lemmatizer","ner"]
[components]
[components.tok2vec]
factory = "tok2vec"
[components.tok2vec.model]
"""
    + _T2V.format(p="components.tok2vec.model")
    + """
[components.tagger]
factory = "tagger"
[components.tagger.model]
@architectures = "spacy.Tagger.v2"
nO = null
normalize = false
[components.tagger.model.tok2vec]
"""
    + _LISTENER
    + """
[components.parser]
factory = "parser"
[components.parser.model]
"""
    + _PARSER.format(state="parser")
    + """
[components.parser.model.tok2vec]
"""
    + _LISTENER
    + """
[components.attribute_ruler]
factory = "attribute_ruler"
[components.lemmatizer]
factory = "lemmatizer"
mode = "rule"
[components.ner]
factory = "ner"
[components.ner.model]
"""
    + _PARSER.format(state="ner")
    + """
[components.ner.model.tok2vec]
"""
    + _T2V.format(p="components.ner.model.tok2vec")
)

# label sets of en_core_web_lg (their count sizes the output layers)
TAGS = (  # noqa: SIM905
    "$ '' , -LRB- -RRB- . : ADD AFX CC CD DT EX FW HYPH IN JJ JJR JJS LS MD NFP NN NNP NNPS NNS PDT "
    "POS PRP PRP$ RB RBR RBS RP SYM TO UH VB VBD VBG VBN VBP VBZ WDT WP WP$ WRB XX _SP ``"
).split()
DEPS = (  # noqa: SIM905
    "ROOT acl acomp advcl advmod agent amod appos attr aux auxpass case cc ccomp compound conj csubj "
    "csubjpass dative dep det dobj expl intj mark meta neg nmod npadvmod nsubj nsubjpass nummod oprd "
    "parataxis pcomp pobj poss preconj predet prep prt punct quantmod relcl xcomp"
).split()
ENTS = (  # noqa: SIM905
    "CARDINAL DATE EVENT FAC GPE LANGUAGE LAW LOC MONEY NORP ORDINAL ORG PERCENT PERSON PRODUCT "
    "QUANTITY TIME WORK_OF_ART"
).split()
VECTORS = 514_157  # en_core_web_lg's static vector table: rows x 300


def build(path: Path) -> Path:
    """Write the pipeline to `path` (once; an existing one is reused)."""
    if (path / "config.cfg").exists():
        return path
    import numpy as np
    import spacy
    from spacy.vectors import Vectors
    from thinc.api import Config

    nlp = spacy.util.load_model_from_config(Config().from_str(CONFIG), auto_fill=True, validate=True)
    rng = np.random.default_rng(0)
    data = rng.standard_normal((VECTORS, 300), dtype=np.float32)
    keys = np.arange(1, VECTORS + 1, dtype=np.uint64) * np.uint64(2654435761)
    nlp.vocab.vectors = Vectors(data=data, keys=keys, name="en_vectors")
    for label in TAGS:
        nlp.get_pipe("tagger").add_label(label)  # type: ignore[attr-defined,unused-ignore]
    for label in DEPS:
        nlp.get_pipe("parser").add_label(label)  # type: ignore[attr-defined,unused-ignore]
    for label in ENTS:
        nlp.get_pipe("ner").add_label(label)  # type: ignore[attr-defined,unused-ignore]
    nlp.initialize()
    nlp.to_disk(path)
    return path
