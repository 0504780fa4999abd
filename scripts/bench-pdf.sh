#!/usr/bin/env bash
# PDF signing and verification benchmark (issue 3): kyso beside pyHanko on
# the same files with the same key, in one run on this machine.
#
#   scripts/bench-pdf.sh              # ~5 minutes on 2 cores
#   GB=0 scripts/bench-pdf.sh         # without the 1 GB file
#   ROUNDS=5 scripts/bench-pdf.sh     # more runs of each kyso command
#   BUILD=0 scripts/bench-pdf.sh      # use the release build as it is
#
# Files (scripts/bench-pdf-gen.py, no network): 1, 100, 1,000 and 2,000
# text pages (rewritten by qpdf with object streams), ~200 MB (100 pages,
# each with a 2 MB incompressible image, classic xref) and, unless GB=0,
# ~1 GB (100 pages of 10 MB images); R's 2,415-page, 6.5 MB reference
# manual when Debian's r-doc-pdf is installed (a real pdfTeX manual:
# `apt-get install r-doc-pdf`); a 1-page document signed 10 times, each
# signature in its own revision.
# For each: `kyso sign` (PAdES B-B, RSA-2048 PKCS#12, invisible, then
# visible) vs `pyhanko sign addsig`, `kyso verify` vs `pyhanko sign
# validate` (CLI) and pyHanko's in-process validation; 200 small documents
# in one process (`kyso sign DIR --out-dir` vs one Python process calling
# pyHanko's sign_pdf 200 times); the floors `openssl speed rsa2048` and
# one SHA-256 pass over the big files (`openssl dgst -sha256`, SHA-NI);
# criterion benches of kyso-sign (one small document signed in-process;
# verified in-process: 1 page, 10 signatures).
# Times are wall-clock seconds (best of ROUNDS for kyso, one run for
# pyHanko's CLI), peak RSS from GNU time (%M).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kyso-target}"
ROUNDS="${ROUNDS:-3}"
GB="${GB:-1}"
# The pyHanko venv scripts/test.sh made, when there is one.
if [ -x "$ROOT/.venv/bin/pyhanko" ]; then export PATH="$ROOT/.venv/bin:$PATH"; fi
PY="${KYSO_TEST_PYTHON:-$(command -v python3)}"

for t in qpdf openssl pyhanko /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench-pdf: $t is missing (apt-get install qpdf time; run scripts/test.sh once for the pyHanko venv in .venv)" >&2; exit 1; }
done

