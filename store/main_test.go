package store_test

import (
	"os"
	"testing"

	"github.com/envtrace/envtrace/store/storetest"
)

// TestMain drops the migrated template database that migrated clones once
// every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	storetest.DropPrepared()
	os.Exit(code)
}
