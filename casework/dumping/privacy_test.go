package dumping_test

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/access/privacy"
	"github.com/envtrace/envtrace/casework/dumping"
)

// TestPublicViewHoldsNoPersonalData submits reports with a contact from
// one place and checks that what the public may read (the summaries, one
// by one and listed) holds neither the contact, in any spelling, nor the
// exact location, and that reports from one place publish one point.
func TestPublicViewHoldsNoPersonalData(t *testing.T) {
	f := newDesk(t)
	ctx := context.Background()
	p := f.on(t, "npa-central", true)
	const contact = "0912-345-678"
	first := f.submit(t, p, contact)
	second := f.submit(t, orb.Point{p[0] + 3, p[1] - 2}, contact) // a few metres away: GPS scatter
	var texts []string
	for _, id := range []string{first.ID, second.ID} {
		pub, err := f.desk.PublicReport(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(pub)
		texts = append(texts, string(b))
	}
	list, err := f.desk.PublicReports(ctx, dumping.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(list)
	texts = append(texts, string(b))
	exact := []string{
		strconv.FormatFloat(first.Lon, 'f', -1, 64), strconv.FormatFloat(first.Lat, 'f', -1, 64),
		strconv.FormatFloat(second.Lon, 'f', -1, 64), strconv.FormatFloat(second.Lat, 'f', -1, 64),
	}
	forbidden := append([]string{"345-678", "345678", privacy.Mask(contact), `"contact"`}, exact...)
	for _, text := range texts {
		for _, s := range forbidden {
			if strings.Contains(text, s) {
				t.Errorf("public view holds %q: %s", s, text)
			}
		}
	}
	var a, c dumping.PublicReport
	_ = json.Unmarshal([]byte(texts[0]), &a)
	_ = json.Unmarshal([]byte(texts[1]), &c)
	if a.Lon != c.Lon || a.Lat != c.Lat {
		t.Errorf("two reports a few metres apart published (%v, %v) and (%v, %v): averaging them would narrow the place", a.Lon, a.Lat, c.Lon, c.Lat)
	}
	if dy := math.Abs(a.Lat-first.Lat) * 111195; dy > privacy.FuzzBoxM || a.FuzzM != 161 {
		t.Errorf("public point %.1f m north-south of the report, fuzz_m %d", dy, a.FuzzM)
	}
	// The centre reads the contact in full; the desk's own audit trail
	// records the read, not the contact.
	centre := dumping.Viewer{Role: dumping.RoleCentre, Name: "值班"}
	if got, err := f.desk.Contact(ctx, centre, first.ID); err != nil || got != contact {
		t.Fatalf("centre reads %q, %v", got, err)
	}
	trail, err := f.desk.Audit(ctx, centre, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(trail)
	if strings.Contains(string(b), "345") {
		t.Errorf("the audit trail holds the contact: %s", b)
	}
}
