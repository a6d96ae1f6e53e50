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
go_wrapper_build seaweedfs "$SEAWEEDFS_WRAPPER" github.com/seaweedfs/seaweedfs/weed "$WEED_BIN" "" version
