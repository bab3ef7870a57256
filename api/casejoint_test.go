package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/envtrace/envtrace/access"
)

// TestJointCases works a joint-defence case end to end over REST: a
// bureau it is shared with for edit adds a petition and a dumping report
// by reference (public summaries only), shares the case with one NGO,
// which sees the public summary and reports into it; nobody else may
// change it, a whole role is never granted, and every step is audited.
func TestJointCases(t *testing.T) {
	w := newAuthzWorld(t)
	rec, ngoKey, err := w.tokens.Create(context.Background(), access.Principal{Role: access.NGO}, time.Hour, "joint ngo")
	if err != nil {
		t.Fatal(err)
	}
	ngo := "user:" + "token:" + rec.ID
	base := "/api/v1/cases/" + w.caseOther
	steps := []struct {
		name, who, method, target, body string
		code                            int
		has, hasNot                     []string
	}{
		{"Changhua may not yet add to the centre's case", "officer", "POST", base + "/items", `{"kind":"petition","id":"` + w.petition + `"}`, 403, nil, nil},
		{"the centre shares it with Changhua for edit", "admin", "POST", base + "/shares", `{"principal":"county:CHA","access":"edit"}`, 201, []string{`"county:CHA"`, `"edit"`}, nil},
		{"Changhua adds the petition: public view, no contact", "officer", "POST", base + "/items", `{"kind":"petition","id":"` + w.petition + `"}`, 201,
			[]string{`"kind":"petition"`, `"ref_id":"` + w.petition + `"`, `"fuzz_box_m"`}, []string{"王小明", "0912345678", "大城鄉", "120.3456789"}},
		{"and the dumping report", "officer", "POST", base + "/items", `{"kind":"dumping_report","id":"` + w.reportNPA + `"}`, 201,
			[]string{`"kind":"dumping_report"`, `"seq":3`}, nil},
		{"an unknown record is named", "officer", "POST", base + "/items", `{"kind":"dumping_report","id":"nope"}`, 400, []string{"nope"}, nil},
		{"a malformed sensor anomaly id is named", "officer", "POST", base + "/items", `{"kind":"sensor_anomaly","id":"A-1"}`, 400, []string{`\"A-1\" is not a sensor anomaly id`}, nil},
		{"Taichung may not add", "officer-TXG", "POST", base + "/items", `{"kind":"petition","id":"` + w.petition + `"}`, 403, nil, nil},
		{"never a whole role", "officer", "POST", base + "/shares", `{"principal":"role:investigator"}`, 400, []string{"whole role"}, nil},
		{"an NGO never edits", "officer", "POST", base + "/shares", `{"principal":"` + ngo + `","access":"edit"}`, 400, []string{"county bureau"}, nil},
		{"the NGO may not read it before it is shared", "ngo-joint", "GET", base, "", 403, nil, nil},
		{"Changhua shares it with the NGO", "officer", "POST", base + "/shares", `{"principal":"` + ngo + `"}`, 201, []string{`"read"`}, nil},
		{"the NGO sees the public summary only", "ngo-joint", "GET", base, "", 200,
			[]string{`"kinds":["trace","petition","dumping_report"]`}, []string{`"items"`, `"suspects"`, `"shared_with"`, "豬糞味很重"}},
		{"nor exports it", "ngo-joint", "GET", base + "/export?f=csv", "", 403, nil, nil},
		{"the NGO reports into it", "ngo-joint", "POST", base + "/reports", `{"title":"現場採樣","text":"下游排水溝呈紅褐色"}`, 201, []string{`"kind":"ngo_report"`, `"seq":4`}, nil},
		{"but not into a case not shared with it", "ngo-joint", "POST", "/api/v1/cases/" + w.caseShared + "/reports", `{"title":"t","text":"x"}`, 403, nil, nil},
		{"the investigator still never sees the unshared case", "investigator", "GET", base, "", 403, nil, nil},
		{"the officer reads the whole file", "officer", "GET", base, "", 200, []string{`"ngo_report"`, "下游排水溝呈紅褐色", `"summary"`}, []string{"王小明"}},
		{"its GeoJSON carries the items, public summaries only", "officer", "GET", base + "/export?f=geojson", "", 200,
			[]string{`"item:2"`, w.petition, "下游排水溝呈紅褐色"}, []string{"王小明", "0912345678", "大城鄉", "120.3456789"}},
		{"so does its CSV", "officer", "GET", base + "/export?f=csv", "", 200, []string{"陳情", w.petition, w.reportNPA}, []string{"王小明", "0912345678", "120.3456789"}},
		{"and its KML", "officer", "GET", base + "/export?f=kml", "", 200, []string{"item-petition", w.petition}, []string{"王小明", "0912345678", "120.3456789"}},
		{"Taichung may not refer it", "officer-TXG", "POST", base + "/referrals", `{"to_county":"TXG","reason":"r"}`, 403, nil, nil},
		{"an unknown county is named", "officer", "POST", base + "/referrals", `{"to_county":"ABC","reason":"r"}`, 400, []string{"ABC"}, nil},
		{"Changhua refers it to Taichung", "officer", "POST", base + "/referrals", `{"to_county":"TXG","reason":"排放源位於臺中市"}`, 201,
			[]string{`"seq":1`, `"to_county":"TXG"`, `"by":"user:token:`}, nil},
		{"Taichung now adds to it", "officer-TXG", "POST", base + "/items", `{"kind":"petition","id":"` + w.petition + `"}`, 201, []string{`"seq":5`}, nil},
		{"and Changhua, which keeps its history, no longer does", "officer", "POST", base + "/items", `{"kind":"petition","id":"` + w.petition + `"}`, 403, nil, nil},
		{"but still reads it, with the history", "officer", "GET", base, "", 200, []string{`"county":"TXG"`, `"from_county":""`, `"reason":"排放源位於臺中市"`}, nil},
	}
	keys := func(who string) string {
		if who == "ngo-joint" {
			return ngoKey
		}
		return w.keys[who]
	}
	before := len(w.audit.Entries())
	for _, s := range steps {
		r := call(t, w.h, s.method, s.target, "application/json", []byte(s.body), keys(s.who))
		if r.Code != s.code {
			t.Fatalf("%s: %s %s as %s: %d, want %d: %s", s.name, s.method, s.target, s.who, r.Code, s.code, r.Body)
		}
		for _, x := range s.has {
			if !strings.Contains(r.Body.String(), x) {
				t.Errorf("%s: answer lacks %s: %.600s", s.name, x, r.Body)
			}
		}
		for _, x := range s.hasNot {
			if strings.Contains(r.Body.String(), x) {
				t.Errorf("%s: answer holds %s: %.600s", s.name, x, r.Body)
			}
		}
	}
	// Every step is a case access: each one, allowed or not, is audited.
	got := w.audit.Entries()[before:]
	if len(got) != len(steps) {
		t.Fatalf("%d audit entries for %d case requests", len(got), len(steps))
	}
	for i, e := range got {
		want := steps[i].code != 403
		if e.Allowed != want || !strings.Contains(e.Resource, "/api/v1/cases/") {
			t.Errorf("step %q audited as %+v", steps[i].name, e)
		}
	}
	t.Run("the NGO's list holds the shared case without its verdict", func(t *testing.T) {
		r := call(t, w.h, "GET", "/api/v1/cases", "", nil, ngoKey)
		list := decode[struct {
			Cases []struct{ ID, Verdict string } `json:"cases"`
		}](t, r.Body.Bytes())
		ids := []string{}
		for _, c := range list.Cases {
			ids = append(ids, c.ID)
			if c.Verdict != "" {
				t.Errorf("the NGO sees verdict %q", c.Verdict)
			}
		}
		if !slices.Equal(ids, []string{w.caseOther}) {
			t.Fatalf("NGO's cases %v, want [%s]", ids, w.caseOther)
		}
	})
}
