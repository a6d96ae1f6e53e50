# Shared by the stop scripts of the test servers. Source, don't run.
# shellcheck shell=bash
#
# stop_pid_file PID_FILE GRACE_SECONDS
#   SIGTERM to the process group led by the pid in PID_FILE (the scripts start every server with setsid), SIGKILL to it
#   after GRACE_SECONDS, then removes PID_FILE. Returns 0 if a running process was stopped, 1 if there was none.
stop_pid_file() {
  local pf="$1" grace="$2" pid stopped=1
  [[ -f "$pf" ]] || return 1
  pid=$(cat "$pf")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((grace * 5))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    stopped=0
  fi
  rm -f "$pf"
  return $stopped
}
