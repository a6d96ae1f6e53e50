//go:build tools

// Package wrapper pins the MinIO server version used by Quill's tests.
// No MinIO server binary is fetched from a website: it is built from the Go
// module proxy through this module (go build github.com/minio/minio).
package wrapper

import _ "github.com/minio/minio"
