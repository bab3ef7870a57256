package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/envtrace/envtrace/store"
	"github.com/envtrace/envtrace/tracing/farmland"
)

// farmlandImpactQuery is the impact farmlandFollows asks: the PCB plant
// above every canal, the largest answer.
var farmlandImpactQuery = []string{"--facility", "B7695416", "--parameter", "Cu", "--value", "3", "--unit", "mg/L", "--time", "2026-08-14T04:00:00+08:00"}

// farmlandDirAnswer is the directory desk's answer to farmlandImpactQuery
// (the CLI's JSON, which is its REST twin's: TestFarmlandImpactMatchesREST),
// asked before the replicas start, so that it does not wait for them.
func farmlandDirAnswer(t *testing.T, dir string) string {
	t.Helper()
	code, stdout, stderr := runCmd(t, append([]string{"farmland", "impact", "--data", dir, "--json"}, farmlandImpactQuery...)...)
	if code != 0 {
		t.Fatalf("farmland impact --data: exit %d: %s", code, stderr)
	}
	return stdout
}

// farmlandFollows checks the farmland desk of two `serve --db` replicas
// started on the central fixture imported without its irrigation system
// (TestReplicasAgree runs it on its replicas): the desk answers 404 and
// the map has no irrigation layers until `import farmland --data dir`
// stores the first system, which both replicas then serve without a
// restart; the stored layers are the directory's, field for field; a
// replica answers an impact with the JSON the directory's desk gives
// (dirAnswer, farmlandDirAnswer); an import with a self-intersecting area
// is refused whole; and a valid import of changed layers reaches the
// running replica without a restart.
func farmlandFollows(t *testing.T, pool *pgxpool.Pool, dbURL, dir, dirAnswer string, a, b *replica) {
	t.Helper()
	ctx := t.Context()
	q := url.Values{}
	for i := 0; i+1 < len(farmlandImpactQuery); i += 2 {
		q.Set(strings.TrimPrefix(farmlandImpactQuery[i], "--"), farmlandImpactQuery[i+1])
	}
	rest := b.base + "/api/v1/farmland/impact?" + q.Encode()
	resp, err := http.Get(rest)
	if err != nil {
		t.Fatal(err)
	}
	var problem struct{ Detail string }
	err = json.NewDecoder(resp.Body).Decode(&problem)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || err != nil || !strings.Contains(problem.Detail, "import farmland") {
		t.Fatalf("before any irrigation system is stored, the impact answers %d %q (%v)", resp.StatusCode, problem.Detail, err)
	}
	if code := httpJSON(t, http.MethodGet, b.base+"/ogc/collections/intakes", "", nil); code != http.StatusNotFound {
		t.Fatalf("before any irrigation system is stored, the intakes layer answers %d", code)
	}
	if code, out, errs := runCmd(t, "import", "farmland", "--db", dbURL, "--data", dir); code != 0 {
		t.Fatalf("import farmland: exit %d: %s %s", code, out, errs)
	}
	var want, got map[string]any
	if err := json.Unmarshal([]byte(dirAnswer), &want); err != nil {
		t.Fatal(err)
	}
	if ins, _ := want["intakes"].([]any); len(ins) == 0 {
		t.Fatalf("the test needs an impact that reaches intakes: %.400v", want)
	}
	for _, r := range []*replica{a, b} {
		waitUntil(t, "the first irrigation system served at "+r.base, func() bool {
			return httpJSON(t, http.MethodGet, r.base+"/api/v1/farmland/impact?"+q.Encode(), "", &got) == http.StatusOK && reflect.DeepEqual(got, want)
		})
	}
	if code := httpJSON(t, http.MethodGet, a.base+"/ogc/collections/intakes", "", nil); code != http.StatusOK {
		t.Fatalf("after the first irrigation system was stored, the intakes layer answers %d", code)
	}
	dirData, err := farmland.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	stored, rev, err := store.LoadFarmland(ctx, pool)
	if err != nil || rev == 0 || !reflect.DeepEqual(stored, dirData) {
		t.Fatalf("stored irrigation system (rev %d, %v) differs from the directory's", rev, err)
	}

	// A bow-tie ring in the last area beside a renamed work station: the
	// import names the area and writes nothing, the rename included.
	next := filepath.Join(t.TempDir(), "next")
	if err := os.CopyFS(next, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	const office, renamed = "福田工作站", "福田工作站（遷址）"
	rewrite(t, filepath.Join(next, farmland.FileIntakes), func(s string) string { return strings.ReplaceAll(s, office, renamed) })
	areas := filepath.Join(next, farmland.FileAreas)
	valid, err := os.ReadFile(areas)
	if err != nil {
		t.Fatal(err)
	}
	last := dirData.Areas[len(dirData.Areas)-1]
	rewrite(t, areas, func(s string) string {
		var fc map[string]any
		if err := json.Unmarshal([]byte(s), &fc); err != nil {
			t.Fatal(err)
		}
		fs := fc["features"].([]any)
		x, y := last.Geometry.Bound().Min[0], last.Geometry.Bound().Min[1]
		fs[len(fs)-1].(map[string]any)["geometry"] = map[string]any{"type": "Polygon",
			"coordinates": [][][2]float64{{{x, y}, {x + 100, y + 100}, {x + 100, y}, {x, y + 100}, {x, y}}}}
		out, err := json.Marshal(fc)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	})
	bad, err := farmland.ReadDir(next)
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.ImportFarmland(ctx, pool, bad, "next")
	if msg := fmt.Sprint(err); !strings.Contains(msg, "area "+last.ID+": invalid polygon: Self-intersection") || !strings.Contains(msg, "nothing written") {
		t.Fatalf("import of a bow-tie area: %v", err)
	}
	if _, after, err := store.LoadFarmland(ctx, pool); err != nil || after != rev {
		t.Fatalf("after the refused import the store is at rev %d (%v), want %d", after, err, rev)
	}

	// The valid areas back: the rename is stored, and the other replica
	// answers with it.
	if err := os.WriteFile(areas, valid, 0o644); err != nil {
		t.Fatal(err)
	}
	good, err := farmland.ReadDir(next)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ImportFarmland(ctx, pool, good, "next"); err != nil {
		t.Fatal(err)
	}
	var moved map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(dirAnswer, office, renamed)), &moved); err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(moved, want) {
		t.Fatalf("the test needs the impact to reach %s", office)
	}
	waitUntil(t, "the replica to answer with the imported layers", func() bool {
		getJSON(t, rest, &got)
		return reflect.DeepEqual(got, moved)
	})
}

// rewrite replaces the content of the file at path with edit's.
func rewrite(t *testing.T, path string, edit func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}
