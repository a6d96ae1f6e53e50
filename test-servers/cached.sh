# Shared by the scripts that build or install a test server into the cache. Source, don't run.
# shellcheck shell=bash
#
# cached_or_exit NAME ARTEFACT MODE SCRIPT
#   ARTEFACT exists (and MODE is not --force): prints its path as the last stdout line and exits 0.
#   MODE is --check and it does not: says to run SCRIPT and exits 3.
#   Otherwise returns, and the caller builds or installs it.
cached_or_exit() {
  local name="$1" artefact="$2" mode="$3" script="$4"
  if [ -e "$artefact" ] && [ "$mode" != "--force" ]; then
    [ "$mode" = "--check" ] || echo "$name: cached at $artefact" >&2
    echo "$artefact"
    exit 0
  fi
  if [ "$mode" = "--check" ]; then
    echo "$name: not in the cache ($artefact); run $script" >&2
    exit 3
  fi
}
