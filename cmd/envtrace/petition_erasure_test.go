package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/gis/postgis"
)

// contactJSON is the answer of GET /api/v1/odour/petitions/{id}/contact.
type contactJSON struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Email  string `json:"email"`
	Erased bool   `json:"erased"`
}

// TestPetitionErasureReachesReplicas: petitions posted with a contact to
// a running `serve --db` carry the blind index of the petitioner's phone
// and e-mail; `privacy erase` by the phone (written another way) drops the
// contacts of that person's petitions, those with a blind index and one
// stored without (found by opening it with the keyring), in the same run
// as the other erasures, keeps the petitions and their exact locations,
// leaves another person's contact alone, and the running server answers
// that the contact was erased within seconds (NOTIFY), as it does for a
// contact a retention purge drops, and so does a server started afterwards.
func TestPetitionErasureReachesReplicas(t *testing.T) {
	dbURL := replicaDB(t)
	keyLine, err := privacy.NewKeyLine("erasure-test")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte(keyLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ENVTRACE_PRIVACY_KEY_FILE", keyFile)
	t.Setenv("ENVTRACE_AUDIT_KEY", strings.Repeat("5a", 32)) // purge and erase are audited
	t.Setenv("ENVTRACE_PRIVACY_SECRET", strings.Repeat("5c", 32))

	ctx, cancel := context.WithCancel(context.Background())
	a := startReplica(ctx, t, dbURL)
	var b *replica
	defer func() {
		cancel()
		<-a.done
		if b != nil {
			<-b.done
		}
	}()
	post := func(n int, contact string) string {
		t.Helper()
		body := fmt.Sprintf(`{"received":"2027-02-0%dT09:00:00+08:00","lon":120.53%d,"lat":24.07,"category":"agriculture/manure",
			"intensity":3,"duration":"punctual","contact":%s}`, n, n, contact)
		var p petitionJSON
		if code := httpJSON(t, "POST", a.base+"/api/v1/odour/petitions", body, &p); code != http.StatusCreated || p.ID == "" {
			t.Fatalf("POST petition %d: %d %+v", n, code, p)
		}
		return p.ID
	}
	person := `{"name":"測試陳情人乙","phone":"0911-222-333","email":"Yi@Example.tw"}`
	byPhone := post(1, person)
	byEmail := post(2, `{"name":"測試陳情人乙","email":"yi@example.tw"}`)
	unindexed := post(3, person)
	other := post(4, `{"name":"測試陳情人丙","phone":"0922333444"}`)

	pool, err := postgis.Open(ctx, dbURL, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var subjects int
	if err := pool.QueryRow(ctx, `select count(*) from petitions where contact_subjects is not null and petition_id = any($1)`,
		[]string{byPhone, byEmail, unindexed, other}).Scan(&subjects); err != nil || subjects != 4 {
		t.Fatalf("petitions stored with a blind index: %d (%v), want 4", subjects, err)
	}
	// A petition stored before the blind index existed.
	if _, err := pool.Exec(ctx, `update petitions set contact_subjects = null where petition_id = $1`, unindexed); err != nil {
		t.Fatal(err)
	}
	var c contactJSON
	if code := httpJSON(t, "GET", a.base+"/api/v1/odour/petitions/"+byPhone+"/contact", "", &c); code != http.StatusOK || c.Phone != "0911-222-333" {
		t.Fatalf("contact before the erasure: %d %+v", code, c)
	}

	waitErased := func(ids ...string) {
		t.Helper()
		start := time.Now()
		for _, id := range ids {
			for {
				var got contactJSON
				if code := httpJSON(t, "GET", a.base+"/api/v1/odour/petitions/"+id+"/contact", "", &got); code == http.StatusOK && got.Erased {
					if got.Name != "" || got.Phone != "" || got.Email != "" {
						t.Errorf("%s: erased contact still shows %+v", id, got)
					}
					break
				}
				if time.Since(start) > 20*time.Second {
					t.Fatalf("the running server still holds the contact of %s 20 s after the erasure", id)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		t.Logf("the running server dropped %v after %v", ids, time.Since(start))
	}
	code, out, errs := runCmd(t, "privacy", "erase", "--db", dbURL, "--contact", "+886 911 222 333")
	if code != 0 || !strings.Contains(out, `"petition_contacts":2`) || !strings.Contains(errs, "2 odour petitioners' contacts") {
		t.Fatalf("erase by phone: exit %d %s %s", code, out, errs)
	}
	waitErased(byPhone, unindexed)
	var kept contactJSON
	if code := httpJSON(t, "GET", a.base+"/api/v1/odour/petitions/"+byEmail+"/contact", "", &kept); code != http.StatusOK || kept.Email != "yi@example.tw" {
		t.Errorf("the petition given by e-mail only, before its erasure: %d %+v", code, kept)
	}
	code, out, errs = runCmd(t, "privacy", "erase", "--db", dbURL, "--contact", "YI@example.tw")
	if code != 0 || !strings.Contains(out, `"petition_contacts":1`) {
		t.Fatalf("erase by e-mail: exit %d %s %s", code, out, errs)
	}
	waitErased(byEmail)
	if code := httpJSON(t, "GET", a.base+"/api/v1/odour/petitions/"+other+"/contact", "", &c); code != http.StatusOK || c.Phone != "0922333444" || c.Erased {
		t.Errorf("another person's contact: %d %+v", code, c)
	}

	// In PostGIS: no sealed contact, no blind index, the exact point kept.
	var left, points int
	if err := pool.QueryRow(ctx, `select count(contact_sealed) + count(contact_subjects), count(geom) from petitions where petition_id = any($1)`,
		[]string{byPhone, byEmail, unindexed}).Scan(&left, &points); err != nil || left != 0 || points != 3 {
		t.Errorf("erased rows hold %d contacts or indexes and %d points (%v), want 0 and 3", left, points, err)
	}

	// A retention purge two years on reaches the running server the same way.
	if code, out, errs := runCmd(t, "privacy", "purge", "--db", dbURL, "--now", "2029-02-05T00:00:00+08:00"); code != 0 || !strings.Contains(out, `"petition_contacts":1`) {
		t.Fatalf("purge: exit %d %s %s", code, out, errs)
	}
	waitErased(other)

	// A server started afterwards knows they were erased.
	b = startReplica(ctx, t, dbURL)
	var after contactJSON
	if code := httpJSON(t, "GET", b.base+"/api/v1/odour/petitions/"+unindexed+"/contact", "", &after); code != http.StatusOK || !after.Erased || after.Phone != "" {
		t.Errorf("after a restart: %d %+v", code, after)
	}
}
