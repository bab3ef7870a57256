// Package casetest holds the tests every casework.Repository must pass, so
// that the PostGIS store and the in-memory store of the demo behave alike.
// A store's test calls Run with a function that makes an empty repository.
package casetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/adf"
	"github.com/envtrace/envtrace/tracing/airquery"
	"github.com/envtrace/envtrace/tracing/model"
	"github.com/envtrace/envtrace/tracing/sensor"
)

// Run runs every repository test on repositories made by fresh.
func Run(t *testing.T, fresh func(t *testing.T) casework.Repository) {
	t.Run("round trip", func(t *testing.T) { roundTrip(t, fresh(t)) })
	t.Run("errors", func(t *testing.T) { errorCases(t, fresh(t)) })
	t.Run("list", func(t *testing.T) { list(t, fresh(t)) })
	t.Run("exports", func(t *testing.T) { exports(t, fresh(t)) })
	t.Run("items by reference", func(t *testing.T) { refItems(t, fresh(t)) })
	t.Run("shares", func(t *testing.T) { shares(t, fresh(t)) })
	t.Run("referrals", func(t *testing.T) { referrals(t, fresh(t)) })
	t.Run("sensor anomaly", func(t *testing.T) { sensorAnomaly(t, fresh(t)) })
}

// Trace makes a trace item of a reading at station, as a saved trace
// would hold it: a result with Chinese text and numbers a JSON round trip
// could reorder or reformat, a map with all three reach statuses and one
// evidence and one screening reading.
func Trace(station, verdict string) *casework.TraceItem {
	at := time.Date(2026, 8, 14, 4, 0, 0, 0, casework.Taipei)
	result := fmt.Sprintf(`{"station":%q,"parameter":"Cu","verdict":%q,"suspects":[{"facility_id":"N1489153","name":"偉成金屬表面處理股份有限公司","rank":1,"score":0.8123456789012345}],"zeta":1e-7,"alpha":null}`, station, verdict)
	lab := model.Sample{ID: "S-0814-01", Method: "NIEA W306.56A", Lab: "中部環境檢驗室", Accreditation: "環境部認可 第000號", QA: model.QAValid}
	return &casework.TraceItem{
		Inputs:  casework.TraceInputs{Station: station, Parameter: "Cu", Value: 1.815, Unit: "mg/L", Time: at, MaxHours: 72},
		Verdict: verdict, DataVersion: "sha256:abc", MethodVersion: "suspect/1",
		Result: json.RawMessage(result),
		Map: casework.TraceMap{
			Station: orb.Point{120.65, 24.05},
			Outfalls: []casework.MapOutfall{{FacilityID: "N1489153", Name: "偉成", Outfall: "D01", Role: "suspect", Rank: 1,
				Position: orb.Point{120.653, 24.057}}},
			Reaches: []casework.MapReach{
				{ID: "R1", Name: "福田圳", Status: casework.ReachSuspect, Line: orb.LineString{{120.65, 24.05}, {120.66, 24.06}}},
				{ID: "R2", Status: casework.ReachCleared, Line: orb.LineString{{120.66, 24.06}, {120.67, 24.07}}},
				{ID: "R3", Status: casework.ReachUnexplained, Line: orb.LineString{{120.67, 24.07}, {120.68, 24.08}}},
			},
		},
		Readings: []casework.EvidenceReading{
			casework.NewEvidenceReading("traced", model.Fixed, model.Reading{Station: station, Time: at, Parameter: "Cu", Value: 1.815, Unit: "mg/L", Sample: lab}, true),
			casework.NewEvidenceReading("upstream", model.Continuous, model.Reading{Station: "WQ-M03", Time: at.Add(-3 * time.Hour), Parameter: "Cu", Value: 0.013, Unit: "mg/L"}, true),
		},
	}
}

