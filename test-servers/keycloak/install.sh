#!/usr/bin/env bash
# Installs the test-only Keycloak (a real OpenID Connect identity provider, for the page's sign-in test) from Maven
# Central's org.keycloak:keycloak-quarkus-dist and caches it outside the repo at
# ${QUILL_CACHE_DIR:-~/.cache/quill}/keycloak-$VERSION/; prints the path of its bin/kc.sh as the last line on stdout.
#
#   install.sh           install unless cached (~160 MB download on first use)
#   install.sh --check   never install: print the cached kc.sh, or exit 3
set -euo pipefail
VERSION=26.5.6
mode="${1:-}"
case "$mode" in ""|--check) ;; *) echo "usage: $0 [--check]" >&2; exit 2 ;; esac
cache_root="${QUILL_CACHE_DIR:-$HOME/.cache/quill}"
dest="$cache_root/keycloak-$VERSION"
kc="$dest/keycloak-$VERSION/bin/kc.sh"
source "$(dirname "$0")/../cached.sh"
cached_or_exit keycloak "$kc" "$mode" test-servers/keycloak/install.sh
command -v mvn >/dev/null || { echo "keycloak: Maven (mvn) is required" >&2; exit 1; }
command -v java >/dev/null || { echo "keycloak: Java 17+ is required" >&2; exit 1; }
echo "keycloak: fetching org.keycloak:keycloak-quarkus-dist:$VERSION from Maven Central" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work" "$dest.tmp.$$"' EXIT
mvn -q -B -Dstyle.color=never dependency:copy "-Dartifact=org.keycloak:keycloak-quarkus-dist:$VERSION:tar.gz" "-DoutputDirectory=$work" >&2
mkdir -p "$cache_root" "$dest.tmp.$$"
tar xzf "$work/keycloak-quarkus-dist-$VERSION.tar.gz" -C "$dest.tmp.$$"
rm -rf "$dest"
mv "$dest.tmp.$$" "$dest"
echo "keycloak: installed $dest" >&2
echo "$kc"
