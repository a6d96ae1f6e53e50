#!/usr/bin/env bash
# Stop a MinIO deployment started by start.sh: SIGTERM to each process group, SIGKILL after ${MINIO_STOP_TIMEOUT:-10}s.
#   test-servers/minio/stop.sh [DIR] [--purge]      (--purge also deletes DIR: drives, certificates, mc config)
set -euo pipefail
dir="${1:-/tmp/quill-minio}"
grace="${MINIO_STOP_TIMEOUT:-10}"
for pf in "$dir"/minio-*.pid; do
  [[ -f "$pf" ]] || continue
  pid=$(cat "$pf")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((grace * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    echo "minio: stopped $(basename "$pf" .pid) (pid $pid)"
  fi
  rm -f "$pf"
done
if [[ "${2:-}" == "--purge" ]]; then rm -rf "$dir"; echo "minio: removed $dir"; fi
exit 0
