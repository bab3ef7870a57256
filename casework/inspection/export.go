package inspection

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/envtrace/envtrace/tracing/industry"
)

// Export formats of a plan.
const (
	FormatCSV     = "csv"
	FormatGeoJSON = "geojson"
	FormatHTML    = "html"
)

// Formats lists the export formats.
var Formats = []string{FormatCSV, FormatGeoJSON, FormatHTML}

// Export renders a plan in a format and returns it with its media type.
func (p *Plan) Export(format string) ([]byte, string, error) {
	switch format {
	case FormatCSV:
		b, err := p.csv()
		return b, "text/csv; charset=utf-8", err
	case FormatGeoJSON:
		b, err := p.geoJSON()
		return b, "application/geo+json", err
	case FormatHTML:
		b, err := p.html()
		return b, "text/html; charset=utf-8", err
	}
	return nil, "", CheckFormat(format)
}

// CheckFormat refuses an export format Export does not write, so that a
// caller can refuse it before building the plan.
func CheckFormat(format string) error {
	if slices.Contains(Formats, format) {
		return nil
	}
	return fmt.Errorf("%w: format %q is not one of %s", ErrPlan, format, strings.Join(Formats, ", "))
}

// each visits the entries in route order.
func (p *Plan) each(fn func(r Route, e Entry)) {
	for _, r := range p.Routes {
		for _, e := range r.Entries {
			fn(r, e)
		}
	}
}

func (p *Plan) csv() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\ufeff") // Excel opens UTF-8 Chinese text correctly with a BOM
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"date", "team", "window", "window_start", "window_end", "order", "facility_id", "name", "industry", "area",
		"lon", "lat", "rank", "score", "probability", "selection", "propensity", "why"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	p.each(func(r Route, e Entry) {
		_ = w.Write([]string{p.Date, strconv.Itoa(r.Team), e.Window.Name, e.Window.Start.Format(time.RFC3339), e.Window.End.Format(time.RFC3339),
			strconv.Itoa(e.Order), e.FacilityID, e.Name, e.Industry, e.Area, f(e.Lon), f(e.Lat), strconv.Itoa(e.Rank),
			f(e.Score), f(e.Probability), e.Selection, f(e.Propensity), strings.Join(e.Why, "；")})
	})
	w.Flush()
	return b.Bytes(), w.Error()
}

func (p *Plan) geoJSON() ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	p.each(func(r Route, e Entry) {
		ft := geojson.NewFeature(orb.Point{e.Lon, e.Lat})
		ft.Properties = geojson.Properties{"date": p.Date, "team": r.Team, "window": e.Window.Name, "order": e.Order,
			"facility_id": e.FacilityID, "name": e.Name, "rank": e.Rank, "score": e.Score, "probability": e.Probability,
			"selection": e.Selection, "why": e.Why}
		fc.Append(ft)
	})
	for _, r := range p.Routes {
		if len(r.Entries) < 2 {
			continue
		}
		line := orb.LineString{}
		for _, e := range r.Entries {
			line = append(line, orb.Point{e.Lon, e.Lat})
		}
		ft := geojson.NewFeature(line)
		ft.Properties = geojson.Properties{"date": p.Date, "team": r.Team, "window": r.Window, "distance_km": r.DistanceKm}
		fc.Append(ft)
	}
	return json.Marshal(fc)
}

var printable = template.Must(template.New("plan").Funcs(template.FuncMap{
	"hm":         func(t time.Time) string { return t.In(Taipei).Format("15:04") },
	"industryZH": industryZH,
	"pct":        func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" },
	"win": func(s string) string {
		if s == "night" {
			return "夜間"
		}
		return "日間"
	},
	"sel": func(s string) string {
		if s == "random" {
			return "隨機"
		}
		return "風險"
	},
}).Parse(`<!doctype html>
<html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>稽查計畫 {{.Date}}</title>
<style>
body{font-family:"Noto Sans CJK TC","Noto Sans TC","Microsoft JhengHei",sans-serif;margin:1.5em}
table{border-collapse:collapse;width:100%;margin-bottom:1.5em}th,td{border:1px solid #444;padding:4px 6px;vertical-align:top;font-size:11pt}
th{background:#eee}h2{page-break-before:auto;margin-top:1.2em}@media print{h2{page-break-before:always}h2:first-of-type{page-break-before:avoid}}
.why{font-size:10pt}.route{overflow-x:auto}
@media (max-width:700px){body{margin:.5em}th,td{font-size:10pt;padding:3px}}
</style></head><body>
<h1>稽查計畫　{{.Date}}</h1>
<p>隊數 {{.Teams}}；稽查預算 {{.Budget}} 家；隨機抽查比例 {{pct .RandomShare}}；模型：{{.CalibrationZH}}；排名基準時間 {{.AsOf}}</p>
{{range .Routes}}<h2>第 {{.Team}} 隊・{{win .Window}}路線（{{.DistanceKm}} 公里）</h2>
<div class="route"><table><tr><th>順序</th><th>時段</th><th>管制編號</th><th>事業名稱</th><th>行業</th><th>區域</th><th>排名</th><th>違規機率</th><th>選取方式</th><th>列入理由</th><th>稽查結果</th></tr>
{{range .Entries}}<tr><td>{{.Order}}</td><td>{{hm .Window.Start}}–{{hm .Window.End}}</td><td>{{.FacilityID}}</td><td>{{.Name}}</td><td>{{industryZH .Industry}}</td><td>{{.Area}}</td><td>{{.Rank}}</td><td>{{pct .Probability}}</td><td>{{sel .Selection}}</td><td class="why">{{range .Why}}{{.}}<br>{{end}}</td><td style="width:8em"></td></tr>
{{end}}</table></div>{{end}}
<p class="why">路線規則：依排名選取並按區域配額分配，其餘名額隨機抽查；夜間排放者排入夜間時段（22:00–04:00）；各時段依與中心點的方位角排序後平均分隊，隊內由最接近中心點者起依最近鄰排序。</p>
</body></html>
`))

// industryZH names an industry in Traditional Chinese when the
// industry table knows it.
func industryZH(s string) string {
	if p, warn := industry.Resolve(s); warn == "" {
		return p.NameZH
	}
	return s
}

func (p *Plan) html() ([]byte, error) {
	var b bytes.Buffer
	err := printable.Execute(&b, p)
	return b.Bytes(), err
}
