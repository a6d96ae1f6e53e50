#!/usr/bin/env bash
# Stop a cluster started by cluster-start.sh: SIGTERM to each process group, SIGKILL after a grace period
# (volume servers and the filer ignore SIGTERM for a long time).   cluster-stop.sh [DIR] [--purge]
set -euo pipefail
dir="${1:-/tmp/quill-seaweedfs-cluster}"
grace="${SEAWEEDFS_STOP_TIMEOUT:-5}"
for name in s3 filer volume2 volume1 volume0 master; do
  pf="$dir/$name.pid"
  [[ -f "$pf" ]] || continue
  pid=$(cat "$pf")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((grace * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pf"
  echo "seaweedfs cluster: stopped $name"
done
[[ "${2:-}" == "--purge" ]] && rm -rf "$dir"
exit 0
