#!/usr/bin/env bash
# Start a MinIO deployment on 127.0.0.1 for tests, CI and trying things out (never production: see docs/minio.md).
#
#   test-servers/minio/start.sh [--layout single|erasure|distributed] [--tls] [--ca CA_DIR] [DIR] [PORT]
#   source DIR/env        # AWS_*, QUILL_S3_ENDPOINT, QUILL_S3_CA_BUNDLE (with --tls), MC_CONFIG_DIR
#   mc --config-dir DIR/mc ls quill
#   test-servers/minio/stop.sh [DIR] [--purge]
#
# --layout single       one server, one drive (DIR/drive1)                                        ports PORT, PORT+1
#          erasure      one server, four drives DIR/drive{1...4}: one erasure set (EC 2+2)        ports PORT, PORT+1
#          distributed  four server processes, one drive each (DIR/node1..4), one erasure set    ports PORT..PORT+7
#                       across them (API ports PORT..PORT+3, console ports PORT+4..PORT+7)
# --tls     HTTPS with a certificate for 127.0.0.1/localhost signed by a throwaway CA in CA_DIR (default DIR/ca; give two
#           sites the same --ca so they trust each other and can replicate over TLS). Clients trust CA_DIR/ca.pem.
# DIR       state directory (default /tmp/quill-minio); PORT (default 9100).
# Credentials: $MINIO_ROOT_USER / $MINIO_ROOT_PASSWORD (test defaults below). SSE-S3 uses MINIO_KMS_SECRET_KEY
# (a fixed test key unless set; give every site the same one). The mc alias `quill` points at the deployment.
# MINIO_CI_CD=1 lets MinIO use drives on the root disk: for tests only, never in production.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

layout=single tls=0 ca_dir=""
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --layout) layout="$2"; shift 2 ;;
    --tls) tls=1; shift ;;
    --ca) ca_dir="$2"; shift 2 ;;
    *) echo "minio: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$layout" in single|erasure) count=1 ;; distributed) count=4 ;; *) echo "minio: --layout is single, erasure or distributed" >&2; exit 2 ;; esac
dir="${1:-/tmp/quill-minio}"
port="${2:-9100}"
user="${MINIO_ROOT_USER:-quill-test-minio-user}"
password="${MINIO_ROOT_PASSWORD:-quill-test-minio-secret-not-for-production}"
kms_key="${MINIO_KMS_SECRET_KEY:-quill-test-key:$(printf 'quill-minio-test-kms-keyquill-mi' | base64)}"
timeout_s="${MINIO_START_TIMEOUT:-120}"

"$MINIO_DIR/build.sh" --check >/dev/null 2>&1 || "$MINIO_DIR/build.sh" >&2
for p in $(seq "$port" $((port + 2 * count - 1))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "minio: port $p is in use; pick another PORT" >&2; exit 1; fi
done
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
for f in "$dir"/minio-*.pid; do
  [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null && { echo "minio: already running (state in $dir); run stop.sh first" >&2; exit 1; }
done

scheme=http certs=()
if (( tls )); then
  scheme=https
  ca_dir="${ca_dir:-$dir/ca}"
  mkdir -p "$ca_dir" "$dir/certs/CAs"
  ssl() { openssl "$@" 2>/dev/null; }
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  [[ -f "$ca_dir/ca.pem" ]] || ssl req -x509 "${ec[@]}" -days 30 -subj '/CN=Quill test CA' -keyout "$ca_dir/ca.key" -out "$ca_dir/ca.pem"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$dir/certs/ext.cnf"
  ssl req "${ec[@]}" -subj /CN=127.0.0.1 -keyout "$dir/certs/private.key" -out "$dir/certs/server.csr"
  ssl x509 -req -in "$dir/certs/server.csr" -CA "$ca_dir/ca.pem" -CAkey "$ca_dir/ca.key" -CAcreateserial -days 30 \
    -extfile "$dir/certs/ext.cnf" -out "$dir/certs/public.crt"
  cp "$ca_dir/ca.pem" "$dir/certs/CAs/ca.pem"
  mkdir -p "$dir/mc/certs/CAs" && cp "$ca_dir/ca.pem" "$dir/mc/certs/CAs/ca.pem"
  certs=(--certs-dir "$dir/certs")
fi

endpoint_of() { echo "$scheme://127.0.0.1:$((port + $1))"; }
drives_of() { # node index -> its drive arguments
  case "$layout" in
    single) echo "$dir/drive1" ;;
    erasure) echo "$dir/drive{1...4}" ;; # MinIO expands the three dots itself
    distributed) for n in $(seq 0 $((count - 1))); do printf '%s%s ' "$(endpoint_of "$n")" "$dir/node$((n + 1))"; done ;;
  esac
}
mkdir -p "$dir/mc"
case "$layout" in
  single) mkdir -p "$dir/drive1" ;;
  erasure) mkdir -p "$dir"/drive{1,2,3,4} ;;
  distributed) mkdir -p "$dir"/node{1,2,3,4} ;;