[ "${BUILD:-1}" = 0 ] || cargo build --release --locked -q -p kyso
KYSO="$CARGO_TARGET_DIR/release/kyso"
W=$(mktemp -d "${TMPDIR:-/tmp}/kyso-bench-pdf.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"

# One RSA-2048 signer under a root, as a PKCS#12 both tools read.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/C=VN/O=kyso bench/CN=Bench Root" -keyout root.key \
  -out root.pem -days 30 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -subj "/C=VN/O=kyso bench/CN=Nguyen Van An" -keyout ee.key -out ee.csr 2>/dev/null
printf 'keyUsage=critical,digitalSignature,nonRepudiation\n' > ee.ext
openssl x509 -req -in ee.csr -CA root.pem -CAkey root.key -CAcreateserial -days 30 -extfile ee.ext -out ee.pem 2>/dev/null
openssl pkcs12 -export -inkey ee.key -in ee.pem -certfile root.pem -passout pass:bench -out ee.p12
printf 'bench' > pass.txt
export KYSO_P12_PASSWORD=bench KYSO_LOG=warn
unset KYSO_DATA

gen() { "$PY" "$ROOT/scripts/bench-pdf-gen.py" "$@"; }
echo "making the test files …" >&2
for n in 1 100 1000 2000; do
  gen "raw$n.pdf" "$n"
  qpdf --object-streams=generate "raw$n.pdf" "p$n.pdf"
  rm "raw$n.pdf"
done
gen big.pdf 100 2000000
CASES="p1 p100 p1000 p2000 big"
MANUAL=/usr/share/R/doc/manual/fullrefman.pdf
if [ -f "$MANUAL" ]; then cp "$MANUAL" manual.pdf; CASES="p1 p100 p1000 p2000 manual big"
else echo "bench-pdf: $MANUAL missing (apt-get install r-doc-pdf): the manual row is skipped" >&2; fi
if [ "$GB" = 1 ]; then gen gb.pdf 100 10000000; fi

# timed CMD… : sets SECS (wall) and MB (peak RSS); fails loudly.
timed() {
  local t0 t1
  t0=$(date +%s%N)
  if ! /usr/bin/time -f %M -o rss.txt "$@" >out.txt 2>err.txt; then
    echo "bench-pdf: failed: $*" >&2; cat err.txt out.txt >&2; return 1
  fi
  t1=$(date +%s%N)
  SECS=$(echo "($t1 - $t0) / 1000000000" | bc -l)
  MB=$(echo "$(tail -1 rss.txt) / 1024" | bc -l)
}
# best KYSO… : best time of ROUNDS runs, largest peak RSS.
best() {
  local b="" m=0 i
  for i in $(seq "$ROUNDS"); do
    timed "$@"
    if [ -z "$b" ] || [ "$(echo "$SECS < $b" | bc -l)" = 1 ]; then b=$SECS; fi
    if [ "$(echo "$MB > $m" | bc -l)" = 1 ]; then m=$MB; fi
  done
  SECS=$b; MB=$m
}
f3() { printf '%.3f' "$1"; }
f0() { printf '%.0f' "$1"; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.1f'; }
ROWS=()
row() { ROWS+=("$(printf '%-34s %9s %7s %9s %7s %7s' "$@")"); }
size_mb() { echo "$(stat -c %s "$1") / 1048576" | bc -l | xargs printf '%.0f'; }

VIS=(--page 1 --rect 100,100,300,180)
PYVIS="1/100,100,300,180/Signature1"
for c in $CASES ${GB/1/gb}; do
  [ "$c" = 0 ] && continue
  f=$c.pdf
  label="$c ($(size_mb "$f") MB)"
  if [ "$c" = big ] || [ "$c" = gb ]; then
    timed openssl dgst -sha256 "$f"; sha=$SECS
    row "  openssl dgst -sha256 $label" "$(f3 "$sha")" "$(f0 "$MB")" "" "" ""
  fi
  best "$KYSO" sign "$f" -o "k-$c.pdf" --p12 ee.p12 --level B-B
  ks=$SECS; km=$MB
  if [ "$c" != gb ] || [ "${PYHANKO_GB:-0}" = 1 ]; then
    timed pyhanko sign addsig --field Signature1 pkcs12 --passfile pass.txt "$f" "y-$c.pdf" ee.p12
    row "sign $label" "$(f3 "$ks")" "$(f0 "$km")" "$(f3 "$SECS")" "$(f0 "$MB")" "$(ratio "$SECS" "$ks")"
  else
    row "sign $label" "$(f3 "$ks")" "$(f0 "$km")" "" "" ""
  fi
  if [ "$c" = big ] || [ "$c" = gb ]; then
    ROWS+=("$(printf '  sign / one SHA-256 pass: %.2f' "$(echo "$ks / $sha" | bc -l)")")
  fi
  if [ "$c" != gb ]; then
    best "$KYSO" sign "$f" -o "kv-$c.pdf" --p12 ee.p12 --level B-B "${VIS[@]}"
    ks=$SECS; km=$MB
    timed pyhanko sign addsig --field "$PYVIS" pkcs12 --passfile pass.txt "$f" "yv-$c.pdf" ee.p12
    row "sign visible $label" "$(f3 "$ks")" "$(f0 "$km")" "$(f3 "$SECS")" "$(f0 "$MB")" "$(ratio "$SECS" "$ks")"
  fi
  # kyso verify exits 1 (INDETERMINATE) without revocation data: time it anyway.
  best bash -c '"$0" verify --trust root.pem --offline "$1" >/dev/null; [ $? -le 1 ]' "$KYSO" "k-$c.pdf"
  kv=$SECS; kvm=$MB
  if [ "$c" != gb ] || [ "${PYHANKO_GB:-0}" = 1 ]; then
    timed pyhanko sign validate --trust root.pem "k-$c.pdf"
    grep -q "INTACT" out.txt || { echo "bench-pdf: pyHanko does not find kyso's signature on $c intact" >&2; cat out.txt >&2; exit 1; }
    row "verify $label" "$(f3 "$kv")" "$(f0 "$kvm")" "$(f3 "$SECS")" "$(f0 "$MB")" "$(ratio "$SECS" "$kv")"
  else
    row "verify $label" "$(f3 "$kv")" "$(f0 "$kvm")" "" "" ""
  fi
  if [ "$c" = big ] || [ "$c" = gb ]; then
    ROWS+=("$(printf '  verify / one SHA-256 pass: %.2f (goal ≤ 2)' "$(echo "$kv / $sha" | bc -l)")")
  fi
  eval "kv_$c=$kv; kvm_$c=$kvm"
  if [ "$c" = big ] || [ "$c" = gb ]; then eval "sha_$c=$sha"; fi
  rm -f "y-$c.pdf" "yv-$c.pdf" "kv-$c.pdf"
done

# Ten signatures, each in its own revision (kyso sign, invisible).
cp p1.pdf s0.pdf
for i in $(seq 1 10); do "$KYSO" sign "s$((i - 1)).pdf" -o "s$i.pdf" --p12 ee.p12 --level B-B >/dev/null; done
cp s10.pdf k-ten.pdf
best bash -c '"$0" verify --trust root.pem --offline "$1" >/dev/null; [ $? -le 1 ]' "$KYSO" k-ten.pdf
kv_ten=$SECS; kvm=$MB; kvm_ten=$MB
timed pyhanko sign validate --trust root.pem k-ten.pdf
row "verify 10 signatures, 10 revisions" "$(f3 "$kv_ten")" "$(f0 "$kvm")" "$(f3 "$SECS")" "$(f0 "$MB")" "$(ratio "$SECS" "$kv_ten")"

# pyHanko's in-process validation of kyso's signatures (per file, import
# and trust setup excluded), the fair comparison for `kyso verify`.
cat > validate.py <<'PY'
import sys, time
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
root = load_cert_from_pemder("root.pem")
for f in sys.argv[1:]:
    n = 5 if "p1." in f or "p100." in f or "ten" in f else 1
    t0 = time.perf_counter()
    for _ in range(n):
        vc = ValidationContext(trust_roots=[root])
        with open(f, "rb") as fh:
            for s in PdfFileReader(fh).embedded_signatures:
                st = validate_pdf_signature(s, vc)
                assert st.intact and st.valid, f
    print(f, (time.perf_counter() - t0) / n)
PY
"$PY" validate.py $(for c in $CASES ten; do echo "k-$c.pdf"; done) > inproc.txt

# 200 small documents in one process.
mkdir -p docs ko yo
for i in $(seq -w 1 200); do cp p1.pdf "docs/d$i.pdf"; done
best "$KYSO" sign docs --out-dir ko --p12 ee.p12 --level B-B
kb=$SECS; kbm=$MB
cat > batch.py <<'PY'
import glob, os, sys, time
from pyhanko.sign import signers
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
signer = signers.SimpleSigner.load_pkcs12("ee.p12", passphrase=b"bench")
t0 = time.perf_counter()
for f in sorted(glob.glob("docs/*.pdf")):
    with open(f, "rb") as inf, open(os.path.join("yo", os.path.basename(f)), "wb") as out:
        w = IncrementalPdfFileWriter(inf)
        signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name="Signature1"), signer=signer, output=out)
