package model

import (
	"testing"

	"github.com/envtrace/envtrace/internal/datadir"
)

// TestDataDirListsEveryFile keeps the one list of data-directory files in
// step with the files this package reads and writes.
func TestDataDirListsEveryFile(t *testing.T) {
	for _, f := range append(append([]string{}, fileOrder...), NetworkFiles...) {
		if !datadir.Known(f) {
			t.Errorf("%s is read by package model but not listed in internal/datadir", f)
		}
	}
}
