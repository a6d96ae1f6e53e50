#!/usr/bin/env bash
# Starts the test-only HAPI FHIR server on 127.0.0.1:<port> (default 8080) in the background and waits until
# GET /fhir/metadata answers 200. Builds it first if this source tree is not cached yet (see build.sh).
#
#   start.sh [port]     prints the FHIR base URL (http://127.0.0.1:<port>/fhir) on stdout
#
# State lives in ${QUILL_HAPI_RUN_DIR:-${TMPDIR:-/tmp}/quill-hapi-<port>}: hapi.pid, hapi.log and the H2 database
# (wiped on each start unless QUILL_HAPI_KEEP_DATA=1). Stop it with stop.sh <port>.
# Env: QUILL_HAPI_JAVA_OPTS (default: -Xmx768m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC),
#      QUILL_HAPI_START_TIMEOUT seconds (default 180), QUILL_HAPI_DB_URL (default: H2 file in the run dir).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
port="${1:-8080}"
[[ "$port" =~ ^[0-9]{1,5}$ ]] || { echo "usage: $0 [port]" >&2; exit 2; }
dir="${QUILL_HAPI_RUN_DIR:-${TMPDIR:-/tmp}/quill-hapi-$port}"
timeout="${QUILL_HAPI_START_TIMEOUT:-180}"
base="http://127.0.0.1:$port/fhir"

if [ -f "$dir/hapi.pid" ] && kill -0 "$(cat "$dir/hapi.pid")" 2>/dev/null; then
  echo "hapi-fhir: already running (pid $(cat "$dir/hapi.pid")) from $dir; stop it with $here/stop.sh $port" >&2
  exit 1
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "hapi-fhir: port $port on 127.0.0.1 is already in use" >&2
  exit 1
fi

jar="$("$here/build.sh" | tail -n 1)"
mkdir -p "$dir"
if [ "${QUILL_HAPI_KEEP_DATA:-0}" != "1" ]; then rm -f "$dir"/fhir.*.db; fi
read -r -a java_opts <<<"${QUILL_HAPI_JAVA_OPTS:--Xmx768m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"

started=$(date +%s)
(
  cd "$dir"
  QUILL_HAPI_PORT="$port" QUILL_HAPI_DB_URL="${QUILL_HAPI_DB_URL:-jdbc:h2:file:$dir/fhir}" \
    exec nohup java "${java_opts[@]}" -jar "$jar" "$port" </dev/null >"$dir/hapi.log" 2>&1
) &
pid=$!
echo "$pid" >"$dir/hapi.pid"
echo "hapi-fhir: starting pid $pid on $base (log: $dir/hapi.log)" >&2

while :; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "hapi-fhir: exited before it was ready; last log lines:" >&2
    tail -n 40 "$dir/hapi.log" >&2
    rm -f "$dir/hapi.pid"
    exit 1
  fi
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$base/metadata" || true)"
  if [ "$code" = "200" ]; then break; fi
  if [ $(( $(date +%s) - started )) -ge "$timeout" ]; then
    echo "hapi-fhir: /fhir/metadata not 200 after ${timeout}s (last: $code); stopping it. Last log lines:" >&2
    tail -n 40 "$dir/hapi.log" >&2
    "$here/stop.sh" "$port" >&2 || true
    exit 1
  fi
  sleep 1
done
echo "hapi-fhir: ready after $(( $(date +%s) - started ))s" >&2
echo "$base"
