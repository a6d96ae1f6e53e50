#!/usr/bin/env bash
# The README's walk-through ("The first API calls"), as a script: test/docs/walkthrough.test.ts runs it against a real
# service and checks that the README's block is exactly the text below the marker line, so the two cannot drift.
# Run it from the repository root with the service running (npm start). Needs bash, curl, jq, openssl and GNU
# coreutils (base64 -w0, sha256sum, stat -c, mktemp).
set -euo pipefail
# ---- the README's block starts below this line ----
B=${B:-http://127.0.0.1:8080}                 # where `npm start` listens
T=$(npx quill-docstore token --sub alice --role clinician)
R=$(npx quill-docstore token --sub rita --role records-manager)
A=$(npx quill-docstore token --sub audrey --role auditor)
F=docs/samples/letter.pdf                     # a one-page sample letter
W=$(mktemp -d)                                # answers and downloads land here
# every call uses --fail-with-body: a refusal prints its problem+json and the command fails

# 1. upload a PDF (multipart: the metadata fields first, then the file). -D - prints the status line and headers
#    (201 Created, location: /v1/documents/<id>); the answer, the document's metadata, goes to $W/doc.json
curl -sS --fail-with-body -D - -o $W/doc.json -H "Authorization: Bearer $T" \
  -F patient=9434765919 -F type=373942005 -F title="Discharge summary" -F date=2026-11-20 \
  -F file=@$F $B/v1/documents
jq -c '{id, version, sha256, contentType, size}' $W/doc.json
ID=$(jq -r .id $W/doc.json)

# …or POST the file as the raw body (--data-binary; `curl -T` alone would PUT, which this route refuses; for a large
# file `-T file -X POST` streams it), the metadata in the query string, with an RFC 9530 digest the server checks;
# -i shows the status line and headers (201 Created, location) before the answer
curl -sS --fail-with-body -i -H "Authorization: Bearer $T" -H 'Content-Type: application/pdf' \
  -H "Repr-Digest: sha-256=:$(openssl dgst -sha256 -binary $F | base64):" --data-binary @$F \
  "$B/v1/documents?patient=9434765919&type=373942005&title=Discharge%20summary&date=2026-11-20"
echo

# 2. the patient's documents, newest first (also ?type=, ?from=&to=, ?limit=&cursor=)
curl -sS --fail-with-body -H "Authorization: Bearer $T" "$B/v1/documents?patient=9434765919" \
  | jq -c '.items[] | {id, title, version}'

# 3. a download URL (1 hour by default; a body {"expiresIn": 300} shortens it), fetched with no token;
#    then the same through a redirect (303 to a fresh URL)
URL=$(curl -sS --fail-with-body -X POST -H "Authorization: Bearer $T" $B/v1/documents/$ID/download-url | jq -r .url)
curl -sS --fail-with-body -o $W/copy.pdf "$URL"
sha256sum $F $W/copy.pdf                      # the same SHA-256 twice
curl -sS --fail-with-body -L -H "Authorization: Bearer $T" -o $W/copy.pdf $B/v1/documents/$ID/download

# 4. the bytes through the service, their SHA-256 checked again while streaming (see Repr-Digest and ETag)
curl -sS --fail-with-body -D - -H "Authorization: Bearer $T" -o $W/copy.pdf $B/v1/documents/$ID/content

# 5. a new version; then marking the document entered-in-error (records-manager or admin)
curl -sS --fail-with-body -H "Authorization: Bearer $T" -F file=@docs/samples/letter-v2.pdf \
  $B/v1/documents/$ID/versions | jq -c '{id, version}'
curl -sS --fail-with-body -X DELETE -H "Authorization: Bearer $R" -H 'Content-Type: application/json' \
  -d '{"reason":"filed against the wrong patient"}' $B/v1/documents/$ID | jq -c '{id, status}'

# 6. the document's audit trail (auditor or admin)
curl -sS --fail-with-body -H "Authorization: Bearer $A" "$B/v1/audit?document=$ID" \
  | jq -c '.items[] | {at, actor, action, outcome}'

# 7. FHIR R4 (IHE MHD ITI-67 search, ITI-68-style read)
curl -sS --fail-with-body -H "Authorization: Bearer $T" \
  "$B/fhir/DocumentReference?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919&_count=10" \
  | jq -c '[.entry[].resource | {id, status}]'
curl -sS --fail-with-body -H "Authorization: Bearer $T" $B/fhir/DocumentReference/$ID | jq -c '{id, status, docStatus}'

# 8. a resumable upload (tus 1.0): create it with the metadata, then PATCH the bytes (after a cut, HEAD the upload's
#    URL for Upload-Offset and PATCH the rest); the last PATCH answers with Quill-Document-Id
b64() { printf %s "$1" | base64 -w0; }
LOC=$(curl -sS --fail-with-body -i -X POST $B/v1/uploads -H "Authorization: Bearer $T" -H 'Tus-Resumable: 1.0.0' \
  -H "Upload-Length: $(stat -c%s $F)" \
  -H "Upload-Metadata: patient $(b64 9434765919),type $(b64 373942005),title $(b64 'Scanned notes'),filetype $(b64 application/pdf),sha256 $(b64 $(sha256sum $F | cut -c1-64))" \
  | tr -d '\r' | sed -n 's/^location: //Ip')
curl -sS --fail-with-body -i -X PATCH "$B$LOC" -H "Authorization: Bearer $T" -H 'Tus-Resumable: 1.0.0' \
  -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' --data-binary @$F
