#!/usr/bin/env bash
# Regenerates quill_docstore/generated/ from the live OpenAPI document: $QUILL_URL/openapi.json, or, with QUILL_URL
# unset, that of a service started for the purpose (with-service.sh). One command:
#
#   clients/python/generate.sh                        # starts a service on a temp dir, generates, stops it
#   QUILL_URL=http://127.0.0.1:8080 clients/python/generate.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/venv.sh"
if [ -z "${QUILL_URL:-}" ]; then exec "$here/with-service.sh" "$0"; fi
PATH="$VENV/bin:$PATH" "$VENV/bin/python" "$here/tools/regenerate.py" "$QUILL_URL" "$here/quill_docstore/generated"
echo "python client: quill_docstore/generated/ regenerated from $QUILL_URL/openapi.json" >&2
