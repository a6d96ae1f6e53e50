#!/usr/bin/env bash
# Stop a SeaweedFS instance started by start.sh: SIGTERM to its process group,
# SIGKILL after ${SEAWEEDFS_STOP_TIMEOUT:-15}s, then remove its gRPC socket files.
#   test-servers/seaweedfs/stop.sh [DIR]     (add --purge to also delete DIR)
set -euo pipefail

dir="${1:-${SEAWEEDFS_STATE_DIR:-/tmp/quill-seaweedfs}}"
purge=0
[[ "${2:-}" == "--purge" ]] && purge=1
timeout_s="${SEAWEEDFS_STOP_TIMEOUT:-15}"
pid_file="$dir/weed.pid"

if [[ -f "$pid_file" ]]; then
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((timeout_s * 5))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "seaweedfs: pid $pid ignored SIGTERM for ${timeout_s}s, sending SIGKILL" >&2
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "seaweedfs: stopped pid $pid"
  else
    echo "seaweedfs: pid $pid is not running"
  fi
  rm -f "$pid_file"
else
  echo "seaweedfs: no pid file in $dir, nothing to stop"
fi

# gRPC unix sockets live at fixed /tmp paths keyed by port; a killed weed leaves them behind.
if [[ -f "$dir/ports" ]]; then
  read -r _ _ _ _ _ s3_grpc master_grpc volume_grpc filer_grpc admin_grpc < "$dir/ports"
  rm -f "/tmp/seaweedfs-s3-grpc-$s3_grpc.sock" "/tmp/seaweedfs-master-grpc-$master_grpc.sock" \
        "/tmp/seaweedfs-volume-grpc-$volume_grpc.sock" "/tmp/seaweedfs-filer-grpc-$filer_grpc.sock" \
        "/tmp/seaweedfs-admin-grpc-$admin_grpc.sock"
fi
rm -f "$dir/s3.sock" "$dir/filer.sock"
if (( purge )); then
  rm -rf "$dir"
  echo "seaweedfs: removed $dir"
fi
