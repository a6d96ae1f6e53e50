//go:build tools

// Package wrapper pins the SeaweedFS version used by Quill's tests.
// The seaweedfs module has a replace directive, so `go install pkg@version`
// refuses it; this wrapper module copies the replace and builds from here.
package wrapper

import _ "github.com/seaweedfs/seaweedfs/weed"
