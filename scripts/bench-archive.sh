#!/usr/bin/env bash
# Backup and restore throughput of `kyso backup` / `kyso restore` beside
# tar of the same files, the time of an incremental backup after 100
# new documents, and the search index of those documents (`kyso search
# reindex` time and size, query latency through the API) (issue 13,
# benchmark). SQLite and a directory target. The index alone at 100,000
# documents: crates/kyso-store/benches/search_index.rs.
#   scripts/bench-archive.sh            # DOCS=10000 documents of KB=100 KiB
#   DOCS=1000 KB=100 scripts/bench-archive.sh
# Needs a release build (cargo build --release -p kyso) and python3 with
# requests (the test venv: KYSO_TEST_PYTHON).
set -euo pipefail
DOCS=${DOCS:-10000}; KB=${KB:-100}
KYSO=${KYSO:-target/release/kyso}
PY=${KYSO_TEST_PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/kyso-bench-archive.XXXXXX)
SRV=; trap 'kill ${SRV:-} 2>/dev/null || true; rm -rf "$W"' EXIT
export KYSO_LOG=warn KYSO_ADMIN_PASSWORD='Bench-pass-2026!'
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
D=$W/data
"$KYSO" --data "$D" ca init --root-key p-256 --issuing-key p-256 --tsa-key p-256 \
  --base-url "http://127.0.0.1:$PORT" >/dev/null 2>&1
"$KYSO" --data "$D" office init --code 000.00.00.H45 --name "UBND tỉnh" --short-name UBND \
  --admin quantri --admin-name "Quản trị" >/dev/null
"$KYSO" --data "$D" ca cert root -o "$W/root.pem" >/dev/null
serve() {
  "$KYSO" --data "$D" serve --listen "127.0.0.1:$PORT" --login-rate 100000 >/dev/null &
  SRV=$!
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && return; sleep 0.1; done
  echo "kyso serve did not start" >&2; exit 1
}
now() { date +%s.%N; }
mbs() { python3 -c "import sys; b,t=float(sys.argv[1]),float(sys.argv[2]); print(f'{b/1e6/t:.1f} MB/s ({b/1e6:.0f} MB in {t:.2f} s)')" "$1" "$2"; }

serve
t0=$(now); "$PY" "$here/bench-archive-load.py" "http://127.0.0.1:$PORT" "$DOCS" "$KB"; t1=$(now)
kill $SRV; wait $SRV 2>/dev/null || true
echo "loaded $DOCS documents of ~$KB KiB in $(python3 -c "print(f'{$t1-$t0:.0f}')") s"
bytes=$(du -sb "$D" | cut -f1)

# Search: the first rebuild reads every PDF's text; a second one takes it
# from the database (what a new replica or a restore does).
rm -rf "$D/search"
t0=$(now); "$KYSO" --data "$D" search reindex >/dev/null; t1=$(now)
echo "kyso search reindex (text read from $DOCS PDFs): $(python3 -c "print(f'{$t1-$t0:.1f}')") s"
t0=$(now); "$KYSO" --data "$D" search reindex >/dev/null; t1=$(now)
echo "kyso search reindex (text from the database): $(python3 -c "print(f'{$t1-$t0:.1f}')") s, index $(du -sh "$D/search" | cut -f1)"
serve
"$PY" "$here/bench-search-query.py" "http://127.0.0.1:$PORT" 1000
kill $SRV; wait $SRV 2>/dev/null || true

t0=$(now); "$KYSO" --data "$D" backup --to "$W/bk" --full >/dev/null; t1=$(now)
echo "kyso backup (full):   $(mbs "$bytes" "$(python3 -c "print($t1-$t0)")")"
t0=$(now); tar -C "$W" -cf "$W/data.tar" data; sync; t1=$(now)
echo "tar cf:               $(mbs "$bytes" "$(python3 -c "print($t1-$t0)")")"
t0=$(now); "$KYSO" --data "$D" backup verify --from "$W/bk" >/dev/null; t1=$(now)
echo "kyso backup verify:   $(mbs "$bytes" "$(python3 -c "print($t1-$t0)")")"
t0=$(now); "$KYSO" --data "$W/restored" restore --from "$W/bk" --trust "$W/root.pem" >/dev/null; t1=$(now)
echo "kyso restore:         $(mbs "$bytes" "$(python3 -c "print($t1-$t0)")")"
mkdir -p "$W/untar"
t0=$(now); tar -C "$W/untar" -xf "$W/data.tar"; sync; t1=$(now)
echo "tar xf:               $(mbs "$bytes" "$(python3 -c "print($t1-$t0)")")"
rm -rf "$W/restored" "$W/untar" "$W/data.tar"

serve
"$PY" "$here/bench-archive-load.py" "http://127.0.0.1:$PORT" 100 "$KB"
kill $SRV; wait $SRV 2>/dev/null || true
t0=$(now); "$KYSO" --data "$D" backup --to "$W/bk" --incremental >/dev/null; t1=$(now)
echo "kyso backup (incremental, 100 new documents): $(python3 -c "print(f'{$t1-$t0:.2f}')") s"
echo "backup target: $(du -sh "$W/bk" | cut -f1)"
