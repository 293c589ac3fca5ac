package join

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/bosun-dev/bosun/internal/pki"
)

type file struct {
	path string
	data []byte
	mode os.FileMode
}

// writeFiles writes each file atomically, in order.
func writeFiles(files []file) error {
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Dir(f.path), err)
		}
		if err := pki.WriteFileAtomic(f.path, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}
