#!/usr/bin/env bash
# Builds the test-only HAPI FHIR 8.8.0 JPA server (thin jar + lib/) from Maven Central and caches it outside the
# repo, keyed by a hash of the pom and sources; prints the cached jar's path as its last line.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${QUILL_CACHE_DIR:-$HOME/.cache/quill}"
hash="$(cd "$here" && find pom.xml src -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
dest="$cache_root/hapi-fhir-8.8.0-$hash"
if [ -f "$dest/quill-test-fhir.jar" ] && [ "${1:-}" != "--force" ]; then
  echo "hapi-fhir: cached build $dest" >&2
  echo "$dest/quill-test-fhir.jar"
  exit 0
fi
command -v mvn >/dev/null || { echo "hapi-fhir: Maven (mvn) is required" >&2; exit 1; }
echo "hapi-fhir: building (first build downloads ~300 MB from Maven Central)" >&2
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
cp -r "$here/pom.xml" "$here/src" "$build/"
(cd "$build" && mvn -q -B package -DskipTests >&2)
mkdir -p "$dest.tmp"
cp "$build/target/quill-test-fhir.jar" "$dest.tmp/"
cp -r "$build/target/lib" "$dest.tmp/"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "hapi-fhir: built $dest" >&2
echo "$dest/quill-test-fhir.jar"
