#!/usr/bin/env bash
# Stops what start.sh started: SIGTERM to its keeper, which stops HAProxy, Patroni (and PostgreSQL) and etcd and
# deletes the cluster's directory; SIGKILL after 60 s (the servers then die with it).
#
#   test-servers/patroni/stop.sh [STATE_DIR]   # default /tmp/quill-patroni-state
set -euo pipefail
dir="${1:-/tmp/quill-patroni-state}"
[ -f "$dir/keeper.pid" ] || { echo "patroni: nothing started in $dir" >&2; exit 0; }
pid="$(cat "$dir/keeper.pid")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$dir/keeper.pid" "$dir/env"
echo "patroni: stopped" >&2
