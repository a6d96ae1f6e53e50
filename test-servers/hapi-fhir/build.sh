#!/usr/bin/env bash
# Builds the test-only HAPI FHIR 8.8.0 JPA server (thin jar + lib/) from Maven Central and caches it outside the
# repo at ${QUILL_CACHE_DIR:-~/.cache/quill}/hapi-fhir-8.8.0-<hash of pom.xml + src/>/; prints the cached jar's
# path as its last line on stdout.
#
#   build.sh            build unless cached (cold ~1-2 min plus ~300 MB of downloads on first use of ~/.m2)
#   build.sh --force    rebuild even if cached
#   build.sh --check    never build: print the cached jar, or exit 3 if this source tree has not been built
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mode="${1:-}"
case "$mode" in ""|--force|--check) ;; *) echo "usage: $0 [--force|--check]" >&2; exit 2 ;; esac
cache_root="${QUILL_CACHE_DIR:-$HOME/.cache/quill}"
hash="$(cd "$here" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
dest="$cache_root/hapi-fhir-8.8.0-$hash"
source "$here/../cached.sh"
cached_or_exit hapi-fhir "$dest/quill-test-fhir.jar" "$mode" test-servers/hapi-fhir/build.sh
command -v mvn >/dev/null || { echo "hapi-fhir: Maven (mvn) is required" >&2; exit 1; }
command -v java >/dev/null || { echo "hapi-fhir: Java 17+ is required" >&2; exit 1; }
echo "hapi-fhir: building $dest (first build downloads ~300 MB from Maven Central)" >&2
build="$(mktemp -d)"
trap 'rm -rf "$build" "$dest.tmp.$$"' EXIT
# Build in a copy so no target/ appears in the repo.
cp -r "$here/pom.xml" "$here/src" "$build/"
(cd "$build" && mvn -q -B -Dstyle.color=never package -DskipTests >&2)
mkdir -p "$cache_root" "$dest.tmp.$$"
cp "$build/target/quill-test-fhir.jar" "$dest.tmp.$$/"
cp -r "$build/target/lib" "$dest.tmp.$$/"
rm -rf "$dest"
mv "$dest.tmp.$$" "$dest"
echo "hapi-fhir: built $dest" >&2
echo "$dest/quill-test-fhir.jar"
