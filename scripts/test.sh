#!/usr/bin/env bash
# Runs every kyso test on a fresh machine.
#
# It installs what the tests need first (Debian packages, a Python venv with
# pyHanko under .venv/), starts PostgreSQL on loopback in .test-tmp/, runs
# the whole Rust test suite against SQLite and PostgreSQL, and stops
# PostgreSQL again. Re-running is cheap: installed pieces are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kyso-target}"

log() { printf '\n== %s\n' "$*"; }

# --- 1. Debian packages -------------------------------------------------
# shared-mime-info and libtasn1-doc ship pdfTeX-made manuals: part of the signing corpus.
# libxml2-utils: xmllint checks the archive export's metadata against docs/archive-metadata.xsd.
PKGS=(openssl postgresql python3-venv ca-certificates curl qpdf poppler-utils libnss3-tools ghostscript softhsm2 opensc shared-mime-info libtasn1-doc libxml2-utils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. Python venv with the peers ----------------------------------------
# pyHanko checks signatures; endesive signs part of the world corpus
# (tests/world_corpus.rs; its 3.0 release writes PDFs with pypdf < 7) and
# pypdf fills forms and adds annotations and pages to pyHanko-signed files
# of that corpus;
# moto_server is the S3 server of the blob-store tests; schemathesis
# tests the office API against its OpenAPI description; zxing-cpp reads
# the QR code of a print-out (tests/archive_print.rs).
VENV="$ROOT/.venv"
PY_PKGS=(pyhanko pyhanko-cli pyhanko-certvalidator requests endesive 'pypdf<7' 'moto[server]' schemathesis aiosmtpd zxing-cpp)
PY_IMPORTS="pyhanko_certvalidator, endesive, pypdf, moto, aiosmtpd, zxingcpp"
if [ ! -x "$VENV/bin/pyhanko" ] || [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/python" -c "import $PY_IMPORTS" 2>/dev/null; then
  log "creating $VENV with ${PY_PKGS[*]}"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "${PY_PKGS[@]}"
fi
export KYSO_TEST_PYTHON="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"

# --- 2b. The browser tests of the web office ---------------------------------
# Debian's chromium (never a browser download) driven by playwright-core,
# with axe-core, both pinned in tests/ui/package-lock.json
# (crates/kyso/tests/web_ui.rs runs tests/ui/flow.mjs).
# Node.js and npm may come from elsewhere than Debian (then Debian's npm
# package conflicts with them): only what is missing is installed.
ui_missing=()
[ -x /usr/bin/chromium ] || ui_missing+=(chromium)
command -v node >/dev/null || ui_missing+=(nodejs)
command -v npm >/dev/null || ui_missing+=(npm)
if [ ${#ui_missing[@]} -gt 0 ]; then
  log "installing Debian packages for the browser tests: ${ui_missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${ui_missing[@]}" >/dev/null
fi
log "npm ci in tests/ui (playwright-core, axe-core; no browser download)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests/ui --ignore-scripts --no-audit --no-fund >/dev/null

# --- 3. PostgreSQL on loopback --------------------------------------------
PGDIR="$ROOT/.test-tmp/pg"
S3DIR="$ROOT/.test-tmp/s3"
trap 'scripts/pg.sh stop "$PGDIR"; scripts/s3.sh stop "$S3DIR"' EXIT
log "starting PostgreSQL on 127.0.0.1:${KYSO_TEST_PG_PORT:-55432}"
eval "$(scripts/pg.sh start "$PGDIR" "${KYSO_TEST_PG_PORT:-55432}")"
# --- 3b. S3 (moto_server) on loopback: PostgreSQL suites keep blobs there --
log "starting moto_server (S3) on 127.0.0.1:${KYSO_TEST_S3_PORT:-55433}"
eval "$(scripts/s3.sh start "$S3DIR" "${KYSO_TEST_S3_PORT:-55433}")"
export KYSO_REQUIRE_PEERS=1

# --- 4. The suite -----------------------------------------------------------
log "cargo test (SQLite + files and PostgreSQL + S3, peers: openssl, pyHanko, qpdf, pdfsig, SoftHSM2)"
export RUST_TEST_THREADS="${KYSO_TEST_THREADS:-2}"
cargo test --workspace --all-targets --locked --no-fail-fast
cargo test --workspace --doc --locked
