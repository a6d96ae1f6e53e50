#!/usr/bin/env bash
# Installs ClamAV's daemon and tools (clamd, sigtool, clamdscan) from Debian's packages when they are missing.
# No signature database is downloaded: tests make their own (start.sh). Production runs freshclam (docs/operations.md).
set -euo pipefail
if command -v clamd >/dev/null 2>&1 || [[ -x /usr/sbin/clamd ]]; then
  if command -v sigtool >/dev/null 2>&1; then
    echo "clamav: $(/usr/sbin/clamd --version 2>/dev/null || clamd --version) already installed"
    exit 0
  fi
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "clamav: clamav-daemon is not installed; run as root (apt-get install clamav-daemon clamav)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends clamav-daemon clamav >/dev/null
echo "clamav: installed $(/usr/sbin/clamd --version)"
