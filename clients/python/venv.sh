# Sourced by generate.sh and run-tests.sh: a virtual environment with the pinned tools (requirements.txt) and this
# package installed editable, made from the machine's Python (3.11 or later: openapi-python-client and the code it
# generates need it). Sets VENV. QUILL_PYTHON names the interpreter; QUILL_PY_VENV the environment's directory.
# shellcheck shell=bash
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${QUILL_PY_VENV:-$here/.venv}"
pick_python() {
  local c
  for c in "${QUILL_PYTHON:-}" /usr/bin/python3 python3 python3.13 python3.12 python3.11; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    "$c" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null && { command -v "$c"; return 0; }
  done
  echo "python client: no Python 3.11+ with venv and ensurepip found (set QUILL_PYTHON)" >&2
  return 1
}
stamp="$(cat "$here/requirements.txt" "$here/pyproject.toml" | sha256sum | cut -c1-16)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.quill-stamp" 2>/dev/null)" != "$stamp" ]; then
  py="$(pick_python)"
  echo "python client: making $VENV with $py ($("$py" --version))" >&2
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e "$here" >&2
  echo "$stamp" >"$VENV/.quill-stamp"
fi
