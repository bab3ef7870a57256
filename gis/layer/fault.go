package layer

import (
	"fmt"
	"path/filepath"
	"runtime/debug"
)

// ReadMapped runs read, which reads a file this package has mapped
// (OpenCSV, OpenGeoJSON), and turns the fault that a file shrunk by
// another process raises on the pages past its new end (SIGBUS) into an
// error naming the file. Without it the reader would crash the process,
// where reading the file whole would have read the old bytes: bad input
// gets an error, never a crash. Any other panic goes on.
func ReadMapped(path string, read func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		r := recover()
		if r == nil {
			return
		}
		if _, fault := r.(interface{ Addr() uintptr }); fault {
			err = fmt.Errorf("layer: %s: the file changed while it was read (it is shorter than when it was opened): %v", filepath.Base(path), r)
			return
		}
		panic(r)
	}()
	return read()
}
