#!/usr/bin/env bash
# Builds the IHE MHD test client (HAPI FHIR 8.8.0's own client library; thin jar + lib/) from Maven Central and caches
# it outside the repo at ${QUILL_CACHE_DIR:-~/.cache/quill}/mhd-client-8.8.0-<hash of pom.xml + src/>/; prints the
# cached jar's path as its last line on stdout.
#
#   build.sh            build unless cached (20-50 s with ~/.m2 warm from the HAPI server's build)
#   build.sh --force    rebuild even if cached
#   build.sh --check    never build: print the cached jar, or exit 3 if this source tree has not been built
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../maven-jar.sh"
maven_thin_jar mhd-client-8.8.0 "$here" mhd-client.jar "${1:-}"
