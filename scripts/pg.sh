#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL on loopback for the tests.
#   eval "$(scripts/pg.sh start DIR PORT)"   # exports KYSO_TEST_PG_URL
#   scripts/pg.sh stop DIR
# Superuser `kyso`, trust authentication on 127.0.0.1 only, no fsync
# (PG_DURABLE=1: fsync and synchronous commit on, for benchmarks).
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}; port=${3:-55432}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
RUNAS=()
if [ "$(id -u)" -eq 0 ]; then RUNAS=(runuser -u postgres --); fi
case "$cmd" in
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    fi ;;
  start)
    "$0" stop "$dir"
    rm -rf "$dir"; mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    "${RUNAS[@]}" "$PGBIN/initdb" -D "$dir/data" -U kyso --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fast="-c fsync=off -c synchronous_commit=off"
    if [ "${PG_DURABLE:-0}" = 1 ]; then fast=""; fi
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 $fast" \
      start >/dev/null
    "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U kyso kyso_test
    echo "export KYSO_TEST_PG_URL=postgres://kyso@127.0.0.1:$port/kyso_test" ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
