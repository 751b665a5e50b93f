#!/usr/bin/env bash
# The load-test kit (issue 15). On a clean checkout it builds guangong and cmd/loadtest,
# generates one county (500 committees, 100,000 activities over 2023–2025, 10,000
# volunteers, 100,000 service-hours records; fixed seed) into a fresh database, makes a
# county clerk and an API token, starts a real `guangong serve`, and runs wrk in interleaved
# rounds: every request once per round, always in the same order. It prints a Markdown table:
# each request's throughput as a share of /healthz in the same round (the median over the
# rounds), p50 and p99, errors, the server's peak RSS, the data set's size, and the results
# of `guangong figures check` and `guangong audit verify` after the run, beside issue 15's
# targets. The machine is shared and noisy: compare the shares, not the raw requests/s.
#
# Usage: scripts/loadtest.sh [--db postgres://…] [--rounds 3] [--duration 10s]
#          [--connections 50] [--threads 2] [--timeout 10s] [--scale 1] [--port 18090] [--keep]
#   --db     a PostgreSQL server's database: the run makes a schema loadtest_… of its own
#            there and drops it at the end. Default: a SQLite file in a temporary directory.
#   --timeout  wrk's: a slower answer is left out of the latencies (the table flags it).
#   --scale  a fraction of the rows (the tree keeps its 500 committees), for a quick try.
#   --keep   keep the temporary directory (database, key, wrk outputs, server log) and schema.
set -euo pipefail
cd "$(dirname "$0")/.."

db='' rounds=3 duration=10s connections=50 threads=2 timeout=10s scale=1 port=18090 keep=0
while [ $# -gt 0 ]; do
  case $1 in
    --db) db=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "loadtest: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $db in
  '') kind=sqlite ;;
  postgres://*|postgresql://*) kind=postgres ;;
  *) echo "loadtest: --db takes a postgres:// URL; SQLite runs in a temporary file of its own" >&2; exit 2 ;;
esac

log() { echo "loadtest: $*" >&2; }

# wrk from Debian's package, as .ci/run installs chromium.
for tool in wrk curl; do
  if ! command -v $tool >/dev/null 2>&1; then
    log "installing $tool"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $tool >/dev/null
  fi
done

work=$(mktemp -d -t guangong-loadtest.XXXXXX)
server='' DSN=''
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -INT "$server"; wait "$server" || true; fi
  if [ "$keep" = 1 ]; then
    log "kept $work${DSN:+ and $DSN}"
    return
  fi
  if [ "$kind" = postgres ] && [ -n "$DSN" ]; then "$work/loadtest" drop --db "$DSN" || log "could not drop the schema of $DSN"; fi
  rm -rf "$work"
}
trap cleanup EXIT

log "building guangong and cmd/loadtest"
export CGO_ENABLED=0
go build -o "$work/guangong" ./cmd/guangong
go build -o "$work/loadtest" ./cmd/loadtest
gg="$work/guangong"

# The environment must not point the commands at another database or key.
unset GUANGONG_DB GUANGONG_DATA_KEY_FILE GUANGONG_ADDR GUANGONG_METRICS GUANGONG_BACKUP_DIR
GUANGONG_DATA_KEY=$(head -c 32 /dev/urandom | base64)
export GUANGONG_DATA_KEY

[ "$kind" = sqlite ] && db="$work/load.db"
"$work/loadtest" generate --db "$db" --out "$work" --scale "$scale" >"$work/vars.sh"
# shellcheck disable=SC1091
. "$work/vars.sh" # DSN, COUNTY, TOWN, VILLAGE, YEAR, IDS_FILE, VILLAGES_FILE

results="$work/results.tsv"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain 2>/dev/null)" ] && commit="$commit (with uncommitted changes)"
{
  printf 'meta\tdb\t%s\n' "$kind"
  printf 'meta\trounds\t%s\n' "$rounds"
  printf 'meta\tduration\t%s\n' "$duration"
  printf 'meta\tconnections\t%s\n' "$connections"
  printf 'meta\tthreads\t%s\n' "$threads"
  printf 'meta\tcommit\t%s\n' "$commit"
  printf 'size\tgenerated\t%s\n' "$("$work/loadtest" size --db "$DSN")"
} >"$results"

