#!/usr/bin/env bash
# The cost of one time-stamp in kyso serve, in CPU instructions, beside
# the RSA-2048 signature inside it. Instruction counts (valgrind callgrind)
# do not depend on what else the machine is doing, so this figure can be
# re-run anywhere: time-stamps per second per core ≈ (RSA-2048 signatures
# per second per core) × (RSA share printed here).
#
#   scripts/bench-tsa-cost.sh        # ~2 minutes; needs valgrind, wrk, openssl
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kyso-target}"
need=()
for t in valgrind wrk openssl curl bc; do command -v "$t" >/dev/null || need+=("$t"); done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
cargo build --release --locked -q -p kyso
KYSO="$CARGO_TARGET_DIR/release/kyso"
W=$(mktemp -d); VG=""
cleanup() { [ -n "$VG" ] && kill "$VG" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"
PORT=$((20000 + RANDOM % 20000))
export KYSO_DATA="$W/data" KYSO_LOG=warn KYSO_KEY_PASSWORD=bench
"$KYSO" ca init --root-key p-384 --base-url "http://127.0.0.1:$PORT" >/dev/null 2>&1
echo "Công văn" > doc.txt
openssl ts -query -data doc.txt -sha256 -cert -out q.tsq 2>/dev/null
cat > tsa.lua <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/timestamp-query"
local f = io.open("$W/q.tsq", "rb"); wrk.body = f:read("*a"); f:close()
LUA
# Instrumentation starts once the server is up (start-up, key decryption excluded).
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$W/cg.out" \
  "$KYSO" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$W/vg.log" & VG=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
callgrind_control -i on "$VG" >/dev/null
{ wrk -t1 -c4 -d15s -s tsa.lua "http://127.0.0.1:$PORT/tsa" 2>/dev/null || true; } > wrk.txt
callgrind_control -d "$VG" >/dev/null
kill "$VG"; wait "$VG" 2>/dev/null || true; VG=""
f=$(ls -S "$W"/cg.out* | head -1)
total=$(callgrind_annotate "$f" | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1; exit}')
rsa=$(callgrind_annotate --inclusive=yes "$f" | grep -E 'RSA_sign \[' | head -1 | awk '{gsub(",","",$1); print $1}')
n=$(awk '/requests in/ {print $1}' wrk.txt)
echo "kyso TSA cost (callgrind, RSA-2048 TSA key, HTTP POST on loopback, whole server process)"
echo "  requests answered:                   $n"
echo "  instructions per time-stamp:         $((total / n))"
echo "  of which the RSA-2048 signature:     $((rsa / n))"
echo "  RSA share of a time-stamp:           $(echo "$rsa / $total" | bc -l | xargs printf '%.3f')"
sign=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {printf "%.0f", $6}')
echo "  openssl speed rsa2048 (1 core):      $sign sign/s"
echo "  ⇒ time-stamps per core ≈ $(echo "$sign * $rsa / $total" | bc -l | xargs printf '%.0f')/s"
