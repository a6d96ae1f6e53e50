#!/usr/bin/env bash
# The Python client's tests (pytest) against the real service, as CI runs them (.ci/run): the pinned environment
# (venv.sh), a service started on a temporary data directory with a development token (with-service.sh), pytest,
# the service stopped. Exits with pytest's code; 5 (no test collected) is a failure, never a quiet pass.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/venv.sh"
set +e
PATH="$VENV/bin:$PATH" "$here/with-service.sh" "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$here/tests" "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "python client: pytest collected no test" >&2
  exit 1
fi
exit "$rc"
