#!/usr/bin/env bash
# Fuzzes the running API from its own /openapi.json with Schemathesis (property-based, seeded, bounded in time).
# Starts the service on a throw-away data dir (embedded PostgreSQL, fs store, built-in FHIR index), mints one
# token per role, runs schemathesis once per role plus once with no token, and stops everything.
#
#   test-servers/schemathesis/run.sh            # defaults below
#   QUILL_FUZZ_EXAMPLES=50 QUILL_FUZZ_SEED=7 test-servers/schemathesis/run.sh
#
# Fails (exit 1) on any 5xx, undocumented status, response that breaks its schema, or other check failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5            # needs Python >= 3.10
CACHE=${QUILL_CACHE_DIR:-$HOME/.cache/quill}
SEED=${QUILL_FUZZ_SEED:-20261130}
EXAMPLES=${QUILL_FUZZ_EXAMPLES:-25}      # per operation, per phase, per role
MAX_TIME=${QUILL_FUZZ_MAX_TIME:-30}     # seconds of fuzzing per role (5 runs: about 3-4 minutes in all on 2 cores)
REPORT_DIR=${QUILL_FUZZ_REPORT_DIR:-$ROOT/.schemathesis}

# Prefer Python >= 3.12: CPython 3.11 before 3.11.8 can raise "AST constructor recursion depth mismatch" when
# Hypothesis runs in several threads (python/cpython#106905); with an older Python the run uses one worker.
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  for candidate in python3.13 python3.12 $(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.1[23]*/bin/python3 2>/dev/null | sort -r); do
    if "$candidate" -c 'import sys' >/dev/null 2>&1; then PYTHON=$candidate; break; fi
  done
fi
PYVER=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
WORKERS=2
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11, 8) else 1)' || WORKERS=1
VENV=$CACHE/schemathesis-$SCHEMATHESIS_VERSION-py$PYVER
if [ ! -x "$VENV/bin/schemathesis" ]; then
  echo "--- installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { echo "schemathesis needs Python >= 3.10 ($PYTHON is $("$PYTHON" --version))"; exit 1; }
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q ${QUILL_PYPI_URL:+--index-url "$QUILL_PYPI_URL"} "schemathesis==$SCHEMATHESIS_VERSION"
fi

DATA=$(mktemp -d "${TMPDIR:-/tmp}/quill-fuzz-XXXXXX")
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
PID=
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT INT TERM

export QUILL_DATA_DIR=$DATA HOST=127.0.0.1 PORT LOG_LEVEL=${QUILL_FUZZ_LOG_LEVEL:-warn}
unset DATABASE_URL QUILL_JWT_SECRET QUILL_JWKS_URL QUILL_FHIR_URL QUILL_BLOB_STORE QUILL_CONFIG_FILE
echo "--- starting the service on 127.0.0.1:$PORT (data in $DATA)"
node bin/quill-docstore.js start >"$DATA/service.log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { tail -40 "$DATA/service.log"; echo "the service did not start"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { tail -40 "$DATA/service.log"; echo "the service is not ready"; exit 1; }

token() { node bin/quill-docstore.js token --sub "fuzz-$1" --role "$1"; }
BASE=http://127.0.0.1:$PORT
# one real document so that some generated requests reach a row rather than only 404
CLIN=$(token clinician)
printf '%%PDF-1.4\n1 0 obj\n<< >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n' >"$DATA/seed.pdf"
curl -fsS -o /dev/null -H "Authorization: Bearer $CLIN" -H 'Content-Type: application/pdf' --data-binary @"$DATA/seed.pdf" \
  "$BASE/v1/documents?patient=9434765919&type=373942005&title=Fuzz%20seed"

mkdir -p "$REPORT_DIR"
status=0
for role in clinician records-manager auditor admin none; do
  headers=()
  [ "$role" = none ] || headers=(-H "Authorization: Bearer $(token "$role")")
  echo "--- schemathesis as $role (seed $SEED, $EXAMPLES examples per operation, at most ${MAX_TIME}s)"
  # positive_data_acceptance is left out: schema-valid requests are still refused for domain reasons the schema
  # cannot express (an NHS number's check digit, a role without the permission, an id that does not exist).
  "$VENV/bin/schemathesis" --config-file test-servers/schemathesis/schemathesis.toml run "$BASE/openapi.json" \
    "${headers[@]}" \
    --checks all --exclude-checks positive_data_acceptance \
    --seed "$SEED" --max-examples "$EXAMPLES" --max-time "$MAX_TIME" \
    --workers "$WORKERS" --request-timeout 20 --suppress-health-check all \
    --phases examples,coverage,fuzzing \
    --report junit --report-junit-path "$REPORT_DIR/junit-$role.xml" \
    --warnings off || status=1
done

if grep -q '"level":50' "$DATA/service.log"; then
  echo "--- the service logged errors:"
  grep '"level":50' "$DATA/service.log" | head -20
  status=1
fi
exit $status