log "making a county clerk and an API token"
printf '%s\n' 'Load-Test-Pass-2026' | "$gg" user add --username loadtest --org B431224 --role clerk --db "$DSN" >/dev/null
token=$("$gg" token create --username loadtest --name loadtest --db "$DSN")

log "starting guangong serve on 127.0.0.1:$port"
"$gg" serve --addr "127.0.0.1:$port" --db "$DSN" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" || { log "the server did not get ready"; exit 1; }
printf 'rss\tready\t%s\n' "$(awk '/^VmRSS/ {print $2}' /proc/$server/status)" >>"$results"

base="http://127.0.0.1:$port"
list="/api/v1/events?from=$YEAR-01-01&to=$YEAR-12-31&limit=20"
names=(healthz village village-skiptotal town byid create)
declare -A url mode
url[healthz]="$base/healthz"
url[village]="$base$list&orgId=$VILLAGE"
url[village-skiptotal]="$base$list&orgId=$VILLAGE&skipTotal=true"
url[town]="$base$list&orgId=$TOWN"
url[byid]="$base/api/v1/events/$(head -n 1 "$IDS_FILE")"
url[create]="$base/api/v1/events"
for n in "${names[@]}"; do mode[$n]=get; done
mode[byid]=byid mode[create]=create

# Each request once before the rounds: one the server refuses (an unknown parameter, a
# field it wants) is reported as such, not measured as errors per second.
declare -A skipped
for n in "${names[@]}"; do
  args=(-s -o "$work/probe-$n.txt" -w '%{http_code}' -H "Authorization: Bearer $token")
  if [ "$n" = create ]; then
    args+=(-X POST -H 'Content-Type: application/json' --data "{\"type\":\"activity\",\"orgId\":\"$VILLAGE\",\"category\":\"moral\",\"subcategory\":\"lecture\",\"title\":\"压测宣讲\",\"startsAt\":\"2025-06-01T09:00:00+08:00\",\"endsAt\":\"2025-06-01T11:00:00+08:00\",\"place\":\"村部\",\"status\":\"held\"}")
  fi
  code=$(curl "${args[@]}" "${url[$n]}" || echo 000)
  if [[ $code != 2?? ]]; then
    body=$(head -c 300 "$work/probe-$n.txt" | tr '\t\r\n' '   ')
    log "$n: the server answers HTTP $code ($body): not measured"
    printf 'skip\t%s\t%s\t%s\n' "$n" "$code" "$body" >>"$results"
    skipped[$n]=1
  fi
done

for r in $(seq 1 "$rounds"); do
  for n in "${names[@]}"; do
    [ -n "${skipped[$n]:-}" ] && continue
    tok=$token
    [ "$n" = healthz ] && tok=''
    LT_MODE=${mode[$n]} LT_TOKEN=$tok LT_IDS=$IDS_FILE LT_VILLAGES=$VILLAGES_FILE \
      wrk -t"$threads" -c"$connections" -d"$duration" --timeout "$timeout" --latency -s scripts/loadtest.lua "${url[$n]}" >"$work/wrk-$r-$n.txt"
    res=$(sed -n 's/^LTRESULT //p' "$work/wrk-$r-$n.txt")
    [ -n "$res" ] || { cat "$work/wrk-$r-$n.txt" >&2; log "wrk printed no result for $n"; exit 1; }
    printf 'result\t%s\t%s\t%s\n' "$r" "$n" "$res" >>"$results"
    log "round $r/$rounds $n: $(awk '/^Requests\/sec/ {print $2}' "$work/wrk-$r-$n.txt") req/s"
  done
done

printf 'rss\tpeak\t%s\n' "$(awk '/^VmHWM/ {print $2}' /proc/$server/status)" >>"$results"
kill -INT "$server"
wait "$server" || true
server=''
printf 'size\tafter\t%s\n' "$("$work/loadtest" size --db "$DSN")" >>"$results"

for check in "figures check" "audit verify"; do
  # shellcheck disable=SC2086
  if out=$("$gg" $check --db "$DSN" 2>&1); then status=ok; else status=failed; fi
  printf 'check\t%s\t%s\t%s\n' "$check" "$status" "$(echo "$out" | tail -n 1 | tr '\t' ' ')" >>"$results"
done

echo
"$work/loadtest" report "$results"
