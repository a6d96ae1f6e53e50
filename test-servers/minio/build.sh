#!/usr/bin/env bash
# Build the MinIO server (`minio`) and client (`mc`) from the Go module proxy and cache them at
#   ${QUILL_CACHE_DIR:-$HOME/.cache/quill}/minio-<server module version>/minio
#   ${QUILL_CACHE_DIR:-$HOME/.cache/quill}/minio-mc-<mc module version>/mc
# and print both paths (minio, then mc) as the last two stdout lines.
#
#   build.sh           build what is not cached yet (cold: ~4 min for minio, ~2 min for mc on 2 cores)
#   build.sh --force   rebuild both
#   build.sh --check   never build: print the cached paths, or exit 3
#
# The pinned versions live in server-wrapper/go.mod and mc-wrapper/go.mod (two modules, because mc and the server pin
# different versions of the modules they share). To bump one:
#   cd server-wrapper && go mod edit -require=github.com/minio/minio@<ver> && GOFLAGS=-mod=mod go mod tidy
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$MINIO_DIR/../cached.sh"
mode="${1:-}"
case "$mode" in ""|--check|--force) ;; *) echo "usage: $0 [--check|--force]" >&2; exit 2 ;; esac

# Each in a subshell: cached_or_exit exits the subshell when the binary is cached (printing its path).
( cached_or_exit minio "$MINIO_BIN" "$mode" test-servers/minio/build.sh
  go_wrapper_build minio "$MINIO_SERVER_WRAPPER" github.com/minio/minio "$MINIO_BIN" "-s -w" --version >&2
  echo "$MINIO_BIN" )
( cached_or_exit mc "$MC_BIN" "$mode" test-servers/minio/build.sh
  go_wrapper_build mc "$MINIO_MC_WRAPPER" github.com/minio/mc "$MC_BIN" "-s -w" --version >&2
  echo "$MC_BIN" )
