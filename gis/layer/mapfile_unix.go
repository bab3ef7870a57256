//go:build unix

package layer

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// mappedFile is a file's bytes mapped read-only, so that a reader that
// scans a large network file once holds only the pages it is reading:
// release hands back the pages already read, which the kernel reads
// again from the file should they be touched. Reading the file whole
// would hold it all until the last row (docs/performance.md, "Peak memory
// while loading"). A file truncated by another process while mapped
// faults on the pages past its new end (SIGBUS); readers of a mapped file
// run under ReadMapped, which turns that fault into an error.
type mappedFile struct {
	data     []byte
	mapped   bool
	released int // data[:released] has been handed back
}

// mapFile maps path; an empty file (which mmap refuses) is an empty slice.
func mapFile(path string) (*mappedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("layer: %s: %w", filepath.Base(path), err)
	}
	size := st.Size()
	if size == 0 || !st.Mode().IsRegular() || size != int64(int(size)) {
		// Not mappable (empty, a pipe or device): read it whole.
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("layer: %s: %w", filepath.Base(path), err)
		}
		return &mappedFile{data: b}, nil
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("layer: %s: mmap: %w", filepath.Base(path), err)
	}
	_ = syscall.Madvise(b, syscall.MADV_SEQUENTIAL)
	return &mappedFile{data: b, mapped: true}, nil
}

// releaseStep is how far a reader moves on before it hands back the pages
// behind it: large enough that the system calls cost nothing, small
// enough to be no part of the peak memory.
const releaseStep = 8 << 20

// release hands back the whole pages of data[:upTo] once the reader is
// releaseStep past the last release. Nothing may still refer to those
// bytes: they stay readable, but cost a read from the file again.
func (m *mappedFile) release(upTo int) {
	if !m.mapped || upTo-m.released < releaseStep {
		return
	}
	m.drop(m.released, upTo)
	m.released = upTo
}

// drop hands back the whole pages within data[from:to].
func (m *mappedFile) drop(from, to int) {
	if !m.mapped {
		return
	}
	page := os.Getpagesize()
	from = (from + page - 1) / page * page
	to = min(to, len(m.data)) / page * page
	if to > from {
		_ = syscall.Madvise(m.data[from:to], syscall.MADV_DONTNEED)
	}
}

// close unmaps the file; no slice of its data may be used afterwards.
func (m *mappedFile) close() error {
	if !m.mapped {
		return nil
	}
	m.mapped = false
	err := syscall.Munmap(m.data)
	m.data = nil
	return err
}
