#!/usr/bin/env bash
# Builds the test-only HAPI FHIR 8.8.0 JPA server (thin jar + lib/) from Maven Central and caches it outside the repo
# at ${QUILL_CACHE_DIR:-~/.cache/quill}/hapi-fhir-8.8.0-<hash of pom.xml + src/>/; prints the cached jar's path as its
# last line on stdout.
#
#   build.sh            build unless cached (cold ~1-2 min plus ~300 MB of downloads on first use of ~/.m2)
#   build.sh --force    rebuild even if cached
#   build.sh --check    never build: print the cached jar, or exit 3 if this source tree has not been built
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../maven-jar.sh"
maven_thin_jar hapi-fhir-8.8.0 "$here" quill-test-fhir.jar "${1:-}"
