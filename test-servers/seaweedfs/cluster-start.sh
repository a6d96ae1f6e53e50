#!/usr/bin/env bash
# Start a SeaweedFS cluster on 127.0.0.1 from the same cached `weed` binary as start.sh: one master (default
# replication 001: each volume also on a second volume server), three volume servers, a filer, and the S3 gateway.
#
#   test-servers/seaweedfs/cluster-start.sh [DIR] [S3_PORT]
#   source DIR/env
#   test-servers/seaweedfs/cluster-stop.sh [DIR]
#
# DIR      state directory (default /tmp/quill-seaweedfs-cluster); each process keeps its data in DIR/<name>.
# S3_PORT  S3 port (default 8433). The cluster uses 14 consecutive ports from S3_PORT: s3, s3 gRPC, master, master
#          gRPC, filer, filer gRPC, then port and gRPC port of volume servers 0, 1 and 2.
# Writes DIR/<name>.pid and DIR/<name>.log per process, DIR/s3.json, and DIR/env (export lines).
# WEED_S3_SSE_KEK (64 hex) is the SSE-S3 key-encryption key: give your own outside tests, kept elsewhere.
# -volume.allowUntrustedRemoteEndpoints lets volume servers copy EC shards from loopback peers (ec.encode here);
# a production cluster on a private network does not need it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dir="${1:-/tmp/quill-seaweedfs-cluster}"
p="${2:-8433}"
access_key="${SEAWEEDFS_ACCESS_KEY:-quill-test-access-key}"
secret_key="${SEAWEEDFS_SECRET_KEY:-quill-test-secret-key-not-for-production}"
export WEED_S3_SSE_KEK="${WEED_S3_SSE_KEK:-a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a}"
timeout_s="${SEAWEEDFS_START_TIMEOUT:-90}"

[[ -x "$WEED_BIN" ]] || { echo "seaweedfs: $WEED_BIN not found; run build.sh" >&2; exit 1; }
for port in $(seq "$p" $((p + 13))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "seaweedfs: port $port in use; pick another S3 port" >&2; exit 1; fi
done
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
s3=$p s3g=$((p + 1)) m=$((p + 2)) mg=$((p + 3)) f=$((p + 4)) fg=$((p + 5))
master="127.0.0.1:$m.$mg"
umask 077
cat > "$dir/s3.json" <<JSON
{"identities":[{"name":"quill","credentials":[{"accessKey":"$access_key","secretKey":"$secret_key"}],"actions":["Admin","Read","Write","List","Tagging"]}]}
JSON

run() { # name, args...: one process in its own process group, stdio redirected (volume and filer ignore SIGTERM a while)
  local name=$1; shift
  mkdir -p "$dir/$name"
  setsid "$WEED_BIN" -logtostderr=true "$@" > "$dir/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}
wait_http() { # what, url
  local start; start=$(date +%s)
  until curl -s -o /dev/null --max-time 2 "$2"; do
    if (( $(date +%s) - start >= timeout_s )); then echo "seaweedfs: $1 not ready after ${timeout_s}s (see $dir/*.log)" >&2; "$SEAWEEDFS_DIR/cluster-stop.sh" "$dir" >&2 || true; exit 1; fi
    sleep 0.2
  done
}
net=(-ip=127.0.0.1 -ip.bind=127.0.0.1)
run master master "${net[@]}" -port=$m -port.grpc=$mg -mdir="$dir/master" -defaultReplication=001 -volumeSizeLimitMB=64 -telemetry=false
wait_http master "http://127.0.0.1:$m/cluster/status"
for i in 0 1 2; do
  vp=$((p + 6 + 2 * i)) vg=$((p + 7 + 2 * i))
  run "volume$i" volume "${net[@]}" -port=$vp -port.grpc=$vg -dir="$dir/volume$i" -max=20 -master="$master" -minFreeSpace=1 -volume.allowUntrustedRemoteEndpoints
  wait_http "volume server $i" "http://127.0.0.1:$vp/status"
done
run filer filer "${net[@]}" -port=$f -port.grpc=$fg -master="$master" -defaultStoreDir="$dir/filer" -localSocket="$dir/filer.sock"
wait_http filer "http://127.0.0.1:$f/"
run s3 s3 "${net[@]}" -port=$s3 -port.grpc=$s3g -filer="127.0.0.1:$f.$fg" -config="$dir/s3.json" -port.iceberg=0 -port.lance=0 -localSocket="$dir/s3.sock"
start=$(date +%s)
until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --aws-sigv4 'aws:amz:us-east-1:s3' --user "$access_key:$secret_key" "http://127.0.0.1:$s3/")" == 200 ]]; do
  if (( $(date +%s) - start >= timeout_s )); then echo "seaweedfs: S3 gateway not ready (see $dir/s3.log)" >&2; "$SEAWEEDFS_DIR/cluster-stop.sh" "$dir" >&2 || true; exit 1; fi
  sleep 0.2
done
cat > "$dir/env" <<ENV
export S3_ENDPOINT=http://127.0.0.1:$s3
export AWS_ACCESS_KEY_ID=$access_key
export AWS_SECRET_ACCESS_KEY=$secret_key
export AWS_REGION=us-east-1
export SEAWEEDFS_MASTER=$master
ENV
echo "seaweedfs cluster: S3 at http://127.0.0.1:$s3, master $master (weed shell -master=$master); env in $dir/env"
