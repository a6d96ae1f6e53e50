#!/usr/bin/env bash
# Runs a command beside a real Quill Document Store started here for it: the embedded default (its own PostgreSQL,
# fs blob store, built-in FHIR index) on a temporary data directory and a free loopback port, with QUILL_URL and a
# development token in QUILL_TOKEN (minted by `quill-docstore token`) in the command's environment. The service is
# stopped, and its data directory removed, when the command ends; the command's exit code is this script's.
#
#   clients/python/with-service.sh pytest -q
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
node="${QUILL_NODE:-node}"
"$node" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' || { echo "with-service: Node 22+ is needed (put Node 24 first on PATH)" >&2; exit 1; }
data="$(mktemp -d "${TMPDIR:-/tmp}/quill-pyclient-XXXXXX")"
log="$data.log"
pid=""
stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$data" "$log"
}
trap stop EXIT
# nothing of the caller's environment points it at another database, identity provider or FHIR server
env -u DATABASE_URL -u QUILL_FHIR_URL -u QUILL_CONFIG_FILE -u QUILL_JWT_SECRET -u QUILL_JWKS_URL -u QUILL_PUBLIC_URL \
  QUILL_DATA_DIR="$data" HOST=127.0.0.1 PORT=0 LOG_LEVEL=warn QUILL_BACKUP_SCHEDULE=false QUILL_SCRUB_RATE=0 \
  "$node" "$root/bin/quill-docstore.js" start >"$log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 600); do
  url="$(sed -n 's/.*running at \(http:\/\/[^ ]*\).*/\1/p' "$log" | head -1)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "with-service: the service stopped:" >&2; tail -30 "$log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$url" ] || { echo "with-service: the service did not start within 120 s:" >&2; tail -30 "$log" >&2; exit 1; }
token="$(env -u QUILL_JWT_SECRET -u QUILL_JWKS_URL QUILL_DATA_DIR="$data" "$node" "$root/bin/quill-docstore.js" token --sub python.client --role clinician)"
set +e
QUILL_URL="$url" QUILL_TOKEN="$token" "$@"
rc=$?
set -e
exit "$rc"
