#!/usr/bin/env bash
# Measures `guangong serve`: milliseconds from exec until /readyz answers 200, then the
# resident memory after 5 s idle: in all, then its two parts, the process's own (anonymous:
# heap, stacks, SQLite's caches) and the pages of the binary it has read (file-backed, shared
# with the page cache). Usage: scripts/measure-ready.sh ./guangong DB [PORT]
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
echo "idle_rss_anon_kb=$(awk '/RssAnon/ {print $2}' /proc/$pid/status) idle_rss_file_kb=$(awk '/RssFile/ {print $2}' /proc/$pid/status)"
