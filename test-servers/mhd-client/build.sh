#!/usr/bin/env bash
# Builds the IHE MHD test client (HAPI FHIR 8.8.0's own client library; thin jar + lib/) from Maven Central and caches
# it outside the repo at ${QUILL_CACHE_DIR:-~/.cache/quill}/mhd-client-8.8.0-<hash of pom.xml + src/>/; prints the
# cached jar's path as its last line on stdout.
#
#   build.sh            build unless cached (~20 s with ~/.m2 warm from the HAPI server's build)
#   build.sh --force    rebuild even if cached
#   build.sh --check    never build: print the cached jar, or exit 3 if this source tree has not been built
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="${1:-}"
case "$mode" in ""|--force|--check) ;; *) echo "usage: $0 [--force|--check]" >&2; exit 2 ;; esac
cache_root="${QUILL_CACHE_DIR:-$HOME/.cache/quill}"
hash="$(cd "$here" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
dest="$cache_root/mhd-client-8.8.0-$hash"
source "$here/../cached.sh"
cached_or_exit mhd-client "$dest/mhd-client.jar" "$mode" test-servers/mhd-client/build.sh
command -v mvn >/dev/null || { echo "mhd-client: Maven (mvn) is required" >&2; exit 1; }
command -v java >/dev/null || { echo "mhd-client: Java 17+ is required" >&2; exit 1; }
echo "mhd-client: building $dest" >&2
build="$(mktemp -d)"
trap 'rm -rf "$build" "$dest.tmp.$$"' EXIT
# Build in a copy so no target/ appears in the repo.
cp -r "$here/pom.xml" "$here/src" "$build/"
(cd "$build" && mvn -q -B -Dstyle.color=never package -DskipTests >&2)
mkdir -p "$cache_root" "$dest.tmp.$$"
cp "$build/target/mhd-client.jar" "$dest.tmp.$$/"
cp -r "$build/target/lib" "$dest.tmp.$$/"
rm -rf "$dest"
mv "$dest.tmp.$$" "$dest"
echo "mhd-client: built $dest" >&2
echo "$dest/mhd-client.jar"
