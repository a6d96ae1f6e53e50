#!/usr/bin/env bash
# Stop a cluster started by cluster-start.sh: SIGTERM to each process group, SIGKILL after a grace period
# (volume servers and the filer ignore SIGTERM for a long time).   cluster-stop.sh [DIR] [--purge]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../stop-group.sh"
dir="${1:-/tmp/quill-seaweedfs-cluster}"
for name in s3 filer volume2 volume1 volume0 master; do
  stop_pid_file "$dir/$name.pid" "${SEAWEEDFS_STOP_TIMEOUT:-5}" && echo "seaweedfs cluster: stopped $name"
done
[[ "${2:-}" == "--purge" ]] && rm -rf "$dir"
exit 0