print(time.perf_counter() - t0)
PY
timed "$PY" batch.py
row "200 small documents, one process" "$(f3 "$kb")" "$(f0 "$kbm")" "$(f3 "$SECS")" "$(f0 "$MB")" "$(ratio "$SECS" "$kb")"
ROWS+=("$(printf '  documents/s: kyso %.0f, pyHanko %.0f (pyHanko signing loop alone: %.2f s)' \
  "$(echo "200 / $kb" | bc -l)" "$(echo "200 / $SECS" | bc -l)" "$(cat out.txt)")")

rsa_sign=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {printf "%.0f", $6}')

cd "$ROOT"
crit() { cargo bench -q -p kyso-sign --bench "$1" -- --noplot --warm-up-time 1 --measurement-time 3 2>/dev/null \
  | grep "time:" | sed -E 's/.*\[[^ ]+ [^ ]+ ([0-9.]+) ([mµu]?s) .*/\1 \2/' || true; }
sign_lines=$(crit sign)
sign_one=$(echo "$sign_lines" | sed -n 1p)
sign_2000=$(echo "$sign_lines" | sed -n 2p)
rsa_one=$(echo "$sign_lines" | sed -n 3p)
verify_lines=$(crit verify)
verify_one=$(echo "$verify_lines" | sed -n 1p)
verify_ten=$(echo "$verify_lines" | sed -n 2p)
to_us() { case "$2" in ms) echo "$1 * 1000" | bc -l;; µs|us) echo "$1";; s) echo "$1 * 1000000" | bc -l;; *) echo 0;; esac; }

