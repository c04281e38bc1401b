#!/usr/bin/env bash
# `npm start` with no DATABASE_URL/REDIS_URL on an empty data folder: must come up (embedded
# PostgreSQL + demo data + engine + console), answer /v1/health and a recommendation request,
# then stop cleanly on SIGINT, embedded PostgreSQL included; a second start must reuse the data.
# Ports differ from the defaults so a
# developer's running instance is not disturbed.
set -Eeuo pipefail
cd "$(dirname "$0")/.."

data_dir="$(mktemp -d /tmp/cascade-smoke.XXXXXX)"
chmod 755 "$data_dir"   # the embedded PostgreSQL runs as the postgres user when we are root
log="$data_dir/start.log"
# Ports from the environment (these defaults), so two checkouts can run it side by side.
engine_port="${SMOKE_ENGINE_PORT:-4290}" console_port="${SMOKE_CONSOLE_PORT:-3290}" pg_port="${SMOKE_PG_PORT:-54391}"
engine="http://127.0.0.1:$engine_port"
key="$(node --import tsx -e 'import("@cascade/core").then((core) => console.log(core.DEMO_API_KEY))')"

start_cascade() {
  : >"$log"
  env -u DATABASE_URL -u REDIS_URL CASCADE_DATA_DIR="$data_dir" ENGINE_PORT="$engine_port" CONSOLE_PORT="$console_port" \
    CASCADE_EMBEDDED_PG_PORT="$pg_port" CASCADE_DEMO_SIZE="${SMOKE_DEMO_SIZE:-default}" LOG_LEVEL=info \
    setsid npm start >"$log" 2>&1 &
  pid=$!
  local began=$SECONDS ready=""
  for _ in $(seq 1 600); do
    if grep -q "Cascade is running" "$log" 2>/dev/null; then ready=1; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 1
  done
  if [ -z "$ready" ]; then echo "npm start did not come up; log:"; tail -50 "$log"; exit 1; fi
  echo "came up after $((SECONDS - began))s"
}

stop_cascade() {
  # Like a terminal's Ctrl-C: SIGINT to the whole process group; wait until every process of it
  # (npm, the engine, the console, PostgreSQL) is gone.
  kill -INT -- -"$pid"
  for _ in $(seq 1 60); do pgrep -g "$pid" >/dev/null || break; sleep 1; done
  if pgrep -g "$pid" >/dev/null; then echo "did not stop within 60s after SIGINT"; pgrep -a -g "$pid"; tail -30 "$log"; exit 1; fi
  if pgrep -f "$data_dir/postgres" >/dev/null; then echo "embedded PostgreSQL still running after stop"; exit 1; fi
  grep -q '"msg":"stopped"' "$log" || { echo "no clean 'stopped' line"; tail -30 "$log"; exit 1; }
  echo "stopped cleanly"
}

pid=""
cleanup() { [ -n "$pid" ] && kill -9 -- -"$pid" 2>/dev/null || true; }
trap cleanup EXIT

echo "-- first start (empty data folder)"
start_cascade
grep -q "loading the demo world" "$log" || { echo "first start did not load the demo world"; exit 1; }

health="$(curl -fsS "$engine/v1/health")"
echo "health: $health"
echo "$health" | grep -q '"mode":"embedded"'
echo "$health" | grep -q '"mode":"memory"'

# Retried on 503 as a client should: a freshly started engine may shed first pages (503 overloaded)
# while its event loop is busy with the warm-up.
recs="$(curl -fsS --retry 10 --retry-delay 1 -X POST "$engine/v1/recommendations" -H "authorization: Bearer $key" \
  -H 'content-type: application/json' -d '{"userId":"user-00001","count":5}')"
echo "recommendations: ${recs:0:300}…"
[ "$(echo "$recs" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).items.length))')" = 5 ]

curl -fsS -o /dev/null -w 'console /login: %{http_code}\n' "http://127.0.0.1:$console_port/login"
stop_cascade

echo "-- second start (reuses the data)"
start_cascade
if grep -q "loading the demo world" "$log"; then echo "second start loaded the demo world again"; exit 1; fi
# Health is "degraded" until the online features are warm (snapshot + the events after it, or a
# full replay when the first start was stopped before its replay finished); then "ok".
began=$SECONDS
until curl -fsS "$engine/v1/health" | grep -q '^{"status":"ok"'; do
  if [ $((SECONDS - began)) -gt 300 ]; then echo "health not ok 300s after the second start:"; curl -sS "$engine/v1/health"; exit 1; fi
  sleep 2
done
echo "second start answered health from the kept data (ok after $((SECONDS - began))s: $(curl -fsS "$engine/v1/health" | grep -o '"onlineFeatures":{[^}]*}'))"
stop_cascade
trap - EXIT
rm -rf "$data_dir"
