export const HELP = `quill-docstore: clinical document store (bytes in object storage, metadata and audit in PostgreSQL, FHIR R4 index)

Usage: quill-docstore <command> [options]     (from a checkout: npx quill-docstore <command> [options])

Commands:
  start                     Run the API and the clinician's page (default http://127.0.0.1:8080/; Swagger UI at /docs).
  token --sub <user> --role <role> [--role …] [--patient <NHS number> …] [--expires 8h]
                            Print a development JWT signed with the embedded secret. Roles: clinician,
                            records-manager, auditor, admin. Refused when QUILL_JWKS_URL or QUILL_JWT_SECRET is set.
  reconcile [--grace <seconds>] [--json]
                            Remove bytes no metadata points at (interrupted or crashed uploads) older than the
                            grace period (default QUILL_ORPHAN_GRACE_SECONDS, 86400), expire resumable uploads idle
                            for QUILL_UPLOAD_EXPIRY_HOURS and remove their parts, and report versions whose
                            bytes are missing. Exit 1 if anything could not be repaired; exit 75 if another
                            reconcile (any instance) is running.
                            Also (records governance) computes retention for documents stored before it existed,
                            finishes approved disposals a crash interrupted, and re-applies Object Lock dates and
                            legal holds the store missed.
  reconcile --fhir [--json] Compare PostgreSQL with the remote FHIR server (QUILL_FHIR_URL) and repair drift both
                            ways: missing, stale, duplicate and extra DocumentReferences. Exit 1 on any error.
  audit export [--ndjson] [--from <time>] [--to <time>] [--patient <NHS number>] [--document <id>] [--token <JWT>]
                            Stream the audit trail as FHIR R4 AuditEvent resources (IHE BALP), one per line (NDJSON,
                            the only format, so --ndjson may be left out), oldest first.
                            With --token (or QUILL_TOKEN) it runs as that user: audit:read needed, a patients claim limits
                            it to those patients. Without, it is an operator export. Every export is itself audited.
  doctor [--store fs|s3|azure] [--json]
                            Check PostgreSQL (reachable, every migration applied), the blob store (default the
                            live one, QUILL_BLOB_STORE): bucket/container, versioning, encryption, CORS (when
                            QUILL_BROWSER_DOWNLOADS=true), lifecycle; and the malware scanner (reachable, signatures
                            loaded, its StreamMaxLength against QUILL_MAX_UPLOAD_BYTES; a warning when scanning is off). Prints ok/FAIL per check with the command that
                            fixes each failure. Exit 1 if any check fails.
  migrate-blobs --from <store> --to <store> [--concurrency N] [--json] [--progress-interval <s>]
                            Copy every document version whose bytes live in --from to --to (streamed, N objects in
                            flight, default 4), verify each copy's SHA-256 in the target against the metadata, then
                            repoint the version. Resumable: re-run after a failure or a kill; moved versions are
                            skipped. Source bytes are never deleted. Both stores must be configured. Exit 1 if any
                            version failed (listed with the reason). A store is fs, s3, azure or a QUILL_STORES name.
  migrate-blobs --from fs --to fs-encrypted [--json]
                            Encrypt, in place, every fs version still stored as a plain file (from before encryption
                            at rest): SHA-256 checked before and after, atomic replace, audited. Resumable.
  import --manifest <file.csv|file.ndjson> [--root <dir>] [--concurrency N] [--dry-run] [--report <file>] [--json]
                            Load a legacy archive: each manifest row (CSV header or NDJSON keys: path, patient, type,
                            title, date, author, sha256 (optional), sourceId (required)) is stored through the upload
                            protocol (hash, type check, one commit with its audit row and FHIR entry), N rows at a time
                            (default 8). path is a file under --root (default: the manifest's directory) or
                            s3://bucket/key in a configured S3 store. Audited as document.import by the operator
                            (operator:<login>), with the source id. Resumable: killed or failed, run it again; rows
                            already imported (same sourceId and path) are skipped. --report writes every refused row
                            (line number, CSV header = line 1; reason) as NDJSON; --dry-run checks every row (file,
                            hash, type, patient number) and stores nothing. Progress on stderr. Exit 1 if any row
                            was refused; 2 if the manifest cannot be read (an unknown column, a quote never closed).
  export --patient <NHS number> --out <file.zip> [--json]
                            A patient's subject-access export, as GET /v1/patients/{nhs}/export: every version of every
                            current document (each SHA-256 verified while written; a mismatch stops the export), a
                            manifest (JSON and CSV), the FHIR DocumentReferences as a Bundle, the access log from the
                            audit trail; disposed documents listed by their certificates. Audited as patient.export
                            by the operator. Written to <file.zip>.partial and renamed once complete. Progress on stderr.
  rotate-key [--keep-key] [--retire] [--json]
                            Re-wrap every fs object's data key under a new key-encryption key, without re-encrypting
                            the data. With a key file a new key is generated (old ones kept for decryption); with
                            QUILL_FS_KEK set the new key there and the old in QUILL_FS_KEK_PREVIOUS first. Resumable
                            (--keep-key: no new key); --retire drops the old keys once nothing uses them. Progress on
                            stderr. Exit 1 if any object could not be re-wrapped.
  scrub [--rate <MiB/s>] [--json] [--repair]
                            Re-read every stored version from its store, recompute SHA-256 and compare with PostgreSQL
                            (resumable: continues the pass from its checkpoint; default rate unlimited). Mismatched or
                            missing versions are flagged (downloads refused) and audited. --repair restores flagged
                            versions from an identical copy (another object version, another document with the same
                            bytes) or says exactly what is lost. Exit 1 with the list on any failure left.
  rescan [--since <30d|12h|ISO date>] [--rate <MiB/s>] [--json]
                            Scan stored versions for malware again with clamd (QUILL_CLAMD_URL), reading each back from
                            its store at a bounded rate (default QUILL_SCRUB_RATE), beside the live service, one run at
                            a time. Versions held pending (QUILL_SCAN_WHEN_DOWN=hold) are cleared; a version found
                            infected is quarantined (downloads refused, bytes kept) and audited. Exit 1 while anything
                            is quarantined (listed), 69 if clamd is unavailable.
  audit verify [--from <position>] [--json]
                            Walk the audit hash chain and its anchors in the blob store; report the first edited,
                            deleted, inserted or reordered row. Exit 1 on any break.
  backup run [--full] [--json]
                            Take a PostgreSQL base backup now (pg_basebackup; incremental on the newest backup unless
                            --full or none exists), check it with pg_verifybackup, then list it; expire what falls out
                            of QUILL_BACKUP_RETENTION_DAYS. Works while the service runs. Exit 75 if another backup runs.
  backup list [--json]      Each backup (kind, start/end, size, verified) and the restorable window.
  backup verify [--json]    pg_verifybackup on every kept backup, and the archived WAL: no gap, every record readable.
  backup pull               Fetch the backup repository from QUILL_BACKUP_STORE=s3|azure into QUILL_BACKUP_DIR (a new machine).
  restore --to <ISO time|latest> (--into <new dir> | --in-place) [--json]
                            Rebuild the database as it was at that instant (combine full + incrementals, replay WAL),
                            then run verify-restore on it. Never touches the live database; --in-place (service
                            stopped, embedded database) swaps it in and keeps the old data directory beside it.
                            Refuses a time outside the window (printed); names a missing or damaged WAL segment.
  verify-restore [--database-url <url>] [--restore-point <ISO time>] [--json]
                            Cross-store check: every version's bytes exist and match their SHA-256 (counted), the
                            built-in FHIR index matches, objects newer than the restore point are listed and kept; on
                            the service's own database a remote FHIR index is re-synced (as reconcile --fhir). Exit 1
                            unless all hold.
  migrate                   Apply database migrations and exit.
  config                    Print the effective configuration (secrets hidden) and exit.
  help                      This text.

On the embedded database (no DATABASE_URL), reconcile, audit export, doctor, scrub, rescan, migrate, migrate-blobs, import and export use the
database of a service already running on the same QUILL_DATA_DIR (it publishes its port in pg-endpoint.json there),
and start one of their own only when none runs. A command that fails prints one line and exits non-zero
(69: the database is unavailable; 78: configuration); add --debug for the stack trace.

Configuration comes from environment variables (or a JSON file named by QUILL_CONFIG_FILE); see docs/configuration.md for every setting.
Common ones: HOST, PORT, QUILL_DATA_DIR, DATABASE_URL, QUILL_BLOB_STORE (fs|s3|azure), QUILL_FHIR_URL,
QUILL_JWT_ISSUER, QUILL_JWT_AUDIENCE, QUILL_JWT_SECRET | QUILL_JWKS_URL, QUILL_MAX_UPLOAD_BYTES, QUILL_ODS_CODE,
QUILL_ALLOW_UNVERSIONED (development only), QUILL_BROWSER_DOWNLOADS, QUILL_DB_TIMEOUT_MS (bound on every database
wait, default 5000), QUILL_S3_TIMEOUT_MS and QUILL_AZURE_TIMEOUT_MS (longest a store request may go silent, per
attempt, default 20000), QUILL_UPLOAD_EXPIRY_HOURS (resumable uploads, default 24), QUILL_OIDC_ISSUER +
QUILL_OIDC_CLIENT_ID (the page's sign-in; without them, development sign-in).
Integrity at rest: QUILL_FS_ENCRYPTION (default true), QUILL_FS_KEK [+ QUILL_FS_KEK_PREVIOUS] or QUILL_FS_KEK_FILE
(default: generated in the data dir; doctor warns that a key beside the data only protects a stolen disk image),
QUILL_SCRUB_RATE (MiB/s, default 4; 0 = no background scrub), QUILL_SCRUB_INTERVAL_DAYS (default 30),
QUILL_AUDIT_ANCHOR_INTERVAL (seconds, default 3600; 0 = off), QUILL_AUDIT_ANCHOR_RETAIN_DAYS (S3 Object Lock, 3650).
Malware scanning: QUILL_CLAMD_URL (tcp://host:port or unix:/path/clamd.ctl; unset = uploads not scanned),
QUILL_SCAN_WHEN_DOWN (refuse: 503 while clamd cannot answer, the default | hold: stored pending, served to nobody until
scanned), QUILL_CLAMD_TIMEOUT_MS (default 60000).
Backups: QUILL_BACKUP_DIR (default $QUILL_DATA_DIR/backups), QUILL_BACKUP_RETENTION_DAYS (30), QUILL_BACKUP_SCHEDULE
(true), QUILL_BACKUP_FULL_INTERVAL_HOURS (24), QUILL_BACKUP_INCREMENTAL_INTERVAL_MINUTES (60),
QUILL_BACKUP_ARCHIVE_TIMEOUT_SECONDS (60), QUILL_BACKUP_MAX_RATE, QUILL_BACKUP_STORE (fs|s3|azure) with
QUILL_BACKUP_S3_BUCKET/QUILL_BACKUP_S3_PREFIX or QUILL_BACKUP_AZURE_CONTAINER/QUILL_BACKUP_AZURE_PREFIX,
QUILL_PG_TOOLS_DIR, QUILL_CACHE_DIR, QUILL_PYPI_URL.
QUILL_TLS_CERT_FILE + QUILL_TLS_KEY_FILE (serve HTTPS with HSTS), QUILL_TRUST_PROXY (true | hop count |
proxy addresses/CIDRs, when behind a TLS terminator: the audit then records the X-Forwarded-For client).
Bounds (docs/operations.md, Security): QUILL_MAX_OPEN_UPLOADS (resumable uploads open per user, 20),
QUILL_TUS_MIN_PATCH_BYTES (smallest tus PATCH but the last, 262144), QUILL_SEND_TIMEOUT_MS (a download whose client
takes nothing this long is cut off, 30000), QUILL_MAX_OPEN_DOWNLOADS (per user, 10) and QUILL_MAX_OPEN_DOWNLOADS_PER_URL
(per signed URL, 2). QUILL_METRICS_PORT (+ QUILL_METRICS_HOST, default 127.0.0.1): /metrics without a token on a
listener of its own; otherwise /metrics needs an admin token.
Records governance: QUILL_RETENTION_SCHEDULE_FILE (replaces the Code of Practice 2023 schedule),
QUILL_S3_OBJECT_LOCK_MODE (GOVERNANCE|COMPLIANCE: S3 Object Lock per version), QUILL_AZURE_IMMUTABILITY
(unlocked|locked: Azure version-level immutability). doctor checks the bucket has Object Lock when the mode is set.
Named stores (two S3 endpoints side by side, for migrate-blobs and reads): QUILL_STORES=name,… and per name
QUILL_STORE_<NAME>_KIND (fs|s3|azure) with QUILL_STORE_<NAME>_S3_BUCKET, _S3_ENDPOINT, _S3_FORCE_PATH_STYLE, _S3_SSE,
_S3_KMS_KEY_ID, _S3_CA_BUNDLE, _S3_REGION, _S3_ACCESS_KEY_ID, _S3_SECRET_ACCESS_KEY, _FS_DIR, _AZURE_CONTAINER,
_AZURE_CONNECTION_STRING, _AZURE_ACCOUNT_URL, _AZURE_ENCRYPTION_SCOPE.
`;
