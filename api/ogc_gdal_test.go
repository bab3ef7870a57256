package api_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gdal runs a GDAL tool against the test server, with header (an
// Authorization line) sent on every request when not empty; it returns
// the output and whether the tool succeeded. A missing tool skips the
// test, or fails it under REQUIRE_GDAL=1.
func gdal(t *testing.T, header, tool string, args ...string) (string, bool) {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("REQUIRE_GDAL") == "1" {
			t.Fatalf("%s not found and REQUIRE_GDAL=1", tool)
		}
		t.Skipf("skipping: %s not found (apt-get install gdal-bin)", tool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "GDAL_HTTP_TIMEOUT=30", "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1", "CPL_DEBUG=OFF", "GDAL_HTTP_MAX_RETRY=0")
	if header != "" {
		file := filepath.Join(t.TempDir(), "headers")
		if err := os.WriteFile(file, []byte(header+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd.Env = append(cmd.Env, "GDAL_HTTP_HEADER_FILE="+file)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// gdalAnalysisLayers reads the analysis layers with GDAL's OAPIF
// driver, as a GIS analyst would: without credentials ogrinfo lists the
// public layers (the public signals' hot spots among them) and not the
// staff ones, and cannot open the odour surface; with an officer's token
// (GDAL_HTTP_HEADER_FILE) it lists and opens the risk areas and the
// surface, with as many features as the JSON answer matches.
func gdalAnalysisLayers(t *testing.T, w *authzWorld) {
	srv := httptest.NewServer(w.h)
	defer srv.Close()
	root := "OAPIF:" + srv.URL + "/ogc"

	public, ok := gdal(t, "", "ogrinfo", "-ro", "-so", root)
	if !ok {
		t.Fatalf("ogrinfo as the public: %s", public)
	}
	for _, id := range []string{"hotspots-petitions-gi", "hotspots-sensor-exceedances-ehsa", "sensor-anomalies"} {
		if !strings.Contains(public, id) {
			t.Errorf("the public's ogrinfo does not list %s:\n%s", id, public)
		}
	}
	for _, id := range []string{"air-risk-areas", "odour-surface", "hotspots-violations-gi", "facilities"} {
		if strings.Contains(public, id) {
			t.Errorf("the public's ogrinfo lists the staff layer %s:\n%s", id, public)
		}
	}
	if out, ok := gdal(t, "", "ogrinfo", "-ro", "-so", root, "odour-surface"); ok || strings.Contains(out, "Feature Count") {
		t.Errorf("the public opened the odour surface:\n%s", out)
	}

	officer := "Authorization: Bearer " + w.keys["officer"]
	listed, ok := gdal(t, officer, "ogrinfo", "-ro", "-so", root)
	if !ok || !strings.Contains(listed, "air-risk-areas") || !strings.Contains(listed, "odour-surface") || strings.Contains(listed, "hotspots-violations-gi") {
		t.Fatalf("the officer's ogrinfo:\n%s", listed)
	}
	count := regexp.MustCompile(`Feature Count: (\d+)`)
	for _, id := range []string{"air-risk-areas", "odour-surface", "hotspots-petitions-ehsa"} {
		out, ok := gdal(t, officer, "ogrinfo", "-ro", "-so", "-al", root, id)
		m := count.FindStringSubmatch(out)
		if !ok || m == nil {
			t.Fatalf("ogrinfo %s as the officer:\n%s", id, out)
		}
		rec := call(t, w.h, "GET", "/ogc/collections/"+id+"/items?f=json&limit=1", "", nil, w.keys["officer"])
		want := decode[struct {
			N int `json:"numberMatched"`
		}](t, rec.Body.Bytes()).N
		if got, _ := strconv.Atoi(m[1]); got != want || want == 0 {
			t.Errorf("%s: GDAL counts %d features, the JSON answer matches %d", id, got, want)
		}
	}
}
