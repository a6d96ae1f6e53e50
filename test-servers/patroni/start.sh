#!/usr/bin/env bash
# Starts etcd and a 3-member Patroni cluster of PostgreSQL 18 on free loopback ports (synchronous mode, WAL archived
# into one archive), and with --haproxy HAProxy in front of it checking Patroni's /primary; waits until it is healthy.
# The cluster is kept by test/support/patroni-keeper.ts (one Node process, STATE_DIR/keeper.pid): its servers die
# with it. Needs install.sh first.
#
#   test-servers/patroni/start.sh [STATE_DIR] [--haproxy]   # default STATE_DIR /tmp/quill-patroni-state
#   source STATE_DIR/env      # DATABASE_URL (every member, target_session_attrs=primary), HAPROXY_DATABASE_URL,
#                             # PATRONI_MEMBERS (name:pg port:REST port:data dir), PATRONI_ARCHIVE_DIR, ETCD_URL, ...
#   test-servers/patroni/stop.sh [STATE_DIR]
#
# Fail the primary over: kill -9 "$(head -1 <data dir of the leader>/postmaster.pid)"; the leader is the member whose
# http://127.0.0.1:<REST port>/primary answers 200.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${1:-/tmp/quill-patroni-state}"
flag="${2:-}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
if [ -f "$dir/keeper.pid" ] && kill -0 "$(cat "$dir/keeper.pid")" 2>/dev/null; then
  echo "patroni: already running (pid $(cat "$dir/keeper.pid")); test-servers/patroni/stop.sh $dir" >&2
  exit 1
fi
test-servers/patroni/install.sh --check >/dev/null
rm -f "$dir/env"
setsid node test/support/patroni-keeper.ts "$dir" $flag > "$dir/keeper.log" 2>&1 < /dev/null &
echo $! > "$dir/keeper.pid"
timeout_s="${QUILL_PATRONI_START_TIMEOUT:-300}"
start=$(date +%s)
until [ -f "$dir/env" ]; do
  if ! kill -0 "$(cat "$dir/keeper.pid")" 2>/dev/null; then echo "patroni: failed to start:" >&2; tail -40 "$dir/keeper.log" >&2; exit 1; fi
  if (( $(date +%s) - start >= timeout_s )); then echo "patroni: not healthy after ${timeout_s}s (see $dir/keeper.log)" >&2; test-servers/patroni/stop.sh "$dir" >&2 || true; exit 1; fi
  sleep 0.5
done
echo "patroni: ready in $(( $(date +%s) - start ))s; source $dir/env" >&2
cat "$dir/env"
