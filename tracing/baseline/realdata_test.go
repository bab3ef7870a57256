package baseline

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/envtrace/envtrace/internal/realdata"
	"github.com/envtrace/envtrace/tracing/param"
)

// TestChoptankNitrate applies the rule to a real monitoring record: 204
// monthly nitrate samples of the Choptank River (USGS, 1999–2011), each
// judged against the samples before it, at the river flow of its day. A
// river without a known spill should almost never read abnormal, and after
// three years of history the same-season window should carry the rule.
func TestChoptankNitrate(t *testing.T) {
	f, err := os.Open(realdata.Path(t, "loads/ChoptankRiverNitrate.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var history []Point
	p := param.MustLookup("NO3-N")
	_, rel := p.BaselineFloor()
	judged, abnormal, seasonal := 0, 0, 0
	for _, row := range rows[1:] {
		d, err := time.Parse("1/2/2006", row[0])
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseFloat(row[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		at := d.Add(10 * time.Hour)
		b := Compute(history, Query{Time: at, Resolution: 0.01, RelativeFloor: rel})
		if b.Sufficient() {
			judged++
			if b.Abnormal(v, p.Direction) {
				abnormal++
				t.Logf("%s: %.2f mg/L above %.2f (median %.2f of %d, %s)", d.Format(time.DateOnly), v, *b.Upper, b.Median, b.N, b.Window)
			}
			if at.After(time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC)) && b.Window == Season {
				seasonal++
			}
		}
		history = append(history, Point{Time: at, Value: v})
	}
	t.Logf("%d of %d samples judged, %d abnormal; %d judged on the same season", judged, len(rows)-1, abnormal, seasonal)
	if judged < 190 || float64(abnormal) > 0.02*float64(judged) {
		t.Errorf("%d of %d judged samples abnormal", abnormal, judged)
	}
	if seasonal < 100 {
		t.Errorf("only %d samples judged on the same season", seasonal)
	}
}
