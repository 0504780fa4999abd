#!/usr/bin/env bash
# Document office benchmark (issue 10): documents issued per second end to
# end and request latency with 32 concurrent API clients, on SQLite, on
# PostgreSQL, and with 2 `kyso serve` replicas on one PostgreSQL.
#
#   scripts/bench-office.sh                 # 500 documents per setup
#   DOCS=1000 CLIENTS=32 scripts/bench-office.sh
#   SETUPS="sqlite pg" scripts/bench-office.sh
#   BUILD=0 scripts/bench-office.sh          # use the release build as it is
#
# Each setup is a fresh deployment on loopback (release build): `kyso ca
# init`, `kyso office init`, `kyso serve` (one or two processes sharing the
# database and the blob directory), then the load driver
# (crates/kyso/examples/office_load.rs) sets up a sender agency with its
# clerk, seal key and image and 5 recipient agencies over the API, and its
# clients each take documents through upload of a scan (one A4 page at 200
# dpi, ~590 KiB) → number and seal with the organization key (PAdES with a
# time-stamp from kyso's TSA) → issue (verify, deliver to the 5
# recipients' queues with the verification report, time-stamp, audit).
# A warm-up round of CLIENTS documents is not counted. After each setup the
# servers are stopped and `kyso audit verify` must pass.
#
# PostgreSQL: started here (scripts/pg.sh with PG_DURABLE=1: fsync and
# synchronous commit on, as in production), or the server of
# KYSO_BENCH_PG_URL (an administrator URL; a database is created per setup).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kyso-target}"
DOCS="${DOCS:-500}"
CLIENTS="${CLIENTS:-32}"
SETUPS="${SETUPS:-sqlite pg pg2}"

[ "${BUILD:-1}" = 0 ] || cargo build --release --locked -q -p kyso --bin kyso --example office_load
KYSO="$CARGO_TARGET_DIR/release/kyso"
LOAD="$CARGO_TARGET_DIR/release/examples/office_load"
W=$(mktemp -d "${TMPDIR:-/tmp}/kyso-bench-office.XXXXXX")
chmod 755 "$W"  # PostgreSQL runs as its own user
PIDS=()
stop_servers() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_servers
  if [ -n "${OWN_PG:-}" ]; then "$ROOT/scripts/pg.sh" stop "$W/pg"; fi
  rm -rf "$W"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PG_ADMIN="${KYSO_BENCH_PG_URL:-}"
case " $SETUPS " in *" pg"*)
  if [ -z "$PG_ADMIN" ]; then
    OWN_PG=1
    eval "$(PG_DURABLE=1 "$ROOT/scripts/pg.sh" start "$W/pg" "$(free_port)")"
    PG_ADMIN=$KYSO_TEST_PG_URL
  fi ;;
esac

export KYSO_LOG=warn KYSO_ADMIN_PASSWORD='mật khẩu thử tải 2026'
# The CA keys' password (kyso ca init, kyso serve); the administrator's is
# read by `kyso office init` from KYSO_ADMIN_PASSWORD.
export KYSO_KEY_PASSWORD='khóa CA thử tải 2026'
unset KYSO_DATA KYSO_BLOBS

# bench LABEL DB-URL REPLICAS [--header]
bench() {
  local label=$1 db=$2 replicas=$3 header=${4:-}
  local data="$W/$label/data" ports=() bases=()
  mkdir -p "$W/$label"
  for _ in $(seq 1 "$replicas"); do ports+=("$(free_port)"); done
  local k=("$KYSO" --data "$data" --db "$db")
  "${k[@]}" ca init --root-key p-256 --issuing-key p-256 --tsa-key p-256 \
    --organization "Sở Khoa học và Công nghệ (thử tải)" \
    --base-url "http://127.0.0.1:${ports[0]}" >/dev/null 2>&1
  "${k[@]}" office init --code 000.00.00.H45 --name "Ủy ban nhân dân tỉnh (thử tải)" \
    --short-name UBND --admin quantri --admin-name "Quản trị" >/dev/null
  for p in "${ports[@]}"; do
    "${k[@]}" serve --listen "127.0.0.1:$p" --login-rate 1000 >"$W/$label/serve-$p.log" 2>&1 &
    PIDS+=($!)
    bases+=(--base "http://127.0.0.1:$p")
    for _ in $(seq 1 200); do
      curl -fsS -o /dev/null "http://127.0.0.1:$p/healthz" 2>/dev/null && break
      sleep 0.1
    done
  done
  "$LOAD" "${bases[@]}" --docs "$DOCS" --clients "$CLIENTS" --label "$label" $header
  stop_servers
  "${k[@]}" audit verify >"$W/$label/audit.txt" || { cat "$W/$label/audit.txt" >&2; exit 1; }
}

echo "kyso office benchmark: $(date -u +%FT%TZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $DOCS documents, $CLIENTS clients, load $(cut -d' ' -f1-3 /proc/loadavg)"
first=--header
for s in $SETUPS; do
  case "$s" in
    sqlite) bench sqlite "sqlite://$W/sqlite/kyso.db?mode=rwc" 1 $first ;;
    pg|pg2)
      name="kyso_bench_${s}_$$"
      psql "$PG_ADMIN" -q -c "CREATE DATABASE $name"
      n=1; [ "$s" = pg2 ] && n=2
      bench "postgres-x$n" "${PG_ADMIN%/*}/$name" "$n" $first ;;
    *) echo "unknown setup $s (sqlite, pg, pg2)" >&2; exit 2 ;;
  esac
  first=
done
