// Package casefile renders a case as the files an officer attaches to an
// enforcement file: a printable A4 report in Traditional Chinese, and
// GeoJSON, CSV, KML and an Excel workbook. Rendering is deterministic: the
// same case gives the same bytes, so the SHA-256 recorded with the case
// checks a copy made at any time.
package casefile

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/envtrace/envtrace/casework"
	"github.com/envtrace/envtrace/tracing/suspect"
)

// File is one rendered export.
type File struct {
	Body        []byte
	ContentType string
	// Ext is the file-name extension, without the dot.
	Ext string
}

// DigestBase64 is the SHA-256 of Body in base64, as RFC 9530's
// Repr-Digest header carries it.
func (f File) DigestBase64() string {
	s := sha256.Sum256(f.Body)
	return base64.StdEncoding.EncodeToString(s[:])
}

// Render renders c in format (casework.FormatReport, FormatGeoJSON,
// FormatCSV, FormatKML or FormatXLSX).
func Render(c *casework.Case, format string) (File, error) {
	v, err := newView(c)
	if err != nil {
		return File{}, err
	}
	switch format {
	case casework.FormatReport:
		b, err := report(v)
		return File{b, "text/html; charset=utf-8", "html"}, err
	case casework.FormatGeoJSON:
		b, err := geoJSON(v)
		return File{b, "application/geo+json", "geojson"}, err
	case casework.FormatCSV:
		b, err := csvFile(v)
		return File{b, "text/csv; charset=utf-8", "csv"}, err
	case casework.FormatKML:
		b, err := kml(v)
		return File{b, "application/vnd.google-earth.kml+xml", "kml"}, err
	case casework.FormatXLSX:
		b, err := xlsx(v)
		return File{b, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"}, err
	}
	return File{}, fmt.Errorf("casefile: unknown format %q", format)
}

// view is a case with its first trace decoded, what every format shows.
type view struct {
	C      *casework.Case
	Trace  *casework.TraceItem
	Digest string // the trace item's digest
	Res    suspect.Result
}

func newView(c *casework.Case) (*view, error) {
	v := &view{C: c}
	for _, it := range c.Items {
		if t, ok := it.Body.(*casework.TraceItem); ok {
			v.Trace, v.Digest = t, it.Digest
			break
		}
	}
	if v.Trace == nil {
		return nil, fmt.Errorf("casefile: case %s holds no trace", c.ID)
	}
	if err := json.Unmarshal(v.Trace.Result, &v.Res); err != nil {
		return nil, fmt.Errorf("casefile: case %s: trace result: %w", c.ID, err)
	}
	return v, nil
}

// Taiwan time, as officers read it: 2026-08-14 04:00 (+08:00).
func twTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(casework.Taipei).Format("2006-01-02 15:04 (-07:00)")
}

// rocDate is the date in the Minguo calendar staff write on forms:
// 民國115年8月14日.
func rocDate(t time.Time) string {
	t = t.In(casework.Taipei)
	return fmt.Sprintf("民國%d年%d月%d日", t.Year()-1911, int(t.Month()), t.Day())
}

// verdictZH names a verdict in Traditional Chinese.
func verdictZH(v string) string {
	switch v {
	case "explained":
		return "可由許可排放源解釋"
	case "unexplained":
		return "無法由許可排放源解釋（疑似未許可排放）"
	case "within_normal_range":
		return "屬正常範圍，不指認任何對象"
	case "not_traceable":
		return "無法溯源，不指認任何對象"
	}
	return v
}

// statusZH names a reach status.
func statusZH(s casework.ReachStatus) string {
	switch s {
	case casework.ReachSuspect:
		return "仍有嫌疑河段"
	case casework.ReachCleared:
		return "已由乾淨測站排除"
	case casework.ReachUnexplained:
		return "未解釋區段（兩測站之間）"
	}
	return string(s)
}

// gradeZH names an evidence grade.
func gradeZH(g string) string {
	if g == casework.GradeEvidence {
		return "可供執法之證據"
	}
	return "篩檢資料"
}
