#!/usr/bin/env bash
# Stops a HAPI FHIR server started by start.sh: SIGTERM, then SIGKILL after 30 s.
#
#   stop.sh [port] [--purge]    port defaults to 8080; --purge also deletes the run dir (log + H2 database)
set -euo pipefail
port=8080
purge=0
for arg in "$@"; do
  case "$arg" in
    --purge) purge=1 ;;
    *) [[ "$arg" =~ ^[0-9]{1,5}$ ]] || { echo "usage: $0 [port] [--purge]" >&2; exit 2; }; port="$arg" ;;
  esac
done
dir="${QUILL_HAPI_RUN_DIR:-${TMPDIR:-/tmp}/quill-hapi-$port}"
if [ -f "$dir/hapi.pid" ]; then
  pid="$(cat "$dir/hapi.pid")"
  # Only signal the pid if it is still the java process start.sh launched.
  if kill -0 "$pid" 2>/dev/null && grep -q "quill-test-fhir.jar" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "hapi-fhir: pid $pid ignored SIGTERM for 30 s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "hapi-fhir: stopped pid $pid (port $port)" >&2
  else
    echo "hapi-fhir: pid $pid from $dir/hapi.pid is not running" >&2
  fi
  rm -f "$dir/hapi.pid"
else
  echo "hapi-fhir: nothing to stop ($dir/hapi.pid not found)" >&2
fi
if [ "$purge" = 1 ]; then rm -rf "$dir"; fi
