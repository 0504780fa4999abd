#!/usr/bin/env bash
# Benchmarks kyso's PKI services beside openssl doing the same work, in one
# run on this machine, and prints the figures and ratios.
#
#   scripts/bench.sh            # ~2 minutes
#   DURATION=30 scripts/bench.sh
#   PDF=0 scripts/bench.sh     # without the PDF part (scripts/bench-pdf.sh)
#
# Over HTTP on loopback (wrk, 2 threads, 32 connections):
#   OCSP, cached answers (no nonce)     kyso serve  vs  openssl ocsp -index … -port -multi 2
#   OCSP, fresh answers (nonce)         kyso serve  vs  the same openssl responder
#   time-stamps (RFC 3161, RSA-2048)    kyso serve  vs  openssl ts -reply per query
# and in-process (criterion): certificates issued per second.
# The RSA-2048 signature floor is `openssl speed rsa2048`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kyso-target}"
DURATION="${DURATION:-10}"

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v bc >/dev/null || need+=(bc)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --locked -q -p kyso
KYSO="$CARGO_TARGET_DIR/release/kyso"
W=$(mktemp -d); PIDS=()
# openssl ocsp -multi forks workers: stop them with their parent.
cleanup() { for p in "${PIDS[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"

PORT=$((20000 + RANDOM % 20000)); OPORT=$((PORT + 1))
export KYSO_DATA="$W/data" KYSO_LOG=warn
"$KYSO" ca init --root-key p-384 --base-url "http://127.0.0.1:$PORT" >/dev/null 2>&1
"$KYSO" ca cert root -o root.pem; "$KYSO" ca cert issuing -o issuing.pem; "$KYSO" ca cert tsa -o tsa.pem
openssl req -new -newkey rsa:2048 -nodes -subj "/C=VN/CN=Bench" -keyout ee.key -out ee.csr 2>/dev/null
"$KYSO" ca issue --csr ee.csr -o ee.pem 2>/dev/null
"$KYSO" serve --listen "127.0.0.1:$PORT" >/dev/null & PIDS+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

# openssl's responder for the same certificate, signing with a P-256 key as kyso's does.
serial=$(openssl x509 -in ee.pem -noout -serial | cut -d= -f2)
enddate=$(date -u -d "$(openssl x509 -in ee.pem -noout -enddate | cut -d= -f2)" +%y%m%d%H%M%SZ)
printf 'V\t%s\t\t%s\tunknown\t/C=VN/CN=Bench\n' "$enddate" "$serial" > index.txt
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=openssl responder" \
  -keyout rsp.key -out rsp.pem -days 30 2>/dev/null
openssl ocsp -index index.txt -port "$OPORT" -rsigner rsp.pem -rkey rsp.key -CA issuing.pem \
  -multi 2 -nmin 60 >/dev/null 2>&1 & PIDS+=($!); OCSP_PID=$!
sleep 1

openssl ocsp -issuer issuing.pem -cert ee.pem -no_nonce -reqout ocsp-cached.der >/dev/null
openssl ocsp -issuer issuing.pem -cert ee.pem -nonce -reqout ocsp-nonce.der >/dev/null
echo "Công văn" > doc.txt
openssl ts -query -data doc.txt -sha256 -cert -out q.tsq 2>/dev/null

lua() { cat > "$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "$2"
local f = io.open("$W/$3", "rb"); wrk.body = f:read("*a"); f:close()
LUA
}
lua ocsp-cached application/ocsp-request ocsp-cached.der
lua ocsp-nonce application/ocsp-request ocsp-nonce.der
lua tsa application/timestamp-query q.tsq
rps() { { wrk -t2 -c32 -d"${DURATION}s" -s "$1.lua" "$2" 2>/dev/null || true; } | awk '/Requests\/sec/ {printf "%.0f", $2}'; }

echo "warming up …"; rps ocsp-cached "http://127.0.0.1:$PORT/ocsp" >/dev/null
k_cached=$(rps ocsp-cached "http://127.0.0.1:$PORT/ocsp")
o_cached=$(rps ocsp-cached "http://127.0.0.1:$OPORT/")
k_nonce=$(rps ocsp-nonce "http://127.0.0.1:$PORT/ocsp")
o_nonce=$(rps ocsp-nonce "http://127.0.0.1:$OPORT/")
k_tsa=$(rps tsa "http://127.0.0.1:$PORT/tsa")
# Per core: a second kyso serve (same data, as a replica would) pinned to
# CPU 0, wrk pinned to CPU 1, so the client does not eat the server's core.
k_tsa_core=""
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  # openssl's OCSP workers can keep spinning after wrk's nonce run: stop
  # them so that nothing else runs on the pinned core.
  pkill -P "$OCSP_PID" 2>/dev/null || true; kill "$OCSP_PID" 2>/dev/null || true
  PPORT=$((PORT + 2))
  taskset -c 0 "$KYSO" serve --listen "127.0.0.1:$PPORT" >/dev/null & PIDS+=($!)
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PPORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  k_tsa_core=$({ taskset -c 1 wrk -t1 -c8 -d"${DURATION}s" -s tsa.lua "http://127.0.0.1:$PPORT/tsa" 2>/dev/null || true; } | awk '/Requests\/sec/ {printf "%.0f", $2}')
fi

# openssl ts -reply per query (needs the TSA key: an openssl-made RSA-2048 TSA).
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=openssl TSA" -keyout otsa.key -out otsa.pem -days 30 \
  -addext "extendedKeyUsage=critical,timeStamping" 2>/dev/null
cat > ts.cnf <<CNF
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
serial = $W/tsaserial
signer_cert = $W/otsa.pem
signer_key = $W/otsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.59999.1.2
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
CNF
echo 01 > tsaserial
N=200; t0=$(date +%s.%N)
for _ in $(seq $N); do openssl ts -reply -config ts.cnf -queryfile q.tsq -out /dev/null 2>/dev/null; done
t1=$(date +%s.%N)
o_tsa=$(echo "$N / ($t1 - $t0)" | bc -l | xargs printf "%.0f")
rsa_sign=$(openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {printf "%.0f", $6}')

cd "$ROOT"
issue_line=$(cargo bench -q -p kyso-ca --bench issue -- --noplot 2>/dev/null | grep -m1 "time:" || true)
issue_ms=$(echo "$issue_line" | sed -E 's/.*\[[^ ]+ [^ ]+ ([0-9.]+) ([mµu]?s) .*/\1 \2/')

ratio() { if [ "${2:-0}" -gt 0 ] 2>/dev/null; then echo "$1 / $2" | bc -l | xargs printf "%.1f"; else echo "n/a"; fi; }
echo
echo "kyso PKI benchmark — $(nproc) cores, ${DURATION}s per HTTP run, wrk -t2 -c32"
printf '%-38s %12s %12s %8s\n' "" "kyso/s" "openssl/s" "ratio"
printf '%-38s %12s %12s %8s\n' "OCSP cached (no nonce), HTTP" "$k_cached" "$o_cached" "$(ratio "$k_cached" "$o_cached")"
printf '%-38s %12s %12s %8s\n' "OCSP signed per request (nonce), HTTP" "$k_nonce" "$o_nonce" "$(ratio "$k_nonce" "$o_nonce")"
printf '%-38s %12s %12s %8s\n' "time-stamps RSA-2048, HTTP" "$k_tsa" "$o_tsa" "$(ratio "$k_tsa" "$o_tsa")"
printf '%-38s %12s\n' "openssl speed rsa2048 sign/s (1 core)" "$rsa_sign"
printf '%-38s %12s\n' "time-stamps per core / RSA sign floor" "$(ratio "$k_tsa" "$(( rsa_sign * $(nproc) ))")"
if [ -n "$k_tsa_core" ]; then
  printf '%-38s %12s\n' "time-stamps, 1 core (pinned), HTTP" "$k_tsa_core"
  printf '%-38s %12s\n' "  / RSA sign floor of that core" "$(ratio "$k_tsa_core" "$rsa_sign")"
fi
echo "certificate issuance (criterion, registry on SQLite): ${issue_ms:-n/a} per certificate"

# PDF signing and verification beside pyHanko (issue 3); PDF=0 skips it.
if [ "${PDF:-1}" = 1 ]; then
  echo
  "$ROOT/scripts/bench-pdf.sh"
fi
