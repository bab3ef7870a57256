// Package archtest guards the dependency direction the README documents:
// each top-level folder has a rank (layer below) and imports only lower
// ranks or itself, so cmd → api → store → fixtures → casework → tracing →
// hydro, atmos → access → gis → internal; and the binary never links the
// data generators.
package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/envtrace/envtrace/internal/realdata"
)

const module = "github.com/envtrace/envtrace/"

// layer ranks top-level folders; a package may import only lower ranks (or
// its own folder).
var layer = map[string]int{
	"internal": 0,
	"gis":      1,
	"access":   2,
	"hydro":    3,
	"atmos":    3,
	"tracing":  4,
	"casework": 5,
	"fixtures": 6,
	"store":    7,
	"api":      8,
	"cmd":      9,
}

func TestDependenciesPointOneWay(t *testing.T) {
	root, err := realdata.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		from, ok := layer[top]
		if !ok {
			t.Errorf("%s: top-level folder %q is not in the documented architecture", rel, top)
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			dep := strings.Split(strings.TrimPrefix(p, module), "/")[0]
			to, ok := layer[dep]
			if !ok {
				t.Errorf("%s imports %s from an undocumented folder", rel, p)
				continue
			}
			if dep != top && to >= from {
				t.Errorf("%s (%s) imports %s (%s): dependencies must point down %v", rel, top, p, dep, layer)
			}
			checked++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d imports checked; the walk missed the tree", checked)
	}
}

// testOnly are packages the production binary must never link: generators
// of data the repository embeds or tests use. They are reachable from tests
// and from their own commands only.
var testOnly = []string{"fixtures/generate", "fixtures/synth", "fixtures/odoursynth"}

// TestBinaryLeavesGeneratorsOut follows the non-test imports of
// cmd/envtrace and fails when a generator is among them.
func TestBinaryLeavesGeneratorsOut(t *testing.T) {
	root, err := realdata.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(pkg string, path []string)
	walk = func(pkg string, path []string) {
		if seen[pkg] {
			return
		}
		seen[pkg] = true
		for _, bad := range testOnly {
			if pkg == bad {
				t.Errorf("the envtrace binary links %s through %s", bad, strings.Join(path, " → "))
			}
		}
		files, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pkg), "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if dep, ok := strings.CutPrefix(p, module); ok {
					walk(dep, append(path[:len(path):len(path)], dep))
				}
			}
		}
	}
	walk("cmd/envtrace", []string{"cmd/envtrace"})
	if !seen["fixtures"] || !seen["api"] {
		t.Fatalf("the walk from cmd/envtrace missed packages it links: %v", seen)
	}
}
