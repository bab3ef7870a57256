//go:build !unix

package layer

import (
	"fmt"
	"os"
	"path/filepath"
)

// mappedFile holds a file's bytes; where memory mapping is not available
// it reads the file whole.
type mappedFile struct{ data []byte }

func mapFile(path string) (*mappedFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", filepath.Base(path), err)
	}
	return &mappedFile{data: b}, nil
}

func (m *mappedFile) release(int) {}

func (m *mappedFile) drop(int, int) {}

func (m *mappedFile) close() error { return nil }
