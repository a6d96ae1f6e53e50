#!/usr/bin/env bash
# Build the SeaweedFS `weed` binary from the Go module proxy and cache it at
#   ${QUILL_CACHE_DIR:-$HOME/.cache/quill}/seaweedfs-<module version>/weed
# Skips the build when that binary already exists (pass --force to rebuild).
# Cold build: 10-20 min on 2 cores, ~2.2 GB memory. Warm rebuild: ~20 s.
#
# The pinned version lives in wrapper/go.mod. To bump it:
#   cd wrapper && go mod edit -require=github.com/seaweedfs/seaweedfs@<ver> && GOFLAGS=-mod=mod go mod tidy
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

force=0
[[ "${1:-}" == "--force" ]] && force=1

if [[ -x "$WEED_BIN" && $force -eq 0 ]]; then
  echo "seaweedfs: cached binary $WEED_BIN ($("$WEED_BIN" version 2>/dev/null | head -n1))"
  exit 0
fi
command -v go >/dev/null || { echo "seaweedfs: go is not installed" >&2; exit 1; }

log() { echo "seaweedfs: [$(date +%H:%M:%S)] $*"; }
start=$(date +%s)
out_dir="$(dirname "$WEED_BIN")"
mkdir -p "$out_dir"
tmp_bin="$(mktemp "$out_dir/weed.XXXXXX")"
trap 'rm -f "$tmp_bin"' EXIT

cd "$SEAWEEDFS_WRAPPER"
if [[ ! -s go.sum ]]; then
  log "wrapper/go.sum missing: resolving dependencies (go mod tidy)"
  GOFLAGS=-mod=mod go mod tidy
fi

log "building github.com/seaweedfs/seaweedfs/weed@$SEAWEEDFS_MODULE_VERSION (cold: 10-20 min; progress every 60 s)"
# sleep gets its own fds so that killing the ticker leaves nothing holding our stdout open.
( while sleep 60 >/dev/null 2>&1; do log "still building... ($(( $(date +%s) - start )) s elapsed)"; done ) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true; rm -f "$tmp_bin"' EXIT
GOFLAGS=-mod=readonly CGO_ENABLED="${CGO_ENABLED:-0}" \
  go build -trimpath -o "$tmp_bin" github.com/seaweedfs/seaweedfs/weed
kill "$ticker" 2>/dev/null || true

chmod 0755 "$tmp_bin"
mv -f "$tmp_bin" "$WEED_BIN"
log "built $WEED_BIN in $(( $(date +%s) - start )) s: $("$WEED_BIN" version 2>/dev/null | head -n1)"
