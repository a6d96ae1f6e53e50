#!/usr/bin/env bash
# Stop a MinIO deployment started by start.sh: SIGTERM to each process group, SIGKILL after ${MINIO_STOP_TIMEOUT:-10}s.
#   test-servers/minio/stop.sh [DIR] [--purge]      (--purge also deletes DIR: drives, certificates, mc config)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../stop-group.sh"
dir="${1:-/tmp/quill-minio}"
for pf in "$dir"/minio-*.pid; do
  stop_pid_file "$pf" "${MINIO_STOP_TIMEOUT:-10}" && echo "minio: stopped $(basename "$pf" .pid)"
done
if [[ "${2:-}" == "--purge" ]]; then rm -rf "$dir"; echo "minio: removed $dir"; fi
exit 0