echo
echo "kyso PDF benchmark — $(nproc) cores; kyso best of $ROUNDS runs, pyHanko $(pyhanko --version | head -1)"
printf '%-34s %9s %7s %9s %7s %7s\n' "" "kyso s" "kyso MB" "pyHanko s" "MB" "ratio"
printf '%s\n' "${ROWS[@]}"
echo "pyHanko in-process validation (s per file) of kyso's signatures, beside kyso verify (whole process):"
while read -r f s; do
  c=${f#k-}; c=${c%.pdf}; k=$(eval echo "\${kv_$c:-}")
  if [ -n "$k" ]; then
    printf '  %-32s %9.3f   kyso %7.3f   %6.1f× faster\n' "$f" "$s" "$k" "$(echo "$s / $k" | bc -l)"
  else
    printf '  %-32s %9.3f\n' "$f" "$s"
  fi
done < "$W/inproc.txt"
echo "openssl speed rsa2048: $rsa_sign signatures/s (1 core) = $(echo "1000000 / $rsa_sign" | bc -l | xargs printf '%.0f') µs each"
if [ -n "$sign_one" ]; then
  us=$(to_us $sign_one)
  rus=$(to_us ${rsa_one:-0 x})
  echo "in-process, one small document (criterion, files in /dev/shm): sign $sign_one"
  echo "  = $(echo "$us * $rsa_sign / 1000000" | bc -l | xargs printf '%.1f')× openssl's RSA-2048 signature, $(echo "$us / $rus" | bc -l 2>/dev/null | xargs printf '%.1f')× aws-lc's RSA-2048 PSS signature alone (${rsa_one:-n/a})"
  echo "  2,000 pages in-process: ${sign_2000:-n/a} ($(echo "$(to_us ${sign_2000:-0 x}) / $us" | bc -l | xargs printf '%.1f')× one page)"
  echo "  verify in-process: one small document ${verify_one:-n/a}; ten signatures in ten revisions ${verify_ten:-n/a}"
fi

# The goals of issue 9 §4, each with what this run measured.
goal() { # NAME MET(0|1) FIGURE
  printf '  %-58s %s  %s\n' "$1" "$([ "$2" = 1 ] && echo met || echo 'NOT met')" "$3"
}
lt() { [ "$(echo "$1 < $2" | bc -l)" = 1 ] && echo 1 || echo 0; }
inproc() { awk -v f="$1" '$1 == f {print $2}' "$W/inproc.txt"; }
echo "verification goals:"
r=$(echo "$kv_p2000 / $kv_p1" | bc -l)
goal "cost follows the objects touched, not the page count" "$(lt "$r" 3)" \
  "$(printf 'verify 2,000 pages %.3f s = %.1f× 1 page (%.3f s)' "$kv_p2000" "$r" "$kv_p1")"
if [ -n "${kv_manual:-}" ]; then
  y=$(inproc k-manual.pdf)
  r=$(echo "$y / $kv_manual" | bc -l)
  goal "2,415-page manual ≥ 10× faster than pyHanko in-process" "$(lt 10 "$r")" \
    "$(printf 'kyso %.3f s whole process, pyHanko %.3f s in-process: %.1f×' "$kv_manual" "$y" "$r")"
fi
r=$(echo "$kv_big / $sha_big" | bc -l)
goal "large scan verified within 2× one SHA-256 pass" "$(lt "$r" 2)" \
  "$(printf 'big: %.3f s, openssl dgst -sha256 %.3f s: %.2f×' "$kv_big" "$sha_big" "$r")"
if [ -n "${kv_gb:-}" ]; then
  r=$(echo "$kv_gb / $sha_gb" | bc -l)
  goal "1 GB file verified under 200 MB peak RSS" "$(lt "$kvm_gb" 200)" \
    "$(printf 'gb: %.0f MB peak, %.3f s (%.2f× one SHA-256 pass)' "$kvm_gb" "$kv_gb" "$r")"
fi
goal "10 signatures in 10 revisions verified in < 50 ms" "$(lt "$kv_ten" 0.050)" \
  "$(printf '%.1f ms whole process, %.0f MB' "$(echo "$kv_ten * 1000" | bc -l)" "$kvm_ten")"
