//go:build tools

// Package wrapper pins the MinIO client (mc) version used by Quill's tests and
// operator scripts. Its own module, because mc and the server pin different
// versions of shared modules (minio-go, madmin-go).
package wrapper

import _ "github.com/minio/mc"
