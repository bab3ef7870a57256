package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/gis/postgis"
)

// petitionJSON is what the desk answers for the demo administrator.
type petitionJSON struct {
	ID       string  `json:"petition_id"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	ExactLon float64 `json:"exact_lon"`
	ExactLat float64 `json:"exact_lat"`
	Case     string  `json:"case_number"`
}

func httpJSON(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

// TestPetitionsPersistAcrossReplicas: a petition posted over REST to one
// `serve --db` is stored in PostGIS before it is acknowledged (its contact
// only sealed), served by a second replica within seconds (LISTEN/NOTIFY)
// at the same public location, still there after the first restarts,
// and its case number is refused a second time on either replica.
func TestPetitionsPersistAcrossReplicas(t *testing.T) {
	dbURL := replicaDB(t)
	keyLine, err := privacy.NewKeyLine("odour-test")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte(keyLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ENVTRACE_PRIVACY_KEY_FILE", keyFile)
	t.Setenv("ENVTRACE_PRIVACY_SECRET", strings.Repeat("a3", 32))

	ctxA, stopA := context.WithCancel(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	a, b := startReplica(ctxA, t, dbURL), startReplica(ctx, t, dbURL)
	var c *replica
	defer func() {
		stopA()
		cancel()
		for _, r := range []*replica{a, b, c} {
			if r != nil {
				<-r.done
			}
		}
	}()
	body := `{"case_number":"CH-2027-0042","received":"2027-01-20T21:05:00+08:00","lon":120.5321,"lat":24.0712,
		"category":"agriculture/manure","intensity":4,"hedonic":-3,"duration":"continuous-hour","channel":"1999",
		"description":"豬糞味","contact":{"name":"測試陳情人甲","phone":"0911222333","address":"彰化縣大城鄉"}}`
	var posted petitionJSON
	if code := httpJSON(t, "POST", a.base+"/api/v1/odour/petitions", body, &posted); code != http.StatusCreated || posted.ID == "" {
		t.Fatalf("POST to the first replica: %d %+v", code, posted)
	}
	if posted.ExactLon != 120.5321 || posted.Lon == posted.ExactLon {
		t.Fatalf("the answer %+v", posted)
	}

	// The second replica serves it, at the same public location.
	start := time.Now()
	var seen petitionJSON
	for httpJSON(t, "GET", b.base+"/api/v1/odour/petitions/"+posted.ID, "", &seen) != http.StatusOK {
		if time.Since(start) > 15*time.Second {
			t.Fatalf("the second replica does not serve %s after 15 s", posted.ID)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("the second replica served %s after %v", posted.ID, time.Since(start))
	if seen != posted {
		t.Errorf("second replica %+v, first %+v", seen, posted)
	}
	if code := httpJSON(t, "POST", b.base+"/api/v1/odour/petitions", body, nil); code != http.StatusBadRequest {
		t.Errorf("the same case number on the second replica: %d, want 400", code)
	}

	// In PostGIS: the exact point, the contact sealed and nowhere in clear.
	pool, err := postgis.Open(ctx, dbURL, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var row string
	var sealed []byte
	if err := pool.QueryRow(ctx, `select row_to_json(p)::text, contact_sealed from (select petition_id, time, category, description, case_number,
		received, origin, ST_AsText(geom) as geom, encode(contact_sealed, 'escape') as contact_text, contact_sealed from petitions) p
		where petition_id = $1`, posted.ID).Scan(&row, &sealed); err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"0911222333", "測試陳情人甲", "大城"} {
		if strings.Contains(row, clear) || bytes.Contains(sealed, []byte(clear)) {
			t.Errorf("the stored row holds %q in clear: %s", clear, row)
		}
	}
	if !strings.Contains(row, "POINT(120.5321 24.0712)") || !strings.Contains(row, `"origin":"intake"`) || len(sealed) == 0 {
		t.Errorf("stored row %s", row)
	}

	// The first replica restarts: the petition and its contact are back.
	stopA()
	<-a.done
	a = nil
	c = startReplica(ctx, t, dbURL)
	var again petitionJSON
	if code := httpJSON(t, "GET", c.base+"/api/v1/odour/petitions/"+posted.ID, "", &again); code != http.StatusOK || again != posted {
		t.Fatalf("after a restart: %d %+v, want %+v", code, again, posted)
	}
	var contact struct{ Name, Phone string }
	if code := httpJSON(t, "GET", c.base+"/api/v1/odour/petitions/"+posted.ID+"/contact", "", &contact); code != http.StatusOK || contact.Phone != "0911222333" {
		t.Errorf("contact after a restart: %d %+v", code, contact)
	}
	var rank struct{ Petitions int }
	if code := httpJSON(t, "GET", c.base+"/api/v1/odour/rank?from=2027-01-20T20:00:00%2B08:00&to=2027-01-20T23:00:00%2B08:00", "", &rank); code != http.StatusOK && code != http.StatusUnprocessableEntity {
		t.Errorf("rank over the restored petition: %d", code)
	} else if code == http.StatusOK && rank.Petitions != 1 {
		t.Errorf("rank counts %d petitions, want the restored one", rank.Petitions)
	}
}
