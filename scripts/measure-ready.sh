#!/usr/bin/env bash
# Measures `guangong serve`: milliseconds from exec until /readyz answers 200, then the
# resident memory after 5 s idle. Usage: scripts/measure-ready.sh ./guangong DB [PORT]
set -euo pipefail
bin=$1 db=$2 port=${3:-18081}
"$bin" migrate --db "$db" >/dev/null
start=$(date +%s%N)
"$bin" serve --addr "127.0.0.1:$port" --db "$db" >/dev/null 2>&1 &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.005; done
end=$(date +%s%N)
echo "ready_ms=$(( (end - start) / 1000000 ))"
sleep 5
echo "idle_rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