esac

for i in $(seq 0 $((count - 1))); do
  local_env=()
  # /.dockerenv makes MinIO think it is in a container; a loopback deployment then needs each process's own address
  [[ "$layout" == distributed ]] && local_env=("_MINIO_SERVER_LOCAL=127.0.0.1:$((port + i))")
  # shellcheck disable=SC2046  # drives_of is split on purpose
  env MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_KMS_SECRET_KEY="$kms_key" MINIO_CI_CD=1 \
    MINIO_UPDATE=off MINIO_REGION=us-east-1 "${local_env[@]}" \
    setsid "$MINIO_BIN" server --address "127.0.0.1:$((port + i))" --console-address "127.0.0.1:$((port + count + i))" \
    "${certs[@]}" $(drives_of "$i") > "$dir/minio-$((i + 1)).log" 2>&1 < /dev/null &
  echo $! > "$dir/minio-$((i + 1)).pid"
done
echo "minio: started $count process(es) ($layout), waiting for write quorum on $(endpoint_of 0) (logs: $dir/minio-*.log)"

curl_tls=()
(( tls )) && curl_tls=(--cacert "$ca_dir/ca.pem")
start=$(date +%s)
until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${curl_tls[@]}" "$(endpoint_of 0)/minio/health/cluster")" == 200 ]]; do
  for f in "$dir"/minio-*.pid; do
    if ! kill -0 "$(cat "$f")" 2>/dev/null; then
      echo "minio: ${f%.pid}.log: the process exited during startup:" >&2; tail -n 30 "${f%.pid}.log" >&2
      "$MINIO_DIR/stop.sh" "$dir" >&2 || true; exit 1
    fi
  done
  if (( $(date +%s) - start >= timeout_s )); then
    echo "minio: no write quorum after ${timeout_s}s; last log lines:" >&2; tail -n 30 "$dir/minio-1.log" >&2
    "$MINIO_DIR/stop.sh" "$dir" >&2 || true; exit 1
  fi
  sleep 0.3
done
"$MC_BIN" --config-dir "$dir/mc" alias set quill "$(endpoint_of 0)" "$user" "$password" >/dev/null

cat > "$dir/env" <<ENV
export AWS_ENDPOINT_URL_S3=$(endpoint_of 0)
export QUILL_S3_ENDPOINT=$(endpoint_of 0)
export QUILL_S3_FORCE_PATH_STYLE=true
export AWS_ACCESS_KEY_ID=$user
export AWS_SECRET_ACCESS_KEY=$password
export AWS_REGION=us-east-1
export MC_CONFIG_DIR=$dir/mc
ENV
(( tls )) && echo "export QUILL_S3_CA_BUNDLE=$ca_dir/ca.pem" >> "$dir/env" && echo "export AWS_CA_BUNDLE=$ca_dir/ca.pem" >> "$dir/env"
echo "minio: ready in $(( $(date +%s) - start ))s ($layout$( (( tls )) && echo ', TLS')); mc alias 'quill' in $dir/mc; env in $dir/env:"
cat "$dir/env"
