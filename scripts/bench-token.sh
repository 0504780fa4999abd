#!/usr/bin/env bash
# Batch signing with one login: the time to sign 100 PDFs (PAdES B-B) with
# `kyso sign DIR --out-dir`, the same RSA-2048 key once on a SoftHSM2 token
# (--pkcs11, one PIN entry, one session) and once in software (--p12).
#
#   scripts/bench-token.sh              # release build
#   KYSO=path/to/kyso N=100 scripts/bench-token.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kyso-target}"
N="${N:-100}"
if [ -z "${KYSO:-}" ]; then
  cargo build --release --locked -q -p kyso
  KYSO="$CARGO_TARGET_DIR/release/kyso"
fi
MODULE="${KYSO_PKCS11_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cd "$W"
export KYSO_DATA="$W/data" KYSO_LOG=warn SOFTHSM2_CONF="$W/softhsm2.conf" PIN=123456 KYSO_P12_PASSWORD=bench
mkdir tokens; printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$W" > softhsm2.conf
"$KYSO" ca init >/dev/null 2>&1
"$KYSO" ca cert issuing -o issuing.pem; "$KYSO" ca cert root -o root.pem
# One RSA-2048 key: in a PKCS#12 file and imported on the token.
"$KYSO" ca issue --key-type rsa-2048 --subject "CN=Bench, C=VN" --p12 an.p12 -o an.pem >/dev/null 2>&1
openssl pkcs12 -in an.p12 -nocerts -nodes -passin env:KYSO_P12_PASSWORD 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out an.key
softhsm2-util --init-token --free --label bench --so-pin 87654321 --pin "$PIN" >/dev/null
softhsm2-util --import an.key --token bench --label an --id 01 --pin "$PIN" >/dev/null
"$KYSO" token import-cert --module "$MODULE" --token bench --pin-env PIN --key an an.pem \
  --chain issuing.pem --chain root.pem >/dev/null
mkdir in
printf '%%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\ntrailer\n<< /Size 4 /Root 1 0 R >>\n%%%%EOF\n' > one.pdf
# qpdf writes a clean file with xref (exit 3: warnings about the hand-made input).
qpdf one.pdf fixed.pdf 2>/dev/null || [ -s fixed.pdf ]
for i in $(seq -w 1 "$N"); do cp fixed.pdf "in/doc-$i.pdf"; done
t() { local s e; s=$(date +%s.%N); "$@" >>run.log 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
tok=$(t "$KYSO" sign in --out-dir out-token --pkcs11 "$MODULE" --token bench --pin-env PIN)
sw=$(t "$KYSO" sign in --out-dir out-p12 --p12 an.p12)
[ "$(ls out-token | wc -l)" -eq "$N" ] && [ "$(ls out-p12 | wc -l)" -eq "$N" ] || { echo "not all signed:"; tail -5 run.log; exit 1; }
echo "kyso batch signing — $N PDFs, PAdES B-B, RSA-2048 RSASSA-PSS, one process, $(nproc) cores"
printf '%-34s %8.2f s  %6.1f documents/s\n' "SoftHSM2 token, one login" "$tok" "$(echo "$N / $tok" | bc -l)"
printf '%-34s %8.2f s  %6.1f documents/s\n' "same key in software (PKCS#12)" "$sw" "$(echo "$N / $sw" | bc -l)"
