# Shared settings for the MinIO test-server scripts. Source, don't run.
# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this

MINIO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$MINIO_DIR/../go-build.sh"
MINIO_SERVER_WRAPPER="$MINIO_DIR/server-wrapper"
MINIO_MC_WRAPPER="$MINIO_DIR/mc-wrapper"
# The pinned module versions are the single source of truth in the wrappers' go.mod files.
MINIO_MODULE_VERSION="$(go_wrapper_version "$MINIO_SERVER_WRAPPER" github.com/minio/minio)" || exit 1
MC_MODULE_VERSION="$(go_wrapper_version "$MINIO_MC_WRAPPER" github.com/minio/mc)" || exit 1
QUILL_CACHE_DIR="${QUILL_CACHE_DIR:-$HOME/.cache/quill}"
MINIO_BIN="${QUILL_MINIO_BIN:-$QUILL_CACHE_DIR/minio-$MINIO_MODULE_VERSION/minio}"
MC_BIN="${QUILL_MC_BIN:-$QUILL_CACHE_DIR/minio-mc-$MC_MODULE_VERSION/mc}"
