#!/usr/bin/env bash
# Start a real clamd on 127.0.0.1 for tests, with a private signature database (nothing is downloaded).
#
#   test-servers/clamav/start.sh DIR PORT [--foreground]
#   test-servers/clamav/stop.sh DIR
#
# DIR   state directory (clamd also listens on DIR/clamd.sock, so keep the path short): DIR/db holds the signatures (test.hdb: the EICAR test file, by MD5, made with
#       `sigtool --md5`; add more .hdb files and send RELOAD), DIR/clamd.conf, DIR/clamd.log, DIR/clamd.pid.
# PORT  TCP port for clamd (TCPAddr 127.0.0.1).
# Env:  CLAMD_STREAM_MAX_LENGTH (default 200M), CLAMD_START_TIMEOUT (seconds, default 60).
# --foreground: exec clamd in this process (the Node test helper spawns it so; its pid is clamd's own).
# Otherwise clamd runs in the background and the script returns once it answers PING.
set -euo pipefail
dir="${1:?usage: start.sh DIR PORT [--foreground]}"
port="${2:?usage: start.sh DIR PORT [--foreground]}"
mode="${3:-}"
clamd_bin="$(command -v clamd || echo /usr/sbin/clamd)"
if [[ ! -x "$clamd_bin" ]]; then
  echo "clamav: clamd is not installed; run test-servers/clamav/install.sh (Debian clamav-daemon)" >&2
  exit 1
fi
mkdir -p "$dir/db" "$dir/tmp"
dir="$(cd "$dir" && pwd)"
# The EICAR anti-virus test file (https://www.eicar.org), assembled here so that no file in the repository is one.
eicar="$dir/eicar.com"
printf '%s%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD' '-ANTIVIRUS-TEST-FILE!$H+H*' > "$eicar"
[[ -f "$dir/db/test.hdb" ]] || (cd "$dir" && sigtool --md5 eicar.com > "$dir/db/test.hdb")
cat > "$dir/clamd.conf" <<CONF
Foreground yes
DatabaseDirectory $dir/db
TemporaryDirectory $dir/tmp
TCPSocket $port
TCPAddr 127.0.0.1
LocalSocket $dir/clamd.sock
StreamMaxLength ${CLAMD_STREAM_MAX_LENGTH:-200M}
MaxFileSize ${CLAMD_STREAM_MAX_LENGTH:-200M}
MaxScanSize ${CLAMD_STREAM_MAX_LENGTH:-200M}
LogFile $dir/clamd.log
LogTime yes
PidFile $dir/clamd.pid
SelfCheck 0
CONF
# clamd drops root privileges to the clamav user unless told otherwise: run as whoever starts it
if [[ $(id -u) -eq 0 ]]; then echo "User root" >> "$dir/clamd.conf"; fi
if [[ "$mode" == "--foreground" ]]; then
  exec "$clamd_bin" -c "$dir/clamd.conf"
fi
"$clamd_bin" -c "$dir/clamd.conf" > "$dir/clamd.out" 2>&1 < /dev/null &
echo $! > "$dir/clamd.pid"
deadline=$(( $(date +%s) + ${CLAMD_START_TIMEOUT:-60} ))
until [[ "$(printf 'zPING\0' | timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; timeout 1 cat <&3 | tr -d '\0'" 2>/dev/null)" == PONG ]]; do
  if ! kill -0 "$(cat "$dir/clamd.pid")" 2>/dev/null; then
    echo "clamav: clamd exited; see $dir/clamd.out and $dir/clamd.log" >&2
    exit 1
  fi
  if (( $(date +%s) > deadline )); then
    echo "clamav: clamd did not answer PING on 127.0.0.1:$port in time" >&2
    exit 1
  fi
  sleep 0.2
done
echo "clamav: clamd $(cat "$dir/clamd.pid") ready at tcp://127.0.0.1:$port (signatures in $dir/db)"
echo "export QUILL_CLAMD_URL=tcp://127.0.0.1:$port"
