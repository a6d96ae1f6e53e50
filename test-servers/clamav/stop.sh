#!/usr/bin/env bash
# Stop a clamd started by start.sh: SIGTERM, then SIGKILL after 10 s. --purge deletes DIR.
set -euo pipefail
dir="${1:?usage: stop.sh DIR [--purge]}"
if [[ -f "$dir/clamd.pid" ]]; then
  pid="$(cat "$dir/clamd.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/clamd.pid"
fi
if [[ "${2:-}" == "--purge" ]]; then rm -rf "$dir"; fi
