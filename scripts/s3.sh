#!/usr/bin/env bash
# Start or stop a throw-away S3 server (moto_server, from the test venv) on
# loopback for the tests, with one bucket.
#   eval "$(scripts/s3.sh start DIR PORT)"   # exports KYSO_TEST_S3_URL and AWS_*
#   scripts/s3.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?state directory}; port=${3:-55433}
case "$cmd" in
  stop)
    if [ -f "$dir/pid" ]; then
      kill "$(cat "$dir/pid")" 2>/dev/null || true
      rm -f "$dir/pid"
    fi ;;
  start)
    "$0" stop "$dir"
    mkdir -p "$dir"
    MOTO=$(command -v moto_server) || { echo "moto_server not found (pip install 'moto[server]')" >&2; exit 1; }
    "$MOTO" -H 127.0.0.1 -p "$port" >"$dir/log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 100); do
      curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
      sleep 0.1
    done
    curl -fsS -X PUT -o /dev/null "http://127.0.0.1:$port/kyso-test"
    echo "export KYSO_TEST_S3_URL=s3://kyso-test AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ALLOW_HTTP=true AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1" ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
