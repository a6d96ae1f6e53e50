# Shared by the test programs built with Maven into a thin jar + lib/ (hapi-fhir, mhd-client). Source, don't run.
# shellcheck shell=bash
#
# maven_thin_jar NAME DIR JAR MODE
#   Builds DIR's pom.xml + src/ (in a temporary copy, so no target/ appears in the repo) and caches JAR and lib/ at
#   ${QUILL_CACHE_DIR:-~/.cache/quill}/NAME-<sha256 of pom.xml + src/, 16 hex>/; prints the cached jar's path as the last
#   line on stdout. MODE: "" builds unless cached, --force rebuilds, --check never builds (exit 3 when not cached).
maven_thin_jar() {
  local name="$1" dir="$2" jar="$3" mode="$4"
  case "$mode" in "" | --force | --check) ;; *) echo "usage: $0 [--force|--check]" >&2; exit 2 ;; esac
  local cache_root="${QUILL_CACHE_DIR:-$HOME/.cache/quill}" hash dest build
  hash="$(cd "$dir" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  dest="$cache_root/$name-$hash"
  source "$(dirname "${BASH_SOURCE[0]}")/cached.sh"
  cached_or_exit "$name" "$dest/$jar" "$mode" "test-servers/$(basename "$dir")/build.sh"
  command -v mvn >/dev/null || { echo "$name: Maven (mvn) is required" >&2; exit 1; }
  command -v java >/dev/null || { echo "$name: Java 17+ is required" >&2; exit 1; }
  echo "$name: building $dest" >&2
  build="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: the trap outlives this function's locals
  trap "rm -rf '$build' '$dest.tmp.$$'" EXIT
  cp -r "$dir/pom.xml" "$dir/src" "$build/"
  (cd "$build" && mvn -q -B -Dstyle.color=never package -DskipTests >&2)
  mkdir -p "$cache_root" "$dest.tmp.$$"
  cp "$build/target/$jar" "$dest.tmp.$$/"
  cp -r "$build/target/lib" "$dest.tmp.$$/"
  rm -rf "$dest"
  mv "$dest.tmp.$$" "$dest"
  echo "$name: built $dest" >&2
  echo "$dest/$jar"
}