func newCase(t *testing.T, title, by string, at time.Time, items ...casework.Body) *casework.Case {
	t.Helper()
	c, err := casework.New(title, by, at, items...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// roundTrip stores a case and reads back the same bytes: the item body
// verbatim (numbers, key order and Chinese text intact), the digest, the
// shares and times.
func roundTrip(t *testing.T, r casework.Repository) {
	ctx := context.Background()
	at := time.Date(2026, 8, 14, 9, 30, 15, 123456789, casework.Taipei)
	c := newCase(t, "福田圳 銅 夜間排放", "user:officer-1", at, Trace("WQ-C1-01", "explained"))
	if err := r.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	back, err := r.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want, got := mustJSON(t, c), mustJSON(t, back); !bytes.Equal(want, got) {
		t.Fatalf("case changed in the store:\nsaved %s\nread  %s", want, got)
	}
	tr := back.Trace()
	if tr == nil || tr.Inputs.Station != "WQ-C1-01" || len(tr.Map.Reaches) != 3 || tr.Readings[0].Grade != casework.GradeEvidence ||
		tr.Readings[1].Grade != casework.GradeScreening {
		t.Fatalf("trace read back: %+v", tr)
	}
	if back.Items[0].Digest != casework.Digest(back.Items[0].Raw()) || !bytes.Contains(back.Items[0].Raw(), []byte(`"zeta":1e-7`)) {
		t.Errorf("item body not kept byte for byte: %s", back.Items[0].Raw())
	}
	if !back.CreatedAt.Equal(at.Truncate(time.Microsecond)) || back.CreatedAt.Location() != time.UTC {
		t.Errorf("created_at %v, want %v in UTC", back.CreatedAt, at)
	}
	// A copy handed out is the caller's: changing it changes nothing stored.
	back.Title = "changed"
	back.Trace().Verdict = "changed"
	again, err := r.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Title != c.Title || again.Trace().Verdict != "explained" {
		t.Errorf("the stored case changed through a returned copy: %q %q", again.Title, again.Trace().Verdict)
	}
}

func errorCases(t *testing.T, r casework.Repository) {
	ctx := context.Background()
	c := newCase(t, "case", "user:a", time.Now(), Trace("WQ-M06", "unexplained"))
	if err := r.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := r.CreateCase(ctx, c); !errors.Is(err, casework.ErrExists) {
		t.Errorf("second create: %v, want ErrExists", err)
	}
	if _, err := r.Case(ctx, "C-20260101-00000000"); !errors.Is(err, casework.ErrNotFound) {
		t.Errorf("unknown case: %v, want ErrNotFound", err)
	}
	bad := *c
	bad.ID, bad.Title = "C-20260101-0000000A", ""
	if err := r.CreateCase(ctx, &bad); !errors.Is(err, casework.ErrInvalid) {
		t.Errorf("untitled case: %v, want ErrInvalid", err)
	}
	if _, err := r.Case(ctx, bad.ID); !errors.Is(err, casework.ErrNotFound) {
		t.Errorf("an invalid case was stored: %v", err)
	}
}

// list checks visibility (own and shared cases), order (newest first)
// and the limit.
func list(t *testing.T, r casework.Repository) {
	ctx := context.Background()
	base := time.Date(2026, 9, 1, 8, 0, 0, 0, casework.Taipei)
	var ids []string
	for i, by := range []string{"user:a", "user:b", "user:a"} {
		c := newCase(t, fmt.Sprintf("case %d", i), by, base.Add(time.Duration(i)*time.Hour), Trace(fmt.Sprintf("WQ-M0%d", i+1), "explained"))
		if i == 1 {
			c.SharedWith = append(c.SharedWith, casework.Share{Principal: "role:inspector", Access: casework.AccessRead, Since: c.CreatedAt})
		}
		if err := r.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	tests := []struct {
		name, principal string
		limit           int
		want            []string
	}{
		{"everyone's, newest first", "", 10, []string{ids[2], ids[1], ids[0]}},
		{"limit", "", 2, []string{ids[2], ids[1]}},
		{"own", "user:a", 10, []string{ids[2], ids[0]}},
		{"shared", "role:inspector", 10, []string{ids[1]}},
		{"nobody's", "user:z", 10, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Cases(ctx, tc.principal, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			gotIDs := []string{}
			for _, s := range got {
				gotIDs = append(gotIDs, s.ID)
			}
			if fmt.Sprint(gotIDs) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", gotIDs, tc.want)
			}
			if len(got) > 0 && (got[0].Station == "" || got[0].Verdict != "explained" || len(got[0].Kinds) != 1 || got[0].Kinds[0] != casework.KindTrace) {
				t.Errorf("summary %+v", got[0])
			}
		})
	}
}

func exports(t *testing.T, r casework.Repository) {
	ctx := context.Background()
	c := newCase(t, "case", "user:a", time.Now(), Trace("WQ-C1-01", "explained"))
	if err := r.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	e := casework.Export{Format: casework.FormatCSV, SHA256: casework.Digest([]byte("a,b\n")), Bytes: 4, At: at, By: "user:a"}
	for i, want := range []bool{true, false} {
		added, err := r.RecordExport(ctx, c.ID, e)
		if err != nil || added != want {
			t.Fatalf("export %d: added %v, %v; want %v", i, added, err, want)
		}
	}
	x := e
	x.Format = casework.FormatKML
	if added, err := r.RecordExport(ctx, c.ID, x); err != nil || !added {
		t.Fatalf("another format: %v %v", added, err)
	}
	if _, err := r.RecordExport(ctx, "C-20260101-00000000", e); !errors.Is(err, casework.ErrNotFound) {
		t.Errorf("export of an unknown case: %v", err)
	}
	back, err := r.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Exports) != 2 || back.Exports[0] != e || back.Exports[1].Format != casework.FormatKML {
		t.Errorf("exports %+v", back.Exports)
	}
}

// Ref makes a reference item of kind to id with a public summary holding
// Chinese text and a number a round trip could reformat.
func Ref(t *testing.T, kind casework.Kind, id string) *casework.RefItem {
	t.Helper()
	sum := fmt.Sprintf(`{"id":%q,"description":"夜間異味，疑似塑膠燃燒","lat":24.0512345678,"state":"received"}`, id)
	r, err := casework.NewRef(kind, id, "/api/v1/x/"+id, json.RawMessage(sum))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// refItems adds one item of every kind held by reference after the trace
// and reads them back numbered in order, bodies byte for byte; an
// unknown case and an invalid item are refused and change nothing.
func refItems(t *testing.T, r casework.Repository) {
	ctx := context.Background()
	at := time.Date(2026, 8, 14, 9, 0, 0, 0, time.UTC)
	c := newCase(t, "聯合稽查", "user:alice", at, Trace("WQ-M01", "explained"))
	if err := r.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	var added []casework.Item
	for i, k := range casework.RefKinds {
		it, err := r.AddItem(ctx, c.ID, Ref(t, k, fmt.Sprintf("R-%d", i)), "user:bob", at.Add(time.Duration(i+1)*time.Hour))
		if err != nil {
			t.Fatalf("add %s: %v", k, err)
		}
		if it.Seq != i+2 || it.Kind != k {
			t.Errorf("add %s: seq %d kind %s, want %d %s", k, it.Seq, it.Kind, i+2, k)
		}
		added = append(added, it)
	}
	got, err := r.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 1+len(casework.RefKinds) || len(got.Refs()) != len(casework.RefKinds) {
		t.Fatalf("items %d, refs %d", len(got.Items), len(got.Refs()))
	}
	for i, want := range added {
		g := got.Items[i+1]
		if !bytes.Equal(g.Raw(), want.Raw()) || g.Digest != casework.Digest(want.Raw()) || g.AddedBy != "user:bob" || !g.AddedAt.Equal(want.AddedAt) {
			t.Errorf("item %d: got %s %s %s, want %s", g.Seq, g.Raw(), g.AddedBy, g.AddedAt, want.Raw())
		}
		if ref, ok := g.Body.(*casework.RefItem); !ok || ref.Kind() != want.Kind || ref.RefID != fmt.Sprintf("R-%d", i) {
			t.Errorf("item %d body: %#v", g.Seq, g.Body)
		}
	}
	if _, err := r.AddItem(ctx, "C-20260101-00000000", Ref(t, casework.KindPetition, "P-1"), "user:bob", at); !errors.Is(err, casework.ErrNotFound) {
		t.Errorf("unknown case: %v, want ErrNotFound", err)
	}
	bad := &casework.RefItem{RefID: "P-2", Summary: json.RawMessage(`"not an object"`)}
	if _, err := r.AddItem(ctx, c.ID, bad, "user:bob", at); err == nil {
		t.Error("an item of no known kind was stored")
	}
	if got, _ := r.Case(ctx, c.ID); len(got.Items) != 1+len(casework.RefKinds) {
		t.Errorf("a refused item changed the case: %d items", len(got.Items))
	}
}

// shares grants a case to a county and a user, replaces a grant, and
// lists the case for the principals shared with and no other.
func shares(t *testing.T, r casework.Repository) {
	ctx := context.Background()
	at := time.Date(2026, 8, 14, 9, 0, 0, 0, time.UTC)
	c := newCase(t, "移送案", "user:alice", at, Trace("WQ-M01", "explained"))
	if err := r.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, sh := range []casework.Share{
		{Principal: "county:TXG", Access: casework.AccessRead, Since: at.Add(time.Hour)},
		{Principal: "user:prosecutor-1", Access: casework.AccessRead, Since: at.Add(2 * time.Hour)},
		{Principal: "county:TXG", Access: casework.AccessEdit, Since: at.Add(3 * time.Hour)},
	} {
		if err := r.Share(ctx, c.ID, sh); err != nil {
			t.Fatalf("share %v: %v", sh, err)
		}
	}
	got, err := r.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"user:alice": "edit", "county:TXG": "edit", "user:prosecutor-1": "read"}
	if len(got.SharedWith) != len(want) {
		t.Errorf("shares %+v, want %v", got.SharedWith, want)
	}
	for _, sh := range got.SharedWith {
		if want[sh.Principal] != sh.Access {
			t.Errorf("share %+v, want access %q", sh, want[sh.Principal])
		}
		if sh.Principal == "county:TXG" && !sh.Since.Equal(at.Add(3*time.Hour)) {
			t.Errorf("replaced grant since %s", sh.Since)
		}
	}
	for name, n := range map[string]int{"user:prosecutor-1": 1, "county:TXG": 1, "user:other": 0} {
		if l, err := r.Cases(ctx, name, 10); err != nil || len(l) != n {
			t.Errorf("cases of %s: %d %v, want %d", name, len(l), err, n)
		}
	}
	if err := r.Share(ctx, c.ID, casework.Share{Principal: "everyone", Access: "read", Since: at}); !errors.Is(err, casework.ErrInvalid) {
		t.Errorf("bad principal: %v, want ErrInvalid", err)
	}
	if err := r.Share(ctx, "C-20260101-00000000", casework.Share{Principal: "user:x", Access: "read", Since: at}); !errors.Is(err, casework.ErrNotFound) {
		t.Errorf("unknown case: %v, want ErrNotFound", err)
	}
}

// referrals hands a Changhua case to Taichung and on to Yunlin: the
// history keeps both steps in order, the county follows, the bureau that
// has the case edits it and those it left read it; a bad county or an
// empty reason is refused and changes nothing.
func referrals(t *testing.T, r casework.Repository) {
	ctx := context.Background()
	at := time.Date(2026, 8, 14, 9, 0, 0, 0, time.UTC)
	c := newCase(t, "跨縣市移送", "user:alice", at, Trace("WQ-M01", "explained"))
	c.County = "CHA"
	if err := r.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := r.Share(ctx, c.ID, casework.Share{Principal: "county:CHA", Access: casework.AccessEdit, Since: at}); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ to, reason string }{{"TXG", "污染源位於臺中市"}, {"YUN", "上游延伸至雲林縣"}}
	for i, s := range steps {
		ref, err := r.Refer(ctx, c.ID, s.to, s.reason, "user:bob", at.Add(time.Duration(i+1)*time.Hour))
		if err != nil {
			t.Fatalf("refer to %s: %v", s.to, err)
		}
		if ref.Seq != i+1 || ref.To != s.to {
			t.Errorf("referral %+v", ref)
		}
	}
	for name, tc := range map[string]struct{ to, reason string }{
		"unknown county": {"XXX", "r"}, "same county": {"YUN", "r"}, "no reason": {"TPE", " "},
	} {
		if _, err := r.Refer(ctx, c.ID, tc.to, tc.reason, "user:bob", at); !errors.Is(err, casework.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := r.Refer(ctx, "C-20260101-00000000", "TPE", "r", "user:bob", at); !errors.Is(err, casework.ErrNotFound) {
		t.Errorf("unknown case: %v, want ErrNotFound", err)
	}
	got, err := r.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.County != "YUN" || len(got.Referrals) != 2 {
		t.Fatalf("county %q, referrals %+v", got.County, got.Referrals)
	}
	want := []casework.Referral{
		{Seq: 1, From: "CHA", To: "TXG", Reason: steps[0].reason, By: "user:bob", At: at.Add(time.Hour)},
		{Seq: 2, From: "TXG", To: "YUN", Reason: steps[1].reason, By: "user:bob", At: at.Add(2 * time.Hour)},
	}
	for i, w := range want {
		g := got.Referrals[i]
		if g.Seq != w.Seq || g.From != w.From || g.To != w.To || g.Reason != w.Reason || g.By != w.By || !g.At.Equal(w.At) {
			t.Errorf("referral %d: %+v, want %+v", i+1, g, w)
		}
	}
	access := map[string]string{}
	for _, sh := range got.SharedWith {
		access[sh.Principal] = sh.Access
	}
	for p, a := range map[string]string{"user:alice": "edit", "county:CHA": "read", "county:TXG": "read", "county:YUN": "edit"} {
		if access[p] != a {
			t.Errorf("%s has %q, want %q (shares %+v)", p, access[p], a, got.SharedWith)
		}
	}
}

// courseSensors reads the Civil IoT course file once per test binary.
var courseSensors = sync.OnceValues(func() (*sensor.Data, error) {
	dir, err := realdata.Locate()
	if err != nil {
		return nil, err
	}
	return sensor.ReadCivilIoTFile(filepath.Join(dir, "air/civiliot_kaohsiung/allLoc.csv"))
})

// courseAnomaly is an emission device of the Civil IoT course's two-week
// window, its anomaly id and its summary as the server resolves that id:
// the same input for every repository, so screened once per test binary.
type courseAnomaly struct {
	from time.Time
	dev  adf.Device
	id   string
	sum  *airquery.AnomalySummary
}

var screenCourse = sync.OnceValues(func() (*courseAnomaly, error) {
	d, err := courseSensors()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	from := time.Date(2022, 10, 15, 0, 0, 0, 0, sensor.Taipei)
	src := &airquery.Sources{Sensors: d}
	screen, err := airquery.RunAnomalies(ctx, src, airquery.Anomalies{From: from, To: from.AddDate(0, 0, 14)})
	if err != nil {
		return nil, err
	}
	for i := range screen.Devices {
		if dev := screen.Devices[i]; dev.Class == adf.ClassEmission {
			id := airquery.AnomalyID(dev.DeviceID, from, from.AddDate(0, 0, 14))
			sum, err := airquery.Anomaly(ctx, src, id)
			if err != nil {
				return nil, err
			}
			return &courseAnomaly{from: from, dev: dev, id: id, sum: sum}, nil
		}
	}
	return nil, errors.New("the course window has no emission device")
})

// sensorAnomaly resolves an emission device of the Civil IoT course's
// two-week window by its anomaly id, as the server does, adds it to a
// case and reads back the summary byte for byte with its numbers.
func sensorAnomaly(t *testing.T, r casework.Repository) {
	realdata.Path(t, "air/civiliot_kaohsiung/allLoc.csv")
	a, err := screenCourse()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	from, dev, id, sum := a.from, &a.dev, a.id, a.sum
	at := time.Date(2026, 8, 14, 9, 0, 0, 0, time.UTC)
	c := newCase(t, "微型感測器異常", "user:alice", at, Trace("WQ-M01", "explained"))
	if err := r.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	ref, err := casework.NewRef(casework.KindSensorAnomaly, id, "/api/v1/air/anomalies", mustJSON(t, sum))
	if err != nil {
		t.Fatal(err)
	}
	it, err := r.AddItem(ctx, c.ID, ref, "user:bob", at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Case(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	back, ok := got.Items[1].Body.(*casework.RefItem)
	if !ok || back.Kind() != casework.KindSensorAnomaly || back.RefID != id || !bytes.Equal(got.Items[1].Raw(), it.Raw()) {
		t.Fatalf("stored %#v, raw %s", got.Items[1].Body, got.Items[1].Raw())
	}
	var s airquery.AnomalySummary
	if err := json.Unmarshal(back.Summary, &s); err != nil {
		t.Fatal(err)
	}
	if s.Class != adf.ClassEmission || s.MD != dev.MD || s.MD <= s.MDThreshold || len(s.Neighbours) != len(dev.Evidence.Neighbours) ||
		s.REDSlices != dev.Evidence.REDSlices || len(s.Flagged) == 0 || !s.From.Equal(from) {
		t.Errorf("summary read back %+v, screen %+v", s, dev)
	}
}
