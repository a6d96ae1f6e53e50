# Shared settings for the SeaweedFS test-server scripts. Source, don't run.
# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this

SEAWEEDFS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SEAWEEDFS_WRAPPER="$SEAWEEDFS_DIR/wrapper"
# The pinned module version is the single source of truth in wrapper/go.mod.
SEAWEEDFS_MODULE_VERSION="$(awk '$1 == "require" && $2 == "github.com/seaweedfs/seaweedfs" { print $3 }' "$SEAWEEDFS_WRAPPER/go.mod")"
if [[ -z "$SEAWEEDFS_MODULE_VERSION" ]]; then
  echo "cannot read the seaweedfs version from $SEAWEEDFS_WRAPPER/go.mod" >&2
  exit 1
fi
QUILL_CACHE_DIR="${QUILL_CACHE_DIR:-$HOME/.cache/quill}"
WEED_BIN="${QUILL_WEED_BIN:-$QUILL_CACHE_DIR/seaweedfs-$SEAWEEDFS_MODULE_VERSION/weed}"
