# Shared by the scripts that build a test server from the Go module proxy through a wrapper module. Source, don't run.
# shellcheck shell=bash
#
# go_wrapper_version WRAPPER_DIR MODULE
#   Prints the version of MODULE that WRAPPER_DIR/go.mod requires (the single source of truth for the pin).
# go_wrapper_build NAME WRAPPER_DIR PACKAGE OUT LDFLAGS [VERSION_ARGS...]
#   Builds PACKAGE inside WRAPPER_DIR (go.sum committed, so -mod=readonly; resolved by `go mod tidy` if it is missing)
#   into OUT atomically (a temp file in OUT's directory, then mv) with -trimpath and -ldflags=LDFLAGS (may be empty),
#   logging progress every 60 s because cold builds take minutes. With VERSION_ARGS, logs what `OUT VERSION_ARGS...`
#   prints afterwards.
go_wrapper_version() {
  local version
  version="$(awk -v m="$2" '($1 == "require" && $2 == m) { print $3 } ($1 == m) { print $2 }' "$1/go.mod" | head -n1)"
  if [[ -z "$version" ]]; then
    echo "cannot read the $2 version from $1/go.mod" >&2
    return 1
  fi
  echo "$version"
}

go_wrapper_build() {
  local name="$1" wrapper="$2" package="$3" out="$4" ldflags="$5"; shift 5
  command -v go >/dev/null || { echo "$name: go is not installed" >&2; return 1; }
  local start tmp_bin ticker
  start=$(date +%s)
  mkdir -p "$(dirname "$out")"
  tmp_bin="$(mktemp "$out.XXXXXX")"
  (
    log() { echo "$name: [$(date +%H:%M:%S)] $*"; }
    cd "$wrapper"
    if [[ ! -s go.sum ]]; then
      log "$wrapper/go.sum missing: resolving dependencies (go mod tidy)"
      GOFLAGS=-mod=mod go mod tidy
    fi
    log "building $package (progress every 60 s)"
    # sleep gets its own fds so that killing the ticker leaves nothing holding our stdout open.
    ( while sleep 60 >/dev/null 2>&1; do log "still building... ($(( $(date +%s) - start )) s elapsed)"; done ) &
    ticker=$!
    trap 'kill "$ticker" 2>/dev/null || true' EXIT
    GOFLAGS=-mod=readonly CGO_ENABLED="${CGO_ENABLED:-0}" go build -trimpath ${ldflags:+-ldflags="$ldflags"} -o "$tmp_bin" "$package"
  ) || { rm -f "$tmp_bin"; return 1; }
  chmod 0755 "$tmp_bin"
  mv -f "$tmp_bin" "$out"
  echo "$name: [$(date +%H:%M:%S)] built $out in $(( $(date +%s) - start )) s${1:+: $("$out" "$@" 2>/dev/null | head -n1)}"
}
