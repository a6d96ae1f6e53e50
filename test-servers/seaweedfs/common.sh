# Shared settings for the SeaweedFS test-server scripts. Source, don't run.
# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this

SEAWEEDFS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SEAWEEDFS_DIR/../go-build.sh"
SEAWEEDFS_WRAPPER="$SEAWEEDFS_DIR/wrapper"
# The pinned module version is the single source of truth in wrapper/go.mod.
SEAWEEDFS_MODULE_VERSION="$(go_wrapper_version "$SEAWEEDFS_WRAPPER" github.com/seaweedfs/seaweedfs)" || exit 1
QUILL_CACHE_DIR="${QUILL_CACHE_DIR:-$HOME/.cache/quill}"
WEED_BIN="${QUILL_WEED_BIN:-$QUILL_CACHE_DIR/seaweedfs-$SEAWEEDFS_MODULE_VERSION/weed}"
