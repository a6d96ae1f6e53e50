#!/usr/bin/env bash
# Start a SeaweedFS `weed mini` (S3 API) on 127.0.0.1 for tests and CI.
#
#   test-servers/seaweedfs/start.sh [DIR] [S3_PORT]
#   eval "$(cat DIR/env)"      # or: source DIR/env
#   test-servers/seaweedfs/stop.sh [DIR]
#
# DIR      state directory (default $SEAWEEDFS_STATE_DIR or /tmp/quill-seaweedfs);
#          data lives in DIR/data, so a restart with the same DIR keeps objects.
# S3_PORT  S3 port (default $SEAWEEDFS_S3_PORT or 8333). The instance uses the
#          10 consecutive ports S3_PORT..S3_PORT+9 (master, volume, filer, admin
#          and every gRPC port are pinned there), so give two instances S3 ports
#          at least 10 apart.
# Credentials: $SEAWEEDFS_ACCESS_KEY / $SEAWEEDFS_SECRET_KEY (test defaults below).
# Writes DIR/weed.pid, DIR/weed.log, DIR/s3.json and DIR/env (export lines,
# also printed on stdout). Run build.sh first (start.sh runs it if needed).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dir="${1:-${SEAWEEDFS_STATE_DIR:-/tmp/quill-seaweedfs}}"
s3_port="${2:-${SEAWEEDFS_S3_PORT:-8333}}"
access_key="${SEAWEEDFS_ACCESS_KEY:-quill-test-access-key}"
secret_key="${SEAWEEDFS_SECRET_KEY:-quill-test-secret-key-not-for-production}"
timeout_s="${SEAWEEDFS_START_TIMEOUT:-90}"

if ! [[ "$s3_port" =~ ^[0-9]+$ ]] || (( s3_port < 1024 || s3_port + 9 > 65535 )); then
  echo "seaweedfs: S3 port must be a number in 1024..65526, got '$s3_port'" >&2
  exit 2
fi

if [[ ! -x "$WEED_BIN" ]]; then
  echo "seaweedfs: $WEED_BIN not found, building it first"
  "$SEAWEEDFS_DIR/build.sh"
fi

if [[ -f "$dir/weed.pid" ]] && kill -0 "$(cat "$dir/weed.pid")" 2>/dev/null; then
  echo "seaweedfs: already running with pid $(cat "$dir/weed.pid") (state in $dir); run stop.sh first" >&2
  exit 1
fi

# Ports: S3 first, then the rest pinned so nothing drifts or collides.
master_port=$((s3_port + 1)) volume_port=$((s3_port + 2)) filer_port=$((s3_port + 3)) admin_port=$((s3_port + 4))
s3_grpc=$((s3_port + 5)) master_grpc=$((s3_port + 6)) volume_grpc=$((s3_port + 7)) filer_grpc=$((s3_port + 8)) admin_grpc=$((s3_port + 9))
for port in $(seq "$s3_port" $((s3_port + 9))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "seaweedfs: port $port (in $s3_port..$((s3_port + 9))) is already in use; pick another S3 port" >&2
    exit 1
  fi
done
mkdir -p "$dir/data"
dir="$(cd "$dir" && pwd)"
pid_file="$dir/weed.pid"

echo "$s3_port $master_port $volume_port $filer_port $admin_port $s3_grpc $master_grpc $volume_grpc $filer_grpc $admin_grpc" > "$dir/ports"

umask 077
cat > "$dir/s3.json" <<JSON
{"identities":[{"name":"quill","credentials":[{"accessKey":"$access_key","secretKey":"$secret_key"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON

: > "$dir/weed.log"
# setsid: weed leads its own process group, so stop.sh can signal the whole group.
setsid "$WEED_BIN" -logtostderr=true mini \
  -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -s3.port="$s3_port" -s3.port.grpc="$s3_grpc" -s3.config="$dir/s3.json" \
  -s3.port.iceberg=0 -s3.port.lance=0 -s3.localSocket="$dir/s3.sock" \
  -master.port="$master_port" -master.port.grpc="$master_grpc" -master.telemetry=false \
  -volume.port="$volume_port" -volume.port.grpc="$volume_grpc" \
  -filer.port="$filer_port" -filer.port.grpc="$filer_grpc" -filer.localSocket="$dir/filer.sock" \
  -admin.ui=false -admin.port="$admin_port" -admin.port.grpc="$admin_grpc" -admin.port.legacy=0 \
  -webdav=false \
  >> "$dir/weed.log" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$pid_file"
echo "seaweedfs: started weed mini (pid $pid), waiting for S3 on 127.0.0.1:$s3_port (log: $dir/weed.log)"

start=$(date +%s)
endpoint="http://127.0.0.1:$s3_port"
until grep -q 'running and ready to use' "$dir/weed.log" \
  && [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
          --aws-sigv4 'aws:amz:us-east-1:s3' --user "$access_key:$secret_key" "$endpoint/")" == 200 ]]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "seaweedfs: weed exited during startup; last log lines:" >&2
    tail -n 40 "$dir/weed.log" >&2
    rm -f "$pid_file"
    exit 1
  fi
  if (( $(date +%s) - start >= timeout_s )); then
    echo "seaweedfs: not ready after ${timeout_s}s; last log lines:" >&2
    tail -n 40 "$dir/weed.log" >&2
    "$SEAWEEDFS_DIR/stop.sh" "$dir" >&2 || true
    exit 1
  fi
  sleep 0.2
done

cat > "$dir/env" <<ENV
export AWS_ENDPOINT_URL_S3=$endpoint
export S3_ENDPOINT=$endpoint
export AWS_ACCESS_KEY_ID=$access_key
export AWS_SECRET_ACCESS_KEY=$secret_key
export AWS_REGION=us-east-1
export S3_FORCE_PATH_STYLE=true
ENV
echo "seaweedfs: ready in $(( $(date +%s) - start ))s at $endpoint; env written to $dir/env:"
cat "$dir/env"
