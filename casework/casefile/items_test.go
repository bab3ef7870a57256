package casefile_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/casework/casefile"
	"github.com/envtrace/envtrace/casework/casetest"
)

// jointCase is a case with one item of every kind besides its trace:
// three with a position (petition, inspection, sensor anomaly), a
// dumping report without one, and a civil-society report.
func jointCase(t *testing.T) *casework.Case {
	t.Helper()
	at := time.Date(2026, 8, 14, 1, 0, 0, 0, time.UTC)
	c, err := casework.New("聯合稽查", "user:alice", at, casetest.Trace("WQ-M01", "explained"))
	if err != nil {
		t.Fatal(err)
	}
	refs := []struct {
		kind casework.Kind
		id   string
		sum  string
	}{
		{casework.KindPetition, "OP-000007", `{"petition_id":"OP-000007","time":"2026-08-13T22:00:00+08:00","category":"chemical","intensity":4,"lon":120.3457,"lat":24.0512,"fuzz_box_m":160.9}`},
		{casework.KindDumping, "DR-42", `{"id":"DR-42","state_label":"處理中","agency":"彰化縣環境保護局","description":"廢棄物堆置","requested_at":"2026-08-13T02:00:00Z"}`},
		{casework.KindInspection, "IN-9", `{"id":"IN-9","facility_id":"N1489153","facility_name":"偉成","lon":120.653,"lat":24.057,"date":"2026-08-15","findings":2,"samples":1,"violations":1,"penalties":0}`},
		{casework.KindSensorAnomaly, "D1@2026-08-01T00:00+08:00/2026-08-15T00:00+08:00", `{"device_id":"D1","class":"emission","md":0.61,"md_threshold":0.2571,"red":[{},{}],"lon":120.66,"lat":24.06,"from":"2026-08-01T00:00:00+08:00","to":"2026-08-15T00:00:00+08:00"}`},
	}
	for _, r := range refs {
		ref, err := casework.NewRef(r.kind, r.id, "/x", json.RawMessage(r.sum))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Add(ref, "user:bob", at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Add(&casework.NGOReport{Title: "現場採樣", Text: "下游排水溝呈紅褐色"}, "user:ngo", at.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	return c
}

func render(t *testing.T, c *casework.Case, format string) []byte {
	t.Helper()
	f, err := casefile.Render(c, format)
	if err != nil {
		t.Fatal(err)
	}
	return f.Body
}

// TestExportsCarryItems: every export of a joint case carries its items
// besides the trace, with their one-line summaries; those with a position
// are drawn in GeoJSON and KML.
func TestExportsCarryItems(t *testing.T) {
	c := jointCase(t)
	t.Run("csv", func(t *testing.T) {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(render(t, c, casework.FormatCSV), []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		at := -1
		for i, row := range rows {
			if row[0] == "序號" {
				at = i
			}
		}
		if at < 0 || len(rows)-at-1 != 5 {
			t.Fatalf("no items table of 5 rows: %v", rows)
		}
		items := rows[at+1:]
		if items[0][1] != "陳情" || items[0][4] != "120.3457" || !strings.Contains(items[0][3], "強度 4") ||
			items[1][4] != "" || !strings.Contains(items[2][3], "違規 1") || !strings.Contains(items[3][3], "瞬間升高 2 次") ||
			!strings.Contains(items[3][3], "疑似排放源") || items[4][2] != "現場採樣" {
			t.Errorf("items %v", items)
		}
	})
	t.Run("a trace-only case's csv has one table", func(t *testing.T) {
		plain, _ := casework.New("單一追查", "user:alice", time.Now(), casetest.Trace("WQ-M01", "explained"))
		if bytes.Contains(render(t, plain, casework.FormatCSV), []byte("序號")) {
			t.Error("an empty items table was written")
		}
	})
	t.Run("geojson", func(t *testing.T) {
		var fc struct {
			Features []struct {
				ID         string         `json:"id"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
			Case struct {
				Items []map[string]any `json:"items"`
			} `json:"case"`
		}
		if err := json.Unmarshal(render(t, c, casework.FormatGeoJSON), &fc); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, f := range fc.Features {
			if strings.HasPrefix(f.ID, "item:") {
				got[f.Properties["kind"].(string)] = true
			}
		}
		if len(got) != 3 || !got["petition"] || !got["inspection"] || !got["sensor_anomaly"] || len(fc.Case.Items) != 5 {
			t.Errorf("item features %v, %d items listed", got, len(fc.Case.Items))
		}
	})
	t.Run("kml", func(t *testing.T) {
		var doc struct {
			Placemarks []struct {
				Style string `xml:"styleUrl"`
			} `xml:"Document>Placemark"`
		}
		if err := xml.Unmarshal(render(t, c, casework.FormatKML), &doc); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, p := range doc.Placemarks {
			if strings.HasPrefix(p.Style, "#item-") {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d item placemarks, want 3", n)
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		f, err := excelize.OpenReader(bytes.NewReader(render(t, c, casework.FormatXLSX)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows("案件項目")
		if err != nil || len(rows) != 6 || rows[4][1] != "感測異常" {
			t.Errorf("items sheet: %v %v", err, rows)
		}
	})
}
